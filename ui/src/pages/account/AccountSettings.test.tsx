import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../App';
import type { DemoMessage } from '../../api';
import { button, byId } from '../../test/dom';
import AccountSettings from './AccountSettings';
import DemoMailbox from './DemoMailbox';

afterEach(() => {
  cleanup();
  clearMocks();
});

const invoiceMail: DemoMessage = {
  file: '20261203100001-00000003-159110370124321-invoice.eml',
  subject: '【证书办理台】电子发票 26339000000000000001（订单 159110370124321）',
  to: 'finance@example.com',
  date: '2026-12-03 10:00',
  text: '订单 159110370124321 的电子发票（普通发票）已开具，见附件（PDF 与 XML）。',
  attachments: ['invoice-26339000000000000001.pdf', 'invoice-26339000000000000001.xml'],
};

describe('账户设置 and the 演示邮箱', () => {
  it('turns status notices off and shows what the platform kept', async () => {
    let kept = true;
    const changes: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === 'account_settings') return { statusNotices: kept };
      if (cmd === 'change_account_settings') {
        const settings = (args as { settings: { statusNotices: boolean } }).settings;
        changes.push(settings);
        kept = settings.statusNotices;
        return settings;
      }
      throw new Error(`unexpected command ${cmd}`);
    });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <AccountSettings open onClose={() => undefined} />
      </AppProviders>,
    );
    const toggle = await byId('status-notices');
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    expect(screen.getByText(/电子发票始终发送/)).toBeTruthy();
    await userEvent.setup({ delay: null }).click(toggle);
    await byId('account-settings-saved');
    expect(changes).toEqual([{ statusNotices: false }]);
    expect(toggle.getAttribute('aria-checked')).toBe('false');
  });

  it('lists the messages and opens the invoice PDF attached', async () => {
    const opened: string[] = [];
    mockIPC((cmd, args) => {
      const a = (args ?? {}) as Record<string, string>;
      switch (cmd) {
        case 'demo_mailbox':
          return [invoiceMail];
        case 'save_mail_attachment':
          return `/home/u/Downloads/${a.name}`;
        case 'open_saved_file':
          opened.push(a.path);
          return null;
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <DemoMailbox open onClose={() => undefined} />
      </AppProviders>,
    );
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByText(invoiceMail.subject));
    expect(await screen.findByText(invoiceMail.text)).toBeTruthy();
    await user.click(await button('invoice-26339000000000000001.pdf'));
    await byId('mailbox-opened');
    expect(opened).toEqual(['/home/u/Downloads/invoice-26339000000000000001.pdf']);
  });
});
