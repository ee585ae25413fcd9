import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import type { AuditRow } from '../../../../api';
import { byId, button } from '../../../../test/dom';
import AuditPage from '.';

function row(id: number, over: Partial<AuditRow['entry']>): AuditRow {
  return {
    atText: `2026-12-02 10:${String(id).padStart(2, '0')}:00`,
    entry: {
      id,
      at: '2026-12-02T10:00:00+08:00',
      staffId: 2,
      staffName: '演示审核员',
      username: null,
      action: 'orderStep',
      orderNo: '159110370124321',
      detail: '审核通过, 待制证 (已认证)',
      client: null,
      ...over,
    },
  };
}

function mockAudit(count = 3) {
  const queries: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'staff_members':
        return [
          { id: 1, username: 'demo-admin', displayName: '演示管理员', roles: ['admin'], disabled: false, createdAt: '' },
          { id: 2, username: 'demo-reviewer', displayName: '演示审核员', roles: ['reviewer'], disabled: false, createdAt: '' },
        ];
      case 'staff_audit': {
        queries.push(a.query as Record<string, unknown>);
        const rows = [
          row(1, {}),
          row(2, { action: 'logInFailed', staffId: null, staffName: null, username: 'nobody', orderNo: null, detail: '用户名或密码错误', client: '127.0.0.1' }),
          row(3, { action: 'rolesSet', staffName: '演示管理员', orderNo: null, detail: '演示审核员（demo-reviewer）：审核、制证' }),
        ];
        return Array.from({ length: count }, (_, i) => ({ ...rows[i % 3], entry: { ...rows[i % 3].entry, id: i + 1 } }));
      }
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return queries;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('操作日志', () => {
  it('lists who did what, names a failed log-in by the username typed, and filters by member', async () => {
    const queries = mockAudit();
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <AuditPage />
      </AppProviders>,
    );
    const failed = (await screen.findByText('登录失败')).closest('tr') as HTMLElement;
    expect(within(failed).getByText('（用户名 nobody）')).toBeTruthy();
    expect(within(failed).getByText('127.0.0.1')).toBeTruthy();
    const step = (await screen.findByText('办理订单')).closest('tr') as HTMLElement;
    expect(within(step).getByText('159110370124321')).toBeTruthy();
    expect(within(step).getByText('审核通过, 待制证 (已认证)')).toBeTruthy();
    expect(screen.getByText('设置角色')).toBeTruthy();
    expect(queries[0]).toEqual({ memberId: null, orderNo: null, from: null, to: null, page: 1, pageSize: 20 });

    await user.click(document.getElementById('audit-filter_memberId')!);
    await user.click(await screen.findByTitle('演示审核员（demo-reviewer）'));
    await user.type(document.getElementById('audit-filter_orderNo')!, '159110370124321');
    await user.click(await byId('audit-search'));
    await waitFor(() =>
      expect(queries.slice(-1)[0]).toEqual({ memberId: 2, orderNo: '159110370124321', from: null, to: null, page: 1, pageSize: 20 }),
    );
    // Fewer than a page: no next page.
    expect((await button('下一页')).disabled).toBe(true);
  });

  it('pages on while a page is full', async () => {
    const queries = mockAudit(20);
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <AuditPage />
      </AppProviders>,
    );
    await screen.findAllByText('登录失败');
    await user.click(await button('下一页'));
    await waitFor(() => expect(queries.slice(-1)[0]?.page).toBe(2));
    expect(await screen.findByText('第 2 页')).toBeTruthy();
  });
});
