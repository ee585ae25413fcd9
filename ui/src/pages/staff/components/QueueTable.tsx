import { useQuery } from '@tanstack/react-query';
import { Button, DatePicker, Form, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, type QueueQuery, type QueueRow } from '../../../api';
import { FilterButtons, Pager } from './ListControls';
import { useLocale } from '../../../i18n';

const PAGE_SIZE = 10;

type Filters = Pick<QueueQuery, 'providerId' | 'verification' | 'submittedFrom' | 'submittedTo'>;
const NO_FILTERS: Filters = { providerId: null, verification: null, submittedFrom: null, submittedTo: null };

type FilterValues = { providerId?: string; verification?: QueueQuery['verification']; submitted?: [Dayjs, Dayjs] | null };

/**
 * A staff queue (审核, 制证): oldest first, the working days each order has waited, overdue marked,
 * filtered by CA服务商, verification and 申领时间. The platform pages it without a total (the queue
 * moves while it is worked), so the pager is 上一页 / 下一页.
 */
export default function QueueTable({
  id,
  queryKey,
  fetch,
  promise,
  action,
}: {
  id: string;
  queryKey: (query: QueueQuery) => readonly unknown[];
  fetch: (query: QueueQuery) => Promise<QueueRow[]>;
  promise: string;
  action: (row: QueueRow) => React.ReactNode;
}) {
  const { t, status } = useLocale();
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [form] = Form.useForm<FilterValues>();
  const query: QueueQuery = { ...filters, page, pageSize: PAGE_SIZE };
  const queue = useQuery({ queryKey: queryKey(query), queryFn: () => fetch(query), refetchInterval: 30_000 });
  const providers = useQuery({ queryKey: ['providers'], queryFn: api.listProviders, staleTime: 5 * 60_000 });
  const rows = queue.data ?? [];
  const search = (values: FilterValues) => {
    setFilters({
      providerId: values.providerId ?? null,
      verification: values.verification ?? null,
      submittedFrom: values.submitted?.[0]?.format('YYYY-MM-DD') ?? null,
      submittedTo: values.submitted?.[1]?.format('YYYY-MM-DD') ?? null,
    });
    setPage(1);
  };
  return (
    <div id={id}>
      <Form form={form} name={`${id}-filter`} layout="inline" onFinish={search} style={{ marginBottom: 12, rowGap: 8 }}>
        <Form.Item name="providerId" label={t('field.provider')}>
          <Select
            allowClear
            style={{ width: 180 }}
            options={(providers.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          />
        </Form.Item>
        <Form.Item name="verification" label={t('staff.verification')}>
          <Select
            allowClear
            style={{ width: 140 }}
            options={[
              { value: 'verified', label: t('staff.verified') },
              { value: 'awaitingMaterials', label: t('staff.awaitingMaterialsShort') },
              { value: 'materialsReceived', label: t('staff.materialsReceivedShort') },
              { value: 'inPerson', label: t('staff.inPersonShort') },
            ]}
          />
        </Form.Item>
        <Form.Item name="submitted" label={t('staff.submittedBetween')}>
          <DatePicker.RangePicker />
        </Form.Item>
        <FilterButtons
          onReset={() => {
            form.resetFields();
            search({});
          }}
          searchClass="queue-search"
        />
      </Form>
      <Space style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary">{promise}</Typography.Text>
        <Button size="small" onClick={() => void queue.refetch()} loading={queue.isFetching} className="queue-refresh">
          {t('staff.refresh')}
        </Button>
      </Space>
      {queue.error && <Typography.Paragraph type="danger">{queue.error.message}</Typography.Paragraph>}
      <Table<QueueRow>
        rowKey={(r) => r.row.order.orderNo}
        size="middle"
        loading={queue.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('staff.emptyQueue') }}
        rowClassName={(r) => (r.overdue ? 'queue-overdue' : '')}
        columns={[
          { title: t('field.provider'), render: (_, r) => r.row.order.providerName },
          { title: t('detail.orderNo'), render: (_, r) => r.row.order.orderNo },
          { title: t('field.organisationName'), render: (_, r) => r.row.order.organisationName },
          { title: t('field.applicant'), render: (_, r) => r.row.order.applicantName },
          { title: t('staff.waitingSince'), render: (_, r) => r.waitingSinceText },
          {
            title: t('staff.waited'),
            render: (_, r) => (
              <Space>
                {t('staff.waitedDays', { days: r.workingDaysWaited })}
                {r.overdue && <Tag color="red">{t('staff.overdue')}</Tag>}
              </Space>
            ),
          },
          { title: t('detail.status'), render: (_, r) => status(r.row) },
          { title: t('staff.action'), render: (_, r) => action(r) },
        ]}
      />
      <Pager page={page} shown={rows.length} pageSize={PAGE_SIZE} onPage={setPage} />
    </div>
  );
}
