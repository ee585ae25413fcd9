import { useQuery } from '@tanstack/react-query';
import { api, type StaffRole } from '../../api';

/** The staff's queries live under `staff`: a refused staff session forgets only the staff side. */
export const staffKeys = {
  all: ['staff'] as const,
  account: ['staff', 'account'] as const,
  demo: ['staff', 'demo'] as const,
  reviewQueue: (page: number, pageSize: number) => ['staff', 'review-queue', page, pageSize] as const,
  productionQueue: (page: number, pageSize: number) => ['staff', 'production-queue', page, pageSize] as const,
  order: (orderNo: string) => ['staff', 'order', orderNo] as const,
};

export function useStaffAccount() {
  return useQuery({ queryKey: staffKeys.account, queryFn: api.staffAccount });
}

/** What each role opens in the workbench's menu; the platform checks every step again. */
export const roleMenus: Record<StaffRole, ('review' | 'production')[]> = {
  reviewer: ['review'],
  producer: ['production'],
  counter: [],
  admin: [],
};

/** The menu entries the member's roles allow, in the process's order. */
export function menusFor(roles: StaffRole[]): ('review' | 'production')[] {
  const allowed = new Set(roles.flatMap((role) => roleMenus[role]));
  return (['review', 'production'] as const).filter((menu) => allowed.has(menu));
}
