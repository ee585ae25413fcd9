import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import type {
  CertificateRecord,
  IdCardView,
  OrderRow,
  OrganisationAccount,
  PaymentRecord,
  StaffOrderView,
} from '../../../../api';
import { byId, openDialog } from '../../../../test/dom';
import { orderRow } from '../../../../test/fixtures';
import { NEW_PIN, UKEY_SERIAL, ukeyCommand } from '../../../../test/ukey';
import { menusFor } from '../../service';
import CounterIntake from '.';

const CODE = '91330106MA2CFD8K4X';
const walkIn: OrganisationAccount = {
  organisationName: '杭州窗口办理科技有限公司',
  creditCode: CODE,
  username: 'walkin',
  registeredAt: '2026-12-02T10:00:00+08:00',
};
const card: IdCardView = {
  reader: '演示身份证阅读器',
  name: '王窗口',
  idNumber: '11010519491231002X',
  idNumberMasked: '110***********002X',
  sex: '女',
  nation: '汉',
  birthDate: '19491231',
  address: '北京市朝阳区建国路1号',
  issuer: '北京市公安局朝阳分局',
  validity: '20200101-长期',
};

const rows: Record<string, OrderRow> = {
  pendingVerification: orderRow({ state: 'pendingVerification' }),
  pendingPayment: orderRow({ state: 'pendingPayment', verification: 'inPerson' }, { statusZh: '待支付 (现场核验)', statusEn: 'Pending payment (checked in person)' }),
  pendingReview: orderRow({ state: 'pendingReview', verification: 'inPerson' }, { statusZh: '待审核 (现场核验)', statusEn: 'Pending review (checked in person)' }),
  approved: orderRow({ state: 'approved', verification: 'inPerson' }, { statusZh: '审核通过, 待制证 (现场核验)', statusEn: 'Approved, in production (checked in person)' }),
  issued: orderRow(
    { state: 'issued', verification: 'inPerson', delivery: { method: 'onSite' }, invoice: { state: 'notRequested' } } as never,
    { statusZh: '审核通过, 已发证 (现场核验)', statusEn: 'Approved, issued (checked in person)' },
  ),
  cancelled: orderRow({ state: 'cancelled' } as never, { statusZh: '已撤销', statusEn: 'Cancelled' }),
};

const counterPayment: PaymentRecord = {
  outTradeNo: 'C159110370124321',
  method: 'counterCash',
  amount: 30000,
  state: 'paid',
  receiptNo: 'SJ-01',
  createdAt: '2026-12-02T10:05:00+08:00',
  paidAt: '2026-12-02T10:05:00+08:00',
  gatewayTradeNo: null,
  notifications: 0,
} as PaymentRecord;

/** A fake app at the counter: the order moves through `state` as the steps are taken. */
function mockCounter(options: { registered?: boolean; readerMissing?: boolean; start?: keyof typeof rows } = {}) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let registered = options.registered ?? false;
  let state: keyof typeof rows = options.start ?? 'pendingVerification';
  let refunded = false;
  const certificates: CertificateRecord[] = [];
  const view = (): StaffOrderView => ({
    row: rows[state],
    application: {
      providerId: 'zjhx',
      quantity: 1,
      organisationName: walkIn.organisationName,
      creditCode: CODE,
      applicantName: '王窗口',
      idNumber: '110***********002X',
      mobile: '138****8000',
      email: 'i***@example.com',
      delivery: 'counter',
      recipient: '',
      recipientMobile: '',
      address: '',
    },
    payments: state === 'cancelled' ? [{ ...counterPayment, state: refunded ? 'refunded' : 'paid' }] : [],
    faceAttempts: [],
    certificates: [...certificates],
    history: [],
    eta: null,
  });
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    const ukey = ukeyCommand(cmd, a, certificates);
    if (ukey !== undefined) return ukey;
    switch (cmd) {
      case 'list_providers':
        return [{ id: 'zjhx', name: '浙江汇信CA', unitFee: 30000, demo: false }];
      case 'find_organisation':
        return registered ? walkIn : null;
      case 'register_organisation':
        registered = true;
        return walkIn;
      case 'read_id_card':
        if (options.readerMissing) {
          throw { code: 'unavailable', message: '未找到身份证阅读器驱动（sdtapi.dll），请安装阅读器厂商提供的驱动程序后重试' };
        }
        return card;
      case 'check_application':
        return String((a.form as { mobile: string }).mobile).length === 11
          ? []
          : [{ field: 'mobile', message: '手机号码应为11位' }];
      case 'submit_at_counter':
        return rows.pendingVerification;
      case 'staff_order':
        return view();
      case 'check_id_card':
        state = 'pendingPayment';
        return rows[state];
      case 'take_counter_payment':
        state = 'pendingReview';
        return rows[state];
      case 'approve_order':
        state = 'approved';
        return rows[state];
      case 'issue_at_counter':
        state = 'issued';
        return rows[state];
      case 'refund_at_counter':
        refunded = true;
        return view().payments;
      case 'save_counter_receipt':
        return `/home/clerk/Downloads/CA证书受理回执-${String(a.orderNo)}.pdf`;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  }, { shouldMockEvents: true });
  return { called: (cmd: string) => calls.filter((c) => c.cmd === cmd) };
}

function renderIntake() {
  return render(
    <AppProviders queryClient={createQueryClient()}>
      <CounterIntake />
    </AppProviders>,
  );
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('现场办理', () => {
  it('registers a walk-in, reads the card into the form, checks it, takes the payment and issues on site', async () => {
    const app = mockCounter();
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderIntake();

    await user.type(await byId('counter-credit-code'), CODE);
    await user.click(await byId('counter-find'));
    expect(await byId('counter-not-found')).toBeTruthy();
    expect(app.called('find_organisation')[0].args).toEqual({ creditCode: CODE });
    // Registration without a username sends nothing.
    await user.type(document.getElementById('counter-register_organisationName')!, walkIn.organisationName);
    await user.click(await byId('counter-register-submit'));
    expect(await screen.findByText('请输入用户名')).toBeTruthy();
    expect(app.called('register_organisation')).toHaveLength(0);
    await user.type(document.getElementById('counter-register_username')!, 'walkin');
    await user.type(document.getElementById('counter-register_password')!, 'a-long-password');
    await user.click(await byId('counter-register-submit'));
    await waitFor(() =>
      expect(app.called('register_organisation')[0]?.args).toEqual({
        registration: { organisationName: walkIn.organisationName, creditCode: CODE, username: 'walkin', password: 'a-long-password' },
      }),
    );
    expect(within(await byId('counter-account')).getByText('walkin')).toBeTruthy();
    await user.click(await byId('counter-next'));

    // 读取身份证 fills the applicant; the organisation is the account's and cannot be typed over.
    await user.click(await byId('counter-read-card'));
    expect(await screen.findByText('已读取身份证：王窗口，110***********002X（演示身份证阅读器）')).toBeTruthy();
    const organisation = document.getElementById('counter-application_organisationName') as HTMLInputElement;
    expect((organisation as HTMLInputElement).disabled).toBe(true);
    expect(organisation.value).toBe(walkIn.organisationName);
    await waitFor(() =>
      expect((document.getElementById('counter-application_idNumber') as HTMLInputElement).value).toBe(card.idNumber),
    );
    // A refused field keeps the form; nothing is submitted.
    await user.type(document.getElementById('counter-application_mobile')!, '1380013');
    await user.type(document.getElementById('counter-application_email')!, 'invoice@example.com');
    await user.click(await byId('counter-submit'));
    expect(await screen.findByText('手机号码应为11位')).toBeTruthy();
    expect(app.called('submit_at_counter')).toHaveLength(0);
    await user.type(document.getElementById('counter-application_mobile')!, '8000');
    await user.click(await byId('counter-submit'));
    await waitFor(() => expect(app.called('submit_at_counter')).toHaveLength(1));
    const sent = app.called('submit_at_counter')[0].args.form as Record<string, unknown>;
    expect(sent).toMatchObject({
      providerId: 'zjhx',
      organisationName: walkIn.organisationName,
      creditCode: CODE,
      applicantName: '王窗口',
      idNumber: card.idNumber,
      mobile: '13800138000',
      delivery: 'counter',
    });

    // The order at the counter: the card already read is checked without a second read.
    const drawer = await openDialog();
    expect(await within(drawer).findByText('待认证')).toBeTruthy();
    await user.click(await byId('counter-id-check-submit'));
    await waitFor(() =>
      expect(app.called('check_id_card')[0]?.args).toEqual({ orderNo: '159110370124321', name: '王窗口', idNumber: card.idNumber }),
    );
    expect(app.called('read_id_card')).toHaveLength(1);

    // 窗口收款 needs the receipt number.
    await byId('counter-payment');
    expect(within(drawer).getByText('应收 ¥300.00')).toBeTruthy();
    await user.click(await byId('counter-take-payment'));
    expect(await screen.findByText('请输入收据号')).toBeTruthy();
    expect(app.called('take_counter_payment')).toHaveLength(0);
    await user.click(within(drawer).getByText('刷卡'));
    await user.type(await byId('counter-receipt-no'), 'POS-0001');
    await user.click(await byId('counter-take-payment'));
    await waitFor(() =>
      expect(app.called('take_counter_payment')[0]?.args).toEqual({
        orderNo: '159110370124321',
        method: 'counterCard',
        receiptNo: 'POS-0001',
      }),
    );

    // The 受理回执, then 现场发证 after the clerk confirms the hand-over.
    await user.click(await byId('counter-receipt'));
    expect((await byId('counter-receipt-saved')).textContent).toBe(
      '受理回执已保存到 /home/clerk/Downloads/CA证书受理回执-159110370124321.pdf',
    );
    // 审核通过, then the certificate onto the applicant's UKey; 现场发证 waits for it.
    await user.click(await byId('counter-approve'));
    await waitFor(() => expect(app.called('approve_order')).toHaveLength(1));
    expect((await byId('counter-issue-submit')).hasAttribute('disabled')).toBe(true);
    await user.click(await byId('ukey-select'));
    await user.click(await screen.findByTitle(`演示UKey（PKCS#11 · P-256 · ${UKEY_SERIAL}）`));
    fireEvent.change(await byId('ukey-pin'), { target: { value: '12345678' } });
    await user.click(await byId('ukey-write'));
    expect((await byId('ukey-new-pin')).textContent).toBe(NEW_PIN);
    await waitFor(() => expect(document.getElementById('counter-issue-submit')?.hasAttribute('disabled')).toBe(false));
    await user.click(await byId('counter-issue-submit'));
    await user.click(await byId('counter-issue-confirm'));
    await waitFor(() => expect(app.called('issue_at_counter')).toHaveLength(1));
    expect(await within(drawer).findByText('审核通过, 已发证 (现场核验)')).toBeTruthy();
    expect(await within(drawer).findByText('该订单当前无需窗口办理的步骤')).toBeTruthy();
  });

  it('says in words when the reader has no driver, and finds a registered organisation at once', async () => {
    mockCounter({ registered: true, readerMissing: true });
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderIntake();
    await user.type(await byId('counter-credit-code'), CODE);
    await user.click(await byId('counter-find'));
    expect(await screen.findByText('已找到机构账号')).toBeTruthy();
    await user.click(await byId('counter-next'));
    await user.click(await byId('counter-read-card'));
    expect(
      await screen.findByText('未找到身份证阅读器驱动（sdtapi.dll），请安装阅读器厂商提供的驱动程序后重试'),
    ).toBeTruthy();
    expect(screen.getByText('尚未读取身份证：申领人姓名和身份证号将以身份证原件为准')).toBeTruthy();
  });

  it('refunds a cancelled order’s counter payment with the refund receipt number', async () => {
    const app = mockCounter({ start: 'cancelled' });
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderIntake();
    await user.type(await byId('counter-existing-order'), '159110370124321');
    await user.click(await byId('counter-open-order'));
    const drawer = await openDialog();
    expect(await within(drawer).findByText('订单已撤销，窗口收取的 ¥300.00 需退还申领人')).toBeTruthy();
    await user.type(await byId('counter-refund-receipt'), 'TK-01');
    await user.click(await byId('counter-refund-submit'));
    await waitFor(() =>
      expect(app.called('refund_at_counter')[0]?.args).toEqual({ orderNo: '159110370124321', receiptNo: 'TK-01' }),
    );
    expect(await within(drawer).findByText('该订单当前无需窗口办理的步骤')).toBeTruthy();
  });

  it('offers the counter only to the counter role, and 员工管理 and 操作日志 only to administrators', () => {
    expect(menusFor(['reviewer'])).toEqual(['review']);
    expect(menusFor(['counter'])).toEqual(['counter']);
    expect(menusFor(['admin'])).toEqual(['admin', 'audit']);
    expect(menusFor(['admin', 'counter', 'reviewer', 'producer'])).toEqual([
      'review',
      'production',
      'counter',
      'admin',
      'audit',
    ]);
  });
});
