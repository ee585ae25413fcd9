import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient, Shell } from '../../App';
import { account, appInfo } from '../../test/fixtures';
import { button } from '../../test/dom';


/** A fake app that is signed out until `log_in` with the right password. */
function mockApp(options: { sessionExpires?: boolean } = {}) {
  const calls: string[] = [];
  let signedIn: typeof account | null = null;
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const a = args as Record<string, string>;
    switch (cmd) {
      case 'account':
        return signedIn;
      case 'app_info':
        return appInfo;
      case 'log_in':
        if (a.password !== 'a-long-password') throw { code: 'unauthorized', message: '用户名或密码错误' };
        signedIn = account;
        return account;
      case 'forget_session':
      case 'log_out':
        signedIn = null;
        return null;
      case 'sync_orders':
        if (options.sessionExpires) throw { code: 'unauthorized', message: '登录已过期，请重新登录' };
        return [];
      case 'list_orders':
      case 'list_drafts':
      case 'list_providers':
        return [];
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { calls, signIn: () => (signedIn = account) };
}

function renderShell() {
  return render(
    <AppProviders queryClient={createQueryClient()}>
      <Shell />
    </AppProviders>,
  );
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('登录', () => {
  it('signs in with the organisation’s account and shows CA证书申领', async () => {
    mockApp();
    const user = userEvent.setup({ delay: null });
    renderShell();
    const login = await screen.findByText('使用机构账号登录政府采购云平台，办理CA数字证书');
    expect(login).toBeTruthy();
    expect(await screen.findByText('平台：https://zcy.example')).toBeTruthy();
    const card = document.getElementById('login')!;
    fireEvent.change(within(card).getByLabelText('用户名'), { target: { value: 'supplier' } });
    fireEvent.change(within(card).getByLabelText('密码'), { target: { value: 'wrong-password' } });
    await user.click(await button('登录', card));
    expect(await screen.findByText('用户名或密码错误')).toBeTruthy();
    fireEvent.change(within(card).getByLabelText('密码'), { target: { value: 'a-long-password' } });
    await user.click(await button('登录', card));
    expect(await screen.findByText('测试供应商（supplier）')).toBeTruthy();
    expect(await button('CA在线申领')).toBeTruthy();
    // 退出登录 goes back to the login screen.
    await user.click(await button('退出登录'));
    await waitFor(() => expect(document.getElementById('login')).toBeTruthy());
  });

  it('returns to the login screen when the platform says the session expired', async () => {
    const app = mockApp({ sessionExpires: true });
    app.signIn();
    renderShell();
    expect(await screen.findByText('测试供应商（supplier）')).toBeTruthy();
    await waitFor(() => expect(document.getElementById('login')).toBeTruthy());
    expect(app.calls).toContain('forget_session');
  });
});
