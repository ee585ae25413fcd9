import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApplicationForm } from '../../../api';

export const orderKeys = {
  all: ['orders'] as const,
  providers: ['providers'] as const,
  detail: (orderNo: string) => ['orders', orderNo] as const,
};

export function useOrders() {
  return useQuery({ queryKey: orderKeys.all, queryFn: api.listOrders });
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
