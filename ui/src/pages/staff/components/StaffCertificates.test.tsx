import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../App';
import type { CertificateRecord, StaffRole } from '../../../api';
import { byId } from '../../../test/dom';
import { certificate } from '../../../test/ukey';
import StaffCertificates from './StaffCertificates';

const ORDER = '159110370124321';

function mockApp(roles: StaffRole[]) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    switch (cmd) {
      case 'staff_account':
        return { username: 'clerk', displayName: '制证员', roles };
      case 'revoke_certificate':
        return { ...certificate(ORDER, String(a.serial)), status: 'revoked', revocationReason: a.reason };
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { called: (cmd: string) => calls.filter((c) => c.cmd === cmd) };
}

function renderCertificates(certificates: CertificateRecord[]) {
  render(
    <AppProviders queryClient={createQueryClient()}>
      <StaffCertificates orderNo={ORDER} certificates={certificates} />
    </AppProviders>,
  );
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('证书信息 for staff', () => {
  it('吊销 a valid certificate with the reason the producer chose', async () => {
    const app = mockApp(['producer']);
    const user = userEvent.setup();
    const revoked = { ...certificate(ORDER, '4A02'), status: 'revoked' as const, revocationReason: 'superseded' as const };
    renderCertificates([certificate(ORDER, '4A01'), revoked]);
    // Only the valid one offers 吊销.
    await waitFor(() => expect(document.querySelectorAll('.certificate-revoke')).toHaveLength(1));
    await user.click(document.querySelector('.certificate-revoke') as HTMLElement);
    await screen.findByText('吊销证书（证书序列号 4A01）');
    await user.click(document.querySelector('#revoke-reason')!.closest('.ant-select') as HTMLElement);
    await user.click(await screen.findByTitle('机构信息变更'));
    await user.click(await byId('revoke-submit'));
    await waitFor(() =>
      expect(app.called('revoke_certificate')[0]?.args).toEqual({ serial: '4A01', reason: 'affiliationChanged' }),
    );
  });

  it('offers no 吊销 to a reviewer', async () => {
    const app = mockApp(['reviewer']);
    renderCertificates([certificate(ORDER, '4A01')]);
    await screen.findByText('4A01');
    await waitFor(() => expect(app.called('staff_account')).toHaveLength(1));
    expect(document.querySelector('.certificate-revoke')).toBeNull();
  });
});
