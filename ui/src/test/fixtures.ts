// What the UI tests' fake app answers with, shared so that each test states only what differs.
import type { AccountView, DeskInfo, OrderQuery, OrderRow, OrderRowPage } from '../api';

/** The organisation the tests sign in as. */
export const account: AccountView = {
  username: 'supplier',
  organisationName: '测试供应商',
  creditCode: '91350100M000100Y43',
  demo: false,
};

export const appInfo: DeskInfo = { platformUrl: 'https://zcy.example', embedded: false, version: '0.1.0', localKeyNotice: null };

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

/**
 * What the app's `list_orders` answers for `query` over `rows` (newest first), as the local store
 * does: 订单编号 by its first digits, 申领状态 by code, CA服务商, then the page.
 */
export function pageOf(rows: OrderRow[], query: OrderQuery | undefined): OrderRowPage {
  const q = query ?? { orderNo: null, status: null, providerId: null, submittedFrom: null, submittedTo: null, page: null, pageSize: null };
  const passing = rows.filter(
    (row) =>
      (!q.orderNo || row.order.orderNo.startsWith(q.orderNo)) &&
      (!q.status || row.order.status.state === q.status) &&
      (!q.providerId || row.order.providerId === q.providerId),
  );
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 10;
  // A fresh copy, as real IPC deserialises a fresh value every time.
  const items = structuredClone(passing.slice((page - 1) * pageSize, page * pageSize));
  return { items, total: passing.length, page, pageSize };
}

/** A page with nothing on it. */
export const emptyPage: OrderRowPage = { items: [], total: 0, page: 1, pageSize: 10 };
