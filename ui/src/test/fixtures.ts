// What the UI tests' fake app answers with, shared so that each test states only what differs.
import type { AccountView, DeskInfo, OrderRow } from '../api';

/** The organisation the tests sign in as. */
export const account: AccountView = {
  username: 'supplier',
  organisationName: '测试供应商',
  creditCode: '91350100M000100Y43',
  demo: false,
};

export const appInfo: DeskInfo = { platformUrl: 'https://zcy.example', embedded: false, version: '0.1.0' };

/** An order of 浙江汇信CA as the list shows it; 待认证 unless another status (with its labels) is given. */
export function orderRow(
  status: OrderRow['order']['status'] = { state: 'pendingVerification' },
  labels: { statusZh: string; statusEn: string } = { statusZh: '待认证', statusEn: 'Pending verification' },
): OrderRow {
  return {
    order: {
      orderNo: '159110370124321',
      providerId: 'zjhx',
      providerName: '浙江汇信CA',
      organisationName: '测试供应商',
      applicantName: '陈晨',
      quantity: 1,
      fee: 30000,
      status,
      submittedAt: '2020-06-02T21:14:41+08:00',
    },
    ...labels,
    submittedAtText: '2020-06-02 21:14:41',
  };
}
