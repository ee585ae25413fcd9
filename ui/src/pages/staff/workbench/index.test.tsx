import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import dayjs from 'dayjs';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient, Shell } from '../../../App';
import type { CertificateRecord, QueueRow, StaffAccountView, StaffOrderView, StaffRole } from '../../../api';
import { button, byId } from '../../../test/dom';
import { account, appInfo, emptyPage, orderRow } from '../../../test/fixtures';
import { NEW_PIN, UKEY_SERIAL, ukeyCommand } from '../../../test/ukey';

const reviewQueue: QueueRow[] = [
  {
    row: orderRow({ state: 'pendingReview', verification: 'verified' }, { statusZh: '待审核 (已认证)', statusEn: 'Pending review (verified)' }),
    waitingSinceText: '2026-11-26 09:30:00',
    workingDaysWaited: 3,
    overdue: true,
  },
];

const approvedRow = orderRow(
  { state: 'approved', verification: 'verified' },
  { statusZh: '审核通过, 待制证 (已认证)', statusEn: 'Approved, in production (verified)' },
);

const fullOrder: StaffOrderView = {
  row: reviewQueue[0].row,
  application: {
    providerId: 'zjhx',
    quantity: 1,
    organisationName: '测试供应商',
    creditCode: '91350100M000100Y43',
    applicantName: '陈晨',
    idNumber: '330***********0018',
    mobile: '138****8000',
    email: 'invoice@example.com',
    delivery: 'mail',
    recipient: '陈晨',
    recipientMobile: '13800138000',
    address: '浙江省杭州市西湖区文三路1号',
  },
  payments: [],
  certificates: [],
  faceAttempts: [
    {
      attempt: { at: '2026-11-26T09:10:00+08:00', outcome: 'failed', reason: '未检测到人脸，请正对摄像头并确保光线充足', provider: 'sandbox' },
      atText: '2026-11-26 09:10:00',
      passed: false,
    },
    {
      attempt: { at: '2026-11-26T09:11:00+08:00', outcome: 'passed', reason: null, provider: 'sandbox' },
      atText: '2026-11-26 09:11:00',
      passed: true,
    },
  ],
  history: [
    { atText: '2026-11-26 09:00:00', actorZh: '申领人', actorEn: 'Applicant', statusZh: '待认证', statusEn: 'Pending verification', reason: null, staffName: null },
    {
      atText: '2026-11-26 10:00:00',
      actorZh: '审核人员',
      actorEn: 'Reviewer',
      statusZh: '待审核 (材料已收)',
      statusEn: 'Pending review (documents received)',
      reason: null,
      staffName: '演示审核员',
    },
  ],
  eta: null,
};

/** A fake app with the organisation signed in and the staff signed out until `staff_log_in`. */
function mockApp(roles: StaffRole[] = ['reviewer'], options: { staffRefused?: boolean } = {}) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let staff: StaffAccountView | null = null;
  let orgSignedIn = true;
  const certificates: CertificateRecord[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const ukey = ukeyCommand(cmd, a, certificates);
    if (ukey !== undefined) return ukey;
    switch (cmd) {
      case 'account':
        return orgSignedIn ? account : null;
      case 'app_info':
        return { ...appInfo, embedded: true };
      case 'sync_orders':
        return 0;
      case 'list_orders':
        return emptyPage;
      case 'list_drafts':
      case 'list_providers':
        return [];
      case 'staff_account':
        return staff;
      case 'demo_staff':
        return {
          accounts: [
            { username: 'demo-reviewer', displayName: '演示审核员', roles: ['reviewer'] },
            { username: 'demo-producer', displayName: '演示制证员', roles: ['producer'] },
          ],
          password: 'certdesk-demo',
        };
      case 'staff_log_in':
        if (a.password !== 'certdesk-demo') throw { code: 'unauthorized', message: '用户名或密码错误' };
        staff = { username: String(a.username), displayName: '演示审核员', roles };
        return staff;
      case 'staff_log_out':
      case 'forget_staff_session':
        staff = null;
        return null;
      case 'forget_session':
        orgSignedIn = false;
        return null;
      case 'review_queue':
        if (options.staffRefused) throw { code: 'unauthorized', message: '登录已过期，请重新登录' };
        return reviewQueue;
      case 'production_queue':
        return [{ row: approvedRow, waitingSinceText: '2026-12-01 10:00:00', workingDaysWaited: 0, overdue: false }];
      case 'staff_order':
        return { ...fullOrder, certificates: [...certificates] };
      case 'reject_order':
        return orderRow(
          { state: 'rejected', verification: 'verified', reason: String(a.reason) },
          { statusZh: '审核未通过 (已认证)', statusEn: 'Rejected (verified)' },
        );
      case 'approve_order':
        return approvedRow;
      case 'save_shipping_list':
        return `/home/clerk/Downloads/CA证书邮寄清单-${String(a.date)}.pdf`;
      case 'ship_order':
        return orderRow(
          { state: 'issued', verification: 'verified', delivery: { method: 'mailed', courier: String(a.courier), trackingNo: String(a.trackingNo) }, invoice: { state: 'notRequested' } } as never,
          { statusZh: '审核通过, 已发证 (已认证)', statusEn: 'Approved, issued (verified)' },
        );
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  }, { shouldMockEvents: true });
  return { calls, called: (cmd: string) => calls.filter((c) => c.cmd === cmd) };
}

function renderShell() {
  return render(
    <AppProviders queryClient={createQueryClient()}>
      <Shell />
    </AppProviders>,
  );
}

async function signInAsStaff(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await button('员工工作台'));
  // The demo accounts are listed with their password; 使用 fills the form.
  expect(await screen.findByText('演示账号（密码均为 certdesk-demo）：')).toBeTruthy();
  await user.click(document.querySelector('.use-demo-demo-reviewer') as HTMLElement);
  await user.click(await byId('staff-login-submit'));
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('员工工作台', () => {
  it('signs a demo reviewer in beside the organisation and offers only the review queue', async () => {
    const app = mockApp(['reviewer']);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    expect(app.called('staff_log_in')[0].args).toEqual({ username: 'demo-reviewer', password: 'certdesk-demo' });
    const menu = await byId('staff-menu');
    expect(within(menu).getByText('审核队列')).toBeTruthy();
    expect(within(menu).queryByText('制证队列')).toBeNull();
    const queue = await screen.findByText('159110370124321');
    const row = queue.closest('tr') as HTMLElement;
    expect(within(row).getByText('3 个工作日')).toBeTruthy();
    expect(within(row).getByText('已超时')).toBeTruthy();
    expect(within(row).getByText('待审核 (已认证)')).toBeTruthy();

    // 返回机构申领: the organisation is still signed in.
    await user.click(await byId('switch-side'));
    expect(await button('CA在线申领')).toBeTruthy();
    expect(app.called('forget_session')).toHaveLength(0);
  });

  it('filters the review queue by verification and starts again at page 1', async () => {
    const app = mockApp(['reviewer']);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    await screen.findByText('159110370124321');
    expect(app.called('review_queue')[0].args).toEqual({
      query: { providerId: null, verification: null, submittedFrom: null, submittedTo: null, page: 1, pageSize: 10 },
    });
    await user.click(document.getElementById('review-queue-filter_verification')!);
    await user.click(await screen.findByTitle('待收材料'));
    await user.click(await button('搜索'));
    await waitFor(() =>
      expect(app.called('review_queue').slice(-1)[0]?.args).toEqual({
        query: { providerId: null, verification: 'awaitingMaterials', submittedFrom: null, submittedTo: null, page: 1, pageSize: 10 },
      }),
    );
  });

  it('rejects with a common reason, and sends nothing without one', async () => {
    const app = mockApp(['reviewer']);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    await user.click(await button('办理'));
    // The order in full, with the ID number masked as the platform sent it.
    expect(await screen.findByText('330***********0018')).toBeTruthy();
    expect(screen.getByText('暂无付款记录')).toBeTruthy();
    // The face attempts' results, each with its reason; no photo exists to show.
    const attempts = await byId('staff-face-attempts');
    expect(within(attempts).getByText('未检测到人脸，请正对摄像头并确保光线充足')).toBeTruthy();
    expect(within(attempts).getByText('未通过')).toBeTruthy();
    expect(within(attempts).getByText('通过')).toBeTruthy();
    expect(screen.getByText('2026-11-26 09:00:00 · 申领人 · 待认证')).toBeTruthy();
    // Staff see who took each step.
    expect(screen.getByText('2026-11-26 10:00:00 · 审核人员（演示审核员） · 待审核 (材料已收)')).toBeTruthy();

    await user.click(await byId('reject'));
    const dialog = (await screen.findByText('审核不通过（订单 159110370124321）')).closest('.ant-modal') as HTMLElement;
    // Without a reason nothing is sent.
    await user.click(await byId('reject-submit'));
    expect(await within(dialog).findByText('请填写或选择不通过理由')).toBeTruthy();
    expect(app.called('reject_order')).toHaveLength(0);
    await user.click(within(dialog).getByRole('combobox'));
    await user.click(await screen.findByTitle('申领人手机号码无法接通'));
    await user.click(await byId('reject-submit'));
    await waitFor(() => expect(app.called('reject_order')).toHaveLength(1));
    expect(app.called('reject_order')[0].args).toEqual({ orderNo: '159110370124321', reason: '申领人手机号码无法接通' });
    expect(await screen.findByText('已办理：订单 159110370124321，审核未通过 (已认证)')).toBeTruthy();
  });

  it('approves after confirming', async () => {
    const app = mockApp(['reviewer']);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    await user.click(await button('办理'));
    await user.click(await byId('approve'));
    expect(await screen.findByText('确定审核通过订单 159110370124321 吗？')).toBeTruthy();
    expect(app.called('approve_order')).toHaveLength(0);
    // antd spaces two-character button labels: 确 定.
    await user.click(await button('确定'));
    await waitFor(() => expect(app.called('approve_order')).toHaveLength(1));
    expect(app.called('approve_order')[0].args).toEqual({ orderNo: '159110370124321' });
  });

  it('writes the certificate onto a UKey, then mails the order with the courier and tracking number', async () => {
    const app = mockApp(['producer']);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    const menu = await byId('staff-menu');
    expect(within(menu).queryByText('审核队列')).toBeNull();
    await user.click(await button('邮寄'));
    const dialog = (await screen.findByText('制证并邮寄（订单 159110370124321）')).closest('.ant-modal') as HTMLElement;
    expect(await within(dialog).findByText('浙江省杭州市西湖区文三路1号')).toBeTruthy();
    // No certificate yet: 邮寄 waits for it.
    expect(await within(dialog).findByText('请先写入全部 1 张证书（已签发 0 张）')).toBeTruthy();
    expect((await byId('ship-submit')).hasAttribute('disabled')).toBe(true);

    // 写入证书: the UKey, a wrong PIN said, then the right one; every step shown, the new PIN once.
    await user.click(await byId('ukey-select'));
    await user.click(await screen.findByTitle(`演示UKey（PKCS#11 · P-256 · ${UKEY_SERIAL}）`));
    fireEvent.change(await byId('ukey-pin'), { target: { value: '00000000' } });
    await user.click(await byId('ukey-write'));
    expect((await byId('ukey-error')).textContent).toContain('PIN码错误，请重新输入');
    fireEvent.change(await byId('ukey-pin'), { target: { value: '12345678' } });
    await user.click(await byId('ukey-write'));
    expect((await byId('ukey-new-pin')).textContent).toBe(NEW_PIN);
    expect(app.called('write_certificate_to_ukey')[1].args).toEqual({
      orderNo: '159110370124321',
      ukeySerial: UKEY_SERIAL,
      pin: '12345678',
    });
    for (const step of ['检测UKey', '输入PIN', '生成密钥', '签发证书', '写入证书', '校验']) {
      expect(within(dialog).getAllByText(step).length).toBeGreaterThan(0);
    }
    await user.click(await byId('pin-slip-save'));
    await waitFor(() => expect(app.called('save_pin_slip')).toHaveLength(1));
    expect(app.called('save_pin_slip')[0].args).toEqual({
      slip: {
        orderNo: '159110370124321',
        organisationName: '测试供应商',
        ukeySerial: UKEY_SERIAL,
        certificateSerial: '4A1F00D',
        pin: NEW_PIN,
      },
    });
    expect(await byId('ukey-all-issued')).toBeTruthy();

    await user.click(await byId('shipment_courier'));
    await user.click(await screen.findByTitle('顺丰速运'));
    fireEvent.change(within(dialog).getByLabelText('运单号'), { target: { value: 'SF1234567890' } });
    await waitFor(() => expect(document.getElementById('ship-submit')?.hasAttribute('disabled')).toBe(false));
    await user.click(await byId('ship-submit'));
    await waitFor(() => expect(app.called('ship_order')).toHaveLength(1));
    expect(app.called('ship_order')[0].args).toEqual({ orderNo: '159110370124321', courier: '顺丰速运', trackingNo: 'SF1234567890' });
    expect(await screen.findByText('已办理：订单 159110370124321，审核通过, 已发证 (已认证)')).toBeTruthy();
  });

  it('prints the 邮寄清单 of the day chosen', async () => {
    const app = mockApp(['producer']);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    await byId('shipping-list');
    await user.click(await byId('shipping-list-save'));
    await waitFor(() => expect(app.called('save_shipping_list')).toHaveLength(1));
    // Today by default, as the date picker shows it.
    expect(app.called('save_shipping_list')[0].args).toEqual({ date: dayjs().format('YYYY-MM-DD') });
    expect((await byId('shipping-list-save-saved')).textContent).toBe(
      `邮寄清单已保存到 /home/clerk/Downloads/CA证书邮寄清单-${dayjs().format('YYYY-MM-DD')}.pdf`,
    );
  });

  it('a refused staff session shows 员工登录 again and leaves the organisation signed in', async () => {
    const app = mockApp(['reviewer'], { staffRefused: true });
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderShell();
    await signInAsStaff(user);
    await waitFor(() => expect(app.called('forget_staff_session')).toHaveLength(1));
    expect(await byId('staff-login-submit')).toBeTruthy();
    expect(app.called('forget_session')).toHaveLength(0);
  });
});
