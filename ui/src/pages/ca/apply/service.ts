import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, CommandError, type OrderQuery, type OrderRow } from '../../../api';

export const orderKeys = {
  all: ['orders'] as const,
  sync: ['orders', 'sync'] as const,
  pages: ['orders', 'page'] as const,
  page: (query: OrderQuery) => ['orders', 'page', query] as const,
  drafts: ['drafts'] as const,
  providers: ['providers'] as const,
  detail: (orderNo: string) => ['orders', orderNo] as const,
};

/**
 * Brings the local store up to date with the platform: on start, on window focus (the query
 * client's default) and every minute; the pages are read again after each. Offline is not an
 * error (the list shows what was last recorded); anything else (a lapsed session) is.
 */
export function useOrderSync() {
  const client = useQueryClient();
  return useQuery({
    queryKey: orderKeys.sync,
    refetchInterval: 60_000,
    queryFn: async (): Promise<number | null> => {
      try {
        const total = await api.syncOrders();
        void client.invalidateQueries({ queryKey: orderKeys.pages });
        return total;
      } catch (e) {
        if (e instanceof CommandError && e.code === 'unavailable') return null;
        throw e;
      }
    },
  });
}

/** The list as it first opens: no filter, the first page of ten (the guide's default). */
export const FIRST_PAGE: OrderQuery = {
  orderNo: null,
  status: null,
  providerId: null,
  submittedFrom: null,
  submittedTo: null,
  page: 1,
  pageSize: 10,
};

/** One page of the order list with the search's filters, read from the local store. */
export function useOrderPage(query: OrderQuery) {
  return useQuery({
    queryKey: orderKeys.page(query),
    queryFn: () => api.listOrders(query),
    // The page being left stays on screen until the next one is read: no flash of an empty table.
    placeholderData: keepPreviousData,
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
