import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, CommandError, type ApplicationForm, type OrderRow } from '../../../api';

export const orderKeys = {
  all: ['orders'] as const,
  providers: ['providers'] as const,
  detail: (orderNo: string) => ['orders', orderNo] as const,
};

/** The orders: synced with the platform when it answers, else as last recorded locally. */
export function useOrders() {
  return useQuery({
    queryKey: orderKeys.all,
    queryFn: async (): Promise<OrderRow[]> => {
      try {
        return await api.syncOrders();
      } catch (e) {
        if (e instanceof CommandError) return api.listOrders();
        throw e;
      }
    },
  });
}

export function useSettings() {
  return useQuery({ queryKey: ['settings'], queryFn: api.platformSettings, staleTime: 5 * 60_000 });
}

/** An applicant's step on an order (撤销, 邮寄纸质资料); the list refreshes after it. */
export function useOrderStep(step: (orderNo: string) => Promise<OrderRow>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: step,
    onSuccess: () => client.invalidateQueries({ queryKey: orderKeys.all }),
  });
}

export function useProviders() {
  return useQuery({ queryKey: orderKeys.providers, queryFn: api.listProviders });
}

export function useSubmitApplication() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (form: ApplicationForm) => api.submitApplication(form),
    onSuccess: () => client.invalidateQueries({ queryKey: orderKeys.all }),
  });
}

/** 查看: the platform's detail of one order (timeline and ETA); disabled while nothing is open. */
export function useOrderDetail(orderNo: string | undefined) {
  return useQuery({
    queryKey: orderKeys.detail(orderNo ?? ''),
    queryFn: () => api.orderDetail(orderNo!),
    enabled: orderNo !== undefined,
  });
}
