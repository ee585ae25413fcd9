import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApplicationForm } from '../../../api';

export const orderKeys = { all: ['orders'] as const, providers: ['providers'] as const };

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
