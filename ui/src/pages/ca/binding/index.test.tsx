import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../App';
import type { ManagedCertificate } from '../../../api';
import { button, byId, openDialog } from '../../../test/dom';
import { UKEY_SERIAL, certificate, ukeyList } from '../../../test/ukey';
import CertificateManagePage from '../manage';
import CertificateBindingPage from '.';

afterEach(() => {
  cleanup();
  clearMocks();
});

function managed(serial: string, extra: Partial<ManagedCertificate> = {}): ManagedCertificate {
  return { certificate: certificate('159110370124321', serial), providerName: '浙江汇信CA', lifecycle: 'valid', daysLeft: 364, boundAt: null, ...extra };
}

/** The app behind IPC: the organisation's certificates; the UKey's PIN is 24681357. */
function mockApp(certificates: ManagedCertificate[]) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    switch (cmd) {
      case 'account_certificates':
        return structuredClone(certificates);
      case 'list_ukeys':
        return ukeyList;
      case 'ukey_health':
        return [
          [
            {
              ukey: ukeyList.ukeys[0],
              certificates: [{ serial: '4A01', subject: '', notAfter: '2027-12-02T10:00:00+08:00', daysLeft: 364 }],
              problem: null,
            },
          ],
          [],
        ];
      case 'bind_ukey_certificate': {
        if (a.pin !== '24681357') throw { code: 'validation', message: 'PIN码错误，还可尝试5次' };
        certificates[0].boundAt = '2026-12-03T10:00:00+08:00';
        return certificates[0];
      }
      case 'replace_certificate':
        return { order: { orderNo: a.reissue ? '159110370124399' : '159110370124398' } };
      case 'cancel_certificate':
        return { ...certificates[0], lifecycle: 'revoked' };
      case 'unbind_certificate':
        certificates.find((c) => c.certificate.serial === a.serial)!.boundAt = null;
        return null;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { called: (cmd: string) => calls.filter((c) => c.cmd === cmd) };
}

describe('CA证书管理 and CA绑定与解绑', () => {
  it('lists each certificate with where it stands, and the UKeys plugged in', async () => {
    mockApp([
      managed('4A01', { lifecycle: 'expiringSoon', daysLeft: 21, boundAt: '2026-12-03T10:00:00+08:00' }),
      managed('4A02', { lifecycle: 'revoked' }),
      managed('4A03', { lifecycle: 'expired', daysLeft: -3 }),
    ]);
    render(
      <AppProviders queryClient={createQueryClient()}>
        <CertificateManagePage />
      </AppProviders>,
    );
    const table = await byId('managed-certificates');
    expect(await within(table).findByText('即将到期（剩余21天）')).toBeTruthy();
    expect(within(table).getByText('已吊销')).toBeTruthy();
    expect(within(table).getByText('已过期')).toBeTruthy();
    expect(within(table).getAllByText('已绑定')).toHaveLength(1);
    expect(within(table).getAllByText('2027-12-02 10:00')).toHaveLength(3);
    const panel = await byId('ukey-health');
    expect(await within(panel).findByText('演示UKey')).toBeTruthy();
    expect(within(panel).getByText('机构证书 4A01，有效期至 2027-12-02 10:00（剩余364天）')).toBeTruthy();
  });

  it('binds the UKey’s certificate after a wrong PIN, and unbinds it after the confirmation', async () => {
    const app = mockApp([managed('4A01')]);
    render(
      <AppProviders queryClient={createQueryClient()}>
        <CertificateBindingPage />
      </AppProviders>,
    );
    const user = userEvent.setup({ delay: null });
    await user.click(await byId('bind-certificate'));
    const dialog = await openDialog();
    await user.click(dialog.querySelector('.ant-select') as HTMLElement);
    await user.click(await screen.findByTitle(`演示UKey（PKCS#11 · ${UKEY_SERIAL}）`));
    const pin = dialog.querySelector<HTMLInputElement>('#bind_pin')!;
    fireEvent.change(pin, { target: { value: '00000000' } });
    await user.click(await byId('bind-submit'));
    expect((await byId('bind-error')).textContent).toContain('PIN码错误，还可尝试5次');
    fireEvent.change(pin, { target: { value: '24681357' } });
    await user.click(await byId('bind-submit'));
    await byId('bound-done');
    expect(app.called('bind_ukey_certificate').map((c) => c.args)).toEqual([
      { serial: UKEY_SERIAL, pin: '00000000' },
      { serial: UKEY_SERIAL, pin: '24681357' },
    ]);
    const bound = await byId('bound-certificates');
    expect(await within(bound).findByText('4A01')).toBeTruthy();

    await user.click(within(bound).getByText('解绑'));
    expect(await screen.findByText('解绑后不能再用该证书登录，确定解绑吗？')).toBeTruthy();
    expect(app.called('unbind_certificate')).toHaveLength(0);
    await user.click(await button('解绑', document.querySelector('.ant-popconfirm')!));
    await byId('unbound-done');
    expect(app.called('unbind_certificate')[0].args.serial).toBe('4A01');
    await waitFor(() => expect(within(bound).queryByText('4A01')).toBeNull());
  });

  it('续期 and 补办 each after its confirmation, neither offered for a revoked certificate', async () => {
    const app = mockApp([managed('4A01'), managed('4A02', { lifecycle: 'revoked' })]);
    render(
      <AppProviders queryClient={createQueryClient()}>
        <CertificateManagePage />
      </AppProviders>,
    );
    const user = userEvent.setup({ delay: null });
    const table = await byId('managed-certificates');
    await within(table).findByText('4A02');
    expect(table.querySelectorAll('.certificate-renew')).toHaveLength(1);
    await user.click(table.querySelector('.certificate-renew')!);
    expect(await screen.findByText(/原证书在到期前仍可使用/)).toBeTruthy();
    expect(app.called('replace_certificate')).toHaveLength(0);
    await user.click(await button('确定', document.querySelector('.ant-popconfirm')!));
    expect(await screen.findByText(/已新建续期订单 159110370124398/)).toBeTruthy();
    await user.click(table.querySelector('.certificate-reissue')!);
    const confirms = await waitFor(() => {
      const open = [...document.querySelectorAll('.ant-popconfirm')].filter((p) => p.textContent?.includes('立即吊销'));
      expect(open.length).toBeGreaterThan(0);
      return open;
    });
    await user.click(await button('确定', confirms[confirms.length - 1]));
    expect(await screen.findByText(/已新建补办订单 159110370124399/)).toBeTruthy();
    expect(app.called('replace_certificate').map((c) => c.args)).toEqual([
      { serial: '4A01', reissue: false },
      { serial: '4A01', reissue: true },
    ]);
  });
});
