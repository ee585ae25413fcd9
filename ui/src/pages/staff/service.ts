import { useQuery } from '@tanstack/react-query';
import { api, type AuditQuery, type QueueQuery, type StaffRole } from '../../api';

/** The staff's queries live under `staff`: a refused staff session forgets only the staff side. */
export const staffKeys = {
  all: ['staff'] as const,
  account: ['staff', 'account'] as const,
  demo: ['staff', 'demo'] as const,
  reviewQueue: (query: QueueQuery) => ['staff', 'review-queue', query] as const,
  productionQueue: (query: QueueQuery) => ['staff', 'production-queue', query] as const,
  order: (orderNo: string) => ['staff', 'order', orderNo] as const,
  organisation: (creditCode: string) => ['staff', 'organisation', creditCode] as const,
  members: ['staff', 'members'] as const,
  audit: (query: AuditQuery) => ['staff', 'audit', query] as const,
};

export function useStaffAccount() {
  return useQuery({ queryKey: staffKeys.account, queryFn: api.staffAccount });
}

/** What each role opens in the workbench's menu; the platform checks every step again. */
export type StaffMenu = 'review' | 'production' | 'counter' | 'admin' | 'audit';

export const roleMenus: Record<StaffRole, StaffMenu[]> = {
  reviewer: ['review'],
  producer: ['production'],
  counter: ['counter'],
  admin: ['admin', 'audit'],
};

/** The menu entries the member's roles allow, in the process's order. */
export function menusFor(roles: StaffRole[]): StaffMenu[] {
  const allowed = new Set(roles.flatMap((role) => roleMenus[role]));
  return (['review', 'production', 'counter', 'admin', 'audit'] as const).filter((menu) => allowed.has(menu));
}
