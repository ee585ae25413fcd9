import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import type { InvoiceRecord } from '../../../../api';
import { button, byId, openDialog } from '../../../../test/dom';
import { orderRow } from '../../../../test/fixtures';
import InvoiceInfo from './InvoiceInfo';

const issued = orderRow(
  { state: 'issued', verification: 'verified', delivery: { method: 'onSite' }, invoice: 'issued' },
  { statusZh: '审核通过, 已发证', statusEn: 'Approved, issued' },
);

const record: InvoiceRecord = {
  orderNo: issued.order.orderNo,
  invoiceNo: '26339000000000000001',
  title: '测试供应商',
  taxpayerId: '91350100M000100Y43',
  emailMasked: 'f***@example.com',
  total: 60000,
  amount: 56604,
  tax: 3396,
  taxRate: '6%',
  totalInWords: '陆佰元整',
  requestedAt: '2026-12-03T10:00:00+08:00',
  issuedAt: '2026-12-03T10:00:01+08:00',
  sandbox: true,
};

/** The app behind IPC: the invoice above; 重新发送 refuses an address without a dot. */
function mockApp() {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    switch (cmd) {
      case 'order_invoice':
        return record;
      case 'save_invoice':
        return '/home/u/Downloads/电子发票-26339000000000000001.pdf';
      case 'open_saved_file':
        return null;
      case 'resend_invoice': {
        const email = a.email as string | null;
        if (email !== null && !email.includes('.')) {
          throw { code: 'validation', message: '发票信息有误', invoiceFields: [{ field: 'email', message: '电子邮箱格式不正确' }] };
        }
        return { ...record, emailMasked: email === null ? record.emailMasked : 'a***@example.org' };
      }
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { called: (cmd: string) => calls.filter((c) => c.cmd === cmd) };
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('电子发票 in 查看', () => {
  it('shows 发票已开具 with its figures, saves the PDF and opens it', async () => {
    const app = mockApp();
    render(
      <AppProviders queryClient={createQueryClient()}>
        <InvoiceInfo row={issued} />
      </AppProviders>,
    );
    expect((await byId('invoice-state')).textContent).toBe('发票已开具');
    expect((await byId('invoice-number')).textContent).toBe('26339000000000000001');
    expect(screen.getByText('¥600.00（陆佰元整）')).toBeTruthy();
    expect(screen.getByText('金额 ¥566.04，税额 ¥33.96（税率 6%）')).toBeTruthy();
    expect(screen.getByText(/演示发票（沙箱）/)).toBeTruthy();
    const user = userEvent.setup({ delay: null });
    await user.click(await byId('invoice-save'));
    expect((await byId('invoice-saved')).textContent).toContain('电子发票-26339000000000000001.pdf');
    await user.click(await button('打开', await byId('invoice-saved')));
    await waitFor(() => expect(app.called('open_saved_file')).toHaveLength(1));
    expect(app.called('open_saved_file')[0].args.path).toBe('/home/u/Downloads/电子发票-26339000000000000001.pdf');
  });

  it('sends it again to a corrected address, saying a wrong one under the field', async () => {
    const app = mockApp();
    render(
      <AppProviders queryClient={createQueryClient()}>
        <InvoiceInfo row={issued} />
      </AppProviders>,
    );
    const user = userEvent.setup({ delay: null });
    await user.click(await byId('invoice-resend'));
    const dialog = await openDialog();
    expect(dialog.textContent).toContain('留空则发送到原邮箱 f***@example.com');
    const input = dialog.querySelector<HTMLInputElement>('#invoice-resend_email')!;
    fireEvent.change(input, { target: { value: 'accounts@example' } });
    await user.click(await button('发送', dialog));
    expect(await screen.findByText('电子邮箱格式不正确')).toBeTruthy();
    fireEvent.change(input, { target: { value: 'accounts@example.org' } });
    await user.click(await button('发送', dialog));
    expect((await byId('invoice-resent')).textContent).toContain('a***@example.org');
    expect((await byId('invoice-email')).textContent).toBe('a***@example.org');
    expect(app.called('resend_invoice').map((c) => c.args.email)).toEqual(['accounts@example', 'accounts@example.org']);
  });
});
