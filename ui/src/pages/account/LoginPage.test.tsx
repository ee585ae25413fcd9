import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient, Shell } from '../../App';
import { account, appInfo, emptyPage } from '../../test/fixtures';
import { button, byId } from '../../test/dom';
import { UKEY_SERIAL, ukeyList } from '../../test/ukey';


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
      case 'list_ukeys':
        return ukeyList;
      case 'log_in_with_ukey':
        if (a.pin !== '24681357') throw { code: 'unauthorized', message: '该证书尚未绑定机构账号：请先用账号密码登录，在「CA绑定与解绑」中绑定后再使用证书登录' };
        signedIn = account;
        return account;
      case 'account_certificates':
        return [];
      case 'ukey_health':
        return [[], []];
      case 'forget_session':
      case 'log_out':
        signedIn = null;
        return null;
      case 'sync_orders':
        if (options.sessionExpires) throw { code: 'unauthorized', message: '登录已过期，请重新登录' };
        return 0;
      case 'list_orders':
        return emptyPage;
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

  it('signs in with a bound UKey and its PIN, no password, then opens CA证书管理 from the menu', async () => {
    mockApp();
    const user = userEvent.setup({ delay: null });
    renderShell();
    await user.click(await screen.findByText('证书登录'));
    const form = document.getElementById('ukey-login')!;
    await user.click(form.querySelector('.ant-select') as HTMLElement);
    await user.click(await screen.findByTitle(`演示UKey（PKCS#11 · ${UKEY_SERIAL}）`));
    fireEvent.change(form.querySelector<HTMLInputElement>('#ukey-login_pin')!, { target: { value: '11112222' } });
    await user.click(await byId('ukey-login-submit'));
    expect(await screen.findByText(/尚未绑定机构账号/)).toBeTruthy();
    fireEvent.change(form.querySelector<HTMLInputElement>('#ukey-login_pin')!, { target: { value: '24681357' } });
    await user.click(await byId('ukey-login-submit'));
    expect((await byId('account-name')).textContent).toContain(account.organisationName);
    await user.click(await screen.findByText('CA证书管理'));
    expect(await screen.findByText('暂无证书：证书办理完成后显示在这里')).toBeTruthy();
  });
});
