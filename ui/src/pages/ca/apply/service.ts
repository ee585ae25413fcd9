import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, CommandError, type OrderRow } from '../../../api';

export const orderKeys = {
  all: ['orders'] as const,
  drafts: ['drafts'] as const,
  providers: ['providers'] as const,
  detail: (orderNo: string) => ['orders', orderNo] as const,
};

/** The orders: synced with the platform when it answers, else as last recorded locally. */
export function useOrders() {
  return useQuery({
    queryKey: orderKeys.all,
    // Synced on start, on window focus (the query client's default) and every minute.
    refetchInterval: 60_000,
    queryFn: async (): Promise<OrderRow[]> => {
      try {
        return await api.syncOrders();
      } catch (e) {
        // Offline: what was last recorded locally. Anything else (a lapsed session) is an error.
        if (e instanceof CommandError && e.code === 'unavailable') return api.listOrders();
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

/** 草稿箱: applications being typed, newest change first. */
export function useDrafts() {
  return useQuery({ queryKey: orderKeys.drafts, queryFn: api.listDrafts });
}

export function useDiscardDraft() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: api.discardDraft,
    onSuccess: () => client.invalidateQueries({ queryKey: orderKeys.drafts }),
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
