import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import type { CertificateRecord } from '../../../../api';
import { byId, button, openDialog } from '../../../../test/dom';
import { orderRow } from '../../../../test/fixtures';
import { UKEY_SERIAL, certificate, ukeyList } from '../../../../test/ukey';
import CertificateInfo from './CertificateInfo';

const issued = orderRow(
  { state: 'issued', verification: 'verified', delivery: { method: 'onSite' }, invoice: 'notRequested' },
  { statusZh: '审核通过, 已发证', statusEn: 'Approved, issued' },
);
const SAVED = ['/home/u/Downloads/机构证书-4A01.cer', '/home/u/Downloads/证书链-zjhx.pem'];

/** The app behind IPC: the order's `certificates`; the UKey's PIN is 24681357. */
function mockApp(certificates: CertificateRecord[]) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    switch (cmd) {
      case 'order_certificates':
        return certificates;
      case 'save_certificate':
        return SAVED;
      case 'list_ukeys':
        return ukeyList;
      case 'change_ukey_pin':
        if (a.oldPin !== '24681357') throw { code: 'validation', message: 'PIN码错误，仅剩最后一次机会，再次输错将锁定UKey' };
        return null;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { called: (cmd: string) => calls.filter((c) => c.cmd === cmd) };
}

function renderInfo() {
  render(
    <AppProviders queryClient={createQueryClient()}>
      <CertificateInfo row={issued} />
    </AppProviders>,
  );
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('证书信息 in 查看', () => {
  it('shows each certificate with its serial and validity and saves it with the chain', async () => {
    const revoked: CertificateRecord = {
      ...certificate(issued.order.orderNo, '4A02'),
      status: 'revoked',
      revokedAt: '2026-12-03T09:30:00+08:00',
      revocationReason: 'keyCompromise',
    };
    const app = mockApp([certificate(issued.order.orderNo, '4A01'), revoked]);
    renderInfo();
    await screen.findByText('4A01');
    const fields = [...document.querySelectorAll('.certificate-fields')];
    expect(fields).toHaveLength(2);
    expect(fields[0].querySelector('.certificate-validity')?.textContent).toBe('2026-12-02 10:00 至 2027-12-02 10:00');
    expect(fields[0].querySelector('.certificate-status')?.textContent).toBe('有效');
    expect(fields[1].querySelector('.certificate-status')?.textContent).toBe('已吊销（密钥泄露或UKey遗失，2026-12-03 09:30）');
    expect(fields[0].textContent).toContain('ECDSA P-256');
    expect(fields[0].textContent).toContain(UKEY_SERIAL);

    await userEvent.click(document.querySelectorAll<HTMLElement>('.certificate-save')[1]);
    expect((await byId('certificate-saved')).textContent).toContain(SAVED.join('、'));
    expect(app.called('save_certificate')[0].args).toEqual({ orderNo: issued.order.orderNo, serial: '4A02' });
  });

  it('says so while nothing is issued yet, and offers no 修改PIN', async () => {
    mockApp([]);
    renderInfo();
    await screen.findByText('证书尚未签发');
    expect(document.getElementById('change-pin-open')).toBeNull();
  });

  it('修改PIN checks the new PIN here, says what the UKey answered, and changes it', async () => {
    const app = mockApp([certificate(issued.order.orderNo, '4A01')]);
    const user = userEvent.setup();
    renderInfo();
    await user.click(await byId('change-pin-open'));
    const dialog = await openDialog();
    await user.click(dialog.querySelector('.ant-select') as HTMLElement);
    await user.click(await screen.findByTitle(`演示UKey（${UKEY_SERIAL}）`));
    const [old, next, confirm] = [...dialog.querySelectorAll<HTMLInputElement>('input[type="password"]')];

    // Too short, then typed twice differently: said here, nothing sent to the UKey.
    fireEvent.change(old, { target: { value: '48213906' } });
    fireEvent.change(next, { target: { value: '123' } });
    fireEvent.change(confirm, { target: { value: '124' } });
    await user.click(await button('修改', dialog));
    await screen.findByText('新PIN码应为6至16位数字或字母');
    await screen.findByText('两次输入的新PIN码不一致');
    expect(app.called('change_ukey_pin')).toHaveLength(0);

    // A wrong current PIN: the UKey's answer, as it gave it.
    fireEvent.change(next, { target: { value: '13572468' } });
    fireEvent.change(confirm, { target: { value: '13572468' } });
    await user.click(await button('修改', dialog));
    expect((await byId('change-pin-error')).textContent).toContain('仅剩最后一次机会');

    fireEvent.change(old, { target: { value: '24681357' } });
    await user.click(await button('修改', dialog));
    await byId('change-pin-done');
    await waitFor(() =>
      expect(app.called('change_ukey_pin').slice(-1)[0]?.args).toEqual({
        ukeySerial: UKEY_SERIAL,
        oldPin: '24681357',
        newPin: '13572468',
      }),
    );
  });
});
