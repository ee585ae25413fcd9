import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import type { StaffMemberView } from '../../../../api';
import { button, byId } from '../../../../test/dom';
import StaffMembersPage from '.';

const members: StaffMemberView[] = [
  { id: 1, username: 'demo-admin', displayName: '演示管理员', roles: ['admin'], disabled: false, createdAt: '2026-12-01T09:00:00+08:00' },
  { id: 2, username: 'demo-reviewer', displayName: '演示审核员', roles: ['reviewer'], disabled: false, createdAt: '2026-12-01T09:00:00+08:00' },
];

function mockApp() {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: a });
    switch (cmd) {
      case 'staff_account':
        return { username: 'demo-admin', displayName: '演示管理员', roles: ['admin'] };
      case 'staff_members':
        return members;
      case 'add_staff_member': {
        const m = a.member as { username: string; displayName: string; roles: string[]; password: string };
        if (m.password.length < 10) throw { code: 'badRequest', message: '请求格式错误：密码至少10位' };
        return { id: 3, username: m.username, displayName: m.displayName, roles: m.roles, disabled: false, createdAt: '' };
      }
      case 'set_staff_disabled':
        return { ...members[1], disabled: a.disabled };
      case 'set_staff_roles':
        return { ...members[1], roles: a.roles };
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return (cmd: string) => calls.filter((c) => c.cmd === cmd);
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('员工管理', () => {
  it('adds a member, says why a weak password is refused, and disables another member after confirming', async () => {
    const called = mockApp();
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <StaffMembersPage />
      </AppProviders>,
    );
    const row = (await screen.findByText('demo-reviewer')).closest('tr') as HTMLElement;
    expect(within(row).getByText('正常')).toBeTruthy();
    // Nobody disables themselves: no 停用 on the administrator's own row.
    const own = (await screen.findByText('demo-admin')).closest('tr') as HTMLElement;
    expect(within(own).queryByText('停 用')).toBeNull();

    await user.click(await byId('add-member'));
    fireEvent.change(await byId('new-member_username'), { target: { value: 'wang' } });
    fireEvent.change(await byId('new-member_displayName'), { target: { value: '王审核' } });
    fireEvent.change(await byId('new-member_password'), { target: { value: 'short' } });
    await user.click(screen.getByLabelText('审核'));
    await user.click(await byId('add-member-submit'));
    expect(await screen.findByText('请求格式错误：密码至少10位')).toBeTruthy();
    fireEvent.change(await byId('new-member_password'), { target: { value: 'a-long-password' } });
    // The button takes clicks again once the refused request has settled.
    await waitFor(() => expect(document.getElementById('add-member-submit')!.className).not.toContain('ant-btn-loading'));
    await user.click(await byId('add-member-submit'));
    await waitFor(() => expect(called('add_staff_member')).toHaveLength(2));
    expect(called('add_staff_member')[1].args).toEqual({
      member: { username: 'wang', displayName: '王审核', password: 'a-long-password', roles: ['reviewer'] },
    });
    expect(await screen.findByText('已保存：王审核')).toBeTruthy();

    await user.click(await button('停用', row));
    await user.click(await button('确定'));
    await waitFor(() => expect(called('set_staff_disabled')).toHaveLength(1));
    expect(called('set_staff_disabled')[0].args).toEqual({ id: 2, disabled: true });
  });
});
