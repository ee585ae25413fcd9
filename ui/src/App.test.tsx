import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient, Shell } from './App';
import { setLocale } from './i18n';
import { account, appInfo, emptyPage, orderRow, pageOf } from './test/fixtures';
import type { OrderQuery } from './api';
import { button } from './test/dom';


afterEach(() => {
  cleanup();
  clearMocks();
  setLocale('zh-CN');
  localStorage.clear();
});

const rejected = orderRow(
  { state: 'rejected', verification: 'materialsReceived', reason: '营业执照照片模糊' },
  { statusZh: '审核未通过 (材料已收)', statusEn: 'Rejected (documents received)' },
);

describe('语言 / Language', () => {
  it('is Chinese by default, switches to English and back, and remembers the choice', async () => {
    mockIPC((cmd, args) => {
      switch (cmd) {
        case 'account':
          return account;
        case 'app_info':
          return appInfo;
        case 'sync_orders':
          return 1;
        case 'list_orders':
          return pageOf([rejected], (args as { query: OrderQuery }).query);
        case 'list_drafts':
        case 'list_providers':
          return [];
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    });
    const user = userEvent.setup({ delay: null });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <Shell />
      </AppProviders>,
    );
    const table = () => document.getElementById('orders')!;
    // The first render loads antd and the locale: allow it more than findBy's default second.
    expect(await screen.findByText('审核未通过 (材料已收)', undefined, { timeout: 10_000 })).toBeTruthy();
    expect(within(table()).getByText('编辑')).toBeTruthy();
    expect(within(table()).getByText('共有 1 条')).toBeTruthy();

    await user.click(document.getElementById('language')!);
    await user.click(await screen.findByTitle('English'));
    expect(await screen.findByText('Rejected (documents received)')).toBeTruthy();
    expect(within(table()).getByText('Edit')).toBeTruthy();
    expect(within(table()).getByText('1 in all')).toBeTruthy();
    expect(await button('Apply online')).toBeTruthy();
    expect(screen.getByText('CA certificate applications')).toBeTruthy();
    // antd's own texts follow (the page size changer).
    expect(within(table()).getByText('10 / page')).toBeTruthy();
    expect(localStorage.getItem('certdesk.locale')).toBe('en-US');

    await user.click(document.getElementById('language')!);
    await user.click(await screen.findByTitle('中文'));
    expect(await screen.findByText('审核未通过 (材料已收)')).toBeTruthy();
    expect(within(table()).getByText('10 条/页')).toBeTruthy();
  });
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
            return appInfo;
          case 'sync_orders':
            syncs += 1;
            return 0;
          case 'list_orders':
            return emptyPage;
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
    expect(await button('CA在线申领')).toBeTruthy();
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
          timeout: 1000,
        }),
      ).toBeTruthy();
    });
    expect(screen.getByText('申领状态更新')).toBeTruthy();
    await waitFor(() => expect(syncs).toBeGreaterThanOrEqual(2));
  });
});

describe('本机加密数据的密钥', () => {
  function renderWith(notice: unknown) {
    mockIPC((cmd) => {
      switch (cmd) {
        case 'account':
          return null;
        case 'app_info':
          return { ...appInfo, localKeyNotice: notice };
        case 'demo_staff':
          return { accounts: [], password: null };
        default:
          return null;
      }
    });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <Shell />
      </AppProviders>,
    );
  }

  it('tells what was cleared when the key was removed, and asks to sign in again', async () => {
    renderWith({ kind: 'replaced', drafts: 2, sessions: 1 });
    const notice = await screen.findByText(/已清除 2 份草稿和 1 个登录状态/, undefined, { timeout: 10_000 });
    expect(notice.textContent).toContain('请重新登录');
  });

  it('tells that a refused keychain keeps the drafts for later', async () => {
    renderWith({ kind: 'unavailable', denied: true, reason: 'User canceled the operation.' });
    const notice = await screen.findByText(/系统钥匙串拒绝了证书办理台的访问/, undefined, { timeout: 10_000 });
    expect(notice.textContent).toContain('User canceled the operation.');
    expect(notice.textContent).toContain('之前的草稿即可恢复');
  });

  it('says nothing when the key was there', async () => {
    renderWith(null);
    await waitFor(() => expect(document.querySelector('.ant-spin, form')).toBeTruthy(), { timeout: 10_000 });
    expect(document.getElementById('local-key-notice')).toBeNull();
  });
});
