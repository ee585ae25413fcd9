import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import { events } from '../../../../api/bindings';
import type { PaymentState } from '../../../../api';
import { emptyPage, orderRow } from '../../../../test/fixtures';
import Payment from './Payment';

const row = orderRow(
  { state: 'pendingPayment', verification: 'verified' },
  { statusZh: '待支付 (已认证)', statusEn: 'Pending payment (verified)' },
);
const inReview = orderRow(
  { state: 'pendingReview', verification: 'verified' },
  { statusZh: '待审核 (已认证)', statusEn: 'Pending review (verified)' },
);

/** The app behind IPC: payments open as asked; each progress answer is the next of `states`. */
function mockApp(states: PaymentState[], refuseStart?: { code: string; message: string }) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let asked = 0;
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      switch (cmd) {
        case 'start_payment': {
          if (refuseStart) throw refuseStart;
          const n = calls.filter((c) => c.cmd === 'start_payment').length;
          const outTradeNo = `159110370124321P0${n}`;
          return a.method === 'alipay'
            ? { outTradeNo, method: 'alipay', amount: 30000, payUrl: 'http://127.0.0.1:9/gateway.do?x', codeUrl: null }
            : { outTradeNo, method: 'wechat', amount: 30000, payUrl: null, codeUrl: 'http://127.0.0.1:9/cashier/abc' };
        }
        case 'payment_progress': {
          const state = states[Math.min(asked, states.length - 1)];
          asked += 1;
          return { outTradeNo: a.outTradeNo, state, row: state === 'paid' ? inReview : row };
        }
        case 'sync_orders':
          return 0;
        case 'list_orders':
          return emptyPage;
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    },
    { shouldMockEvents: true },
  );
  return calls;
}

function renderPayment() {
  render(
    <AppProviders queryClient={createQueryClient()}>
      <Payment row={row} onClose={() => {}} />
    </AppProviders>,
  );
}

/** What the deep link does: the gateway's page sent the browser back for this trade. */
async function browserReturns(outTradeNo: string) {
  await events.payReturned.emit({ outTradeNo });
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('缴费', () => {
  it('pays with 支付宝: the page opens in the browser and only the platform’s answer says paid', async () => {
    const calls = mockApp(['pending', 'paid']);
    const user = userEvent.setup({ delay: null });
    renderPayment();
    expect(await screen.findByText('¥300.00')).toBeTruthy();
    expect(screen.getByLabelText('支付宝')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: '确认付款' }));
    expect(await screen.findByText(/已在浏览器中打开支付宝付款页面/)).toBeTruthy();
    expect(calls.find((c) => c.cmd === 'start_payment')?.args).toEqual({ orderNo: '159110370124321', method: 'alipay' });
    expect(screen.getByText('正在确认付款结果…')).toBeTruthy();

    // Back from the browser: the app asks; the platform says still pending, then paid.
    await browserReturns('159110370124321P01');
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'payment_progress').length).toBe(1));
    expect(screen.getByText('正在确认付款结果…')).toBeTruthy();
    // Another trade's return is not this one's.
    await browserReturns('999');
    await browserReturns('159110370124321P01');
    expect(await screen.findByText('付款成功，订单已进入待审核 (已认证)')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'payment_progress').length).toBe(2);
  });

  it('pays with 微信支付 by showing its code', async () => {
    const calls = mockApp(['paid']);
    const user = userEvent.setup({ delay: null });
    renderPayment();
    await user.click(await screen.findByLabelText('微信支付'));
    await user.click(screen.getByRole('button', { name: '确认付款' }));
    expect(await screen.findByText('请使用微信扫描二维码付款')).toBeTruthy();
    expect(document.querySelector('#pay-qrcode svg')).not.toBeNull();
    expect(calls.find((c) => c.cmd === 'start_payment')?.args.method).toBe('wechat');
    // Without any return: the app asks by itself every couple of seconds.
    expect(await screen.findByText('付款成功，订单已进入待审核 (已认证)', {}, { timeout: 5000 })).toBeTruthy();
  });

  it('after a closed payment offers 重新支付, which opens a new one', async () => {
    const calls = mockApp(['closed']);
    const user = userEvent.setup({ delay: null });
    renderPayment();
    await user.click(await screen.findByRole('button', { name: '确认付款' }));
    await screen.findByText('正在确认付款结果…');
    await browserReturns('159110370124321P01');
    expect(await screen.findByText('付款未完成：交易已关闭或已取消。')).toBeTruthy();
    expect(screen.getByRole('button', { name: '取 消' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: '重新支付' }));
    await user.click(await screen.findByRole('button', { name: '确认付款' }));
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'start_payment').length).toBe(2));
  });

  it('says a payment of another amount was not applied and staff will see to it', async () => {
    mockApp(['amountMismatch']);
    const user = userEvent.setup({ delay: null });
    renderPayment();
    await user.click(await screen.findByRole('button', { name: '确认付款' }));
    await screen.findByText('正在确认付款结果…');
    await browserReturns('159110370124321P01');
    expect(await screen.findByText(/金额与应付金额不符，这笔付款未入账/)).toBeTruthy();
    expect(screen.getByRole('button', { name: '重新支付' })).toBeTruthy();
  });

  it('says in Chinese why a payment cannot be opened', async () => {
    mockApp([], { code: 'unavailable', message: '平台未开通在线支付，请到服务窗口缴费' });
    const user = userEvent.setup({ delay: null });
    renderPayment();
    await user.click(await screen.findByRole('button', { name: '确认付款' }));
    expect(await screen.findByText('平台未开通在线支付，请到服务窗口缴费')).toBeTruthy();
    expect(screen.getByRole('button', { name: '确认付款' })).toBeTruthy();
  });
});
