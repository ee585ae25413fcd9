import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient, Shell } from './App';

const account = { username: 'supplier', organisationName: '测试供应商', creditCode: '91350100M000100Y43', demo: false };

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('申领状态更新', () => {
  it('tells what the platform changed and refreshes the list', async () => {
    let syncs = 0;
    mockIPC(
      (cmd) => {
        switch (cmd) {
          case 'account':
            return account;
          case 'app_info':
            return { platformUrl: 'https://zcy.example', embedded: false, version: '0.1.0' };
          case 'sync_orders':
            syncs += 1;
            return [];
          case 'list_drafts':
          case 'list_providers':
            return [];
          default:
            throw new Error(`unexpected command ${cmd}`);
        }
      },
      { shouldMockEvents: true },
    );
    render(
      <AppProviders queryClient={createQueryClient()}>
        <Shell />
      </AppProviders>,
    );
    expect(await screen.findByRole('button', { name: 'CA在线申领' })).toBeTruthy();
    await waitFor(() => expect(syncs).toBe(1));
    // The app's follower sends this when a reviewer rejects the order.
    await waitFor(async () => {
      await emit('order-status-changed', {
        orderNo: '179594631257600',
        statusZh: '审核未通过 (材料已收)',
        statusEn: 'Rejected (documents received)',
        reason: '申领人手机号码无法接通',
      });
      expect(
        await screen.findByText('订单 179594631257600：审核未通过 (材料已收)，不通过理由：申领人手机号码无法接通', undefined, {
          timeout: 200,
        }),
      ).toBeTruthy();
    });
    expect(screen.getByText('申领状态更新')).toBeTruthy();
    await waitFor(() => expect(syncs).toBeGreaterThanOrEqual(2));
  });
});
