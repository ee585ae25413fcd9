import { useQuery } from '@tanstack/react-query';
import { DatePicker, Form, Input, Select, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, type AuditAction, type AuditQuery, type AuditRow } from '../../../../api';
import { FilterButtons, Pager } from '../../components/ListControls';
import { useLocale } from '../../../../i18n';
import { staffKeys } from '../../service';

const PAGE_SIZE = 20;

type Filters = Pick<AuditQuery, 'memberId' | 'orderNo' | 'from' | 'to'>;
type FilterValues = { memberId?: number; orderNo?: string; dates?: [Dayjs, Dayjs] | null };
const NO_FILTERS: Filters = { memberId: null, orderNo: null, from: null, to: null };

/** 操作日志 (administrators): log-ins, failed log-ins, each staff step on an order and 管理's
 * changes, newest first, filtered by member, order and day; paged without a total. */
export default function AuditPage() {
  const { t } = useLocale();
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [form] = Form.useForm<FilterValues>();
  const query: AuditQuery = { ...filters, page, pageSize: PAGE_SIZE };
  const entries = useQuery({ queryKey: staffKeys.audit(query), queryFn: () => api.staffAudit(query) });
  const members = useQuery({ queryKey: staffKeys.members, queryFn: api.staffMembers });
  const rows = entries.data ?? [];
  const search = (values: FilterValues) => {
    setFilters({
      memberId: values.memberId ?? null,
      orderNo: values.orderNo?.trim() || null,
      from: values.dates?.[0]?.format('YYYY-MM-DD') ?? null,
      to: values.dates?.[1]?.format('YYYY-MM-DD') ?? null,
    });
    setPage(1);
  };
  const who = (r: AuditRow) =>
    r.entry.staffName ??
    (r.entry.username ? t('audit.unknownAccount', { username: r.entry.username }) : t('audit.byOrganisation'));
  return (
    <div id="staff-audit">
      <Form form={form} name="audit-filter" layout="inline" onFinish={search} style={{ marginBottom: 12, rowGap: 8 }}>
        <Form.Item name="memberId" label={t('audit.member')}>
          <Select
            allowClear
            style={{ width: 200 }}
            placeholder={t('audit.allMembers')}
            options={(members.data ?? []).map((m) => ({ value: m.id, label: `${m.displayName}（${m.username}）` }))}
          />
        </Form.Item>
        <Form.Item name="orderNo" label={t('audit.orderNo')}>
          <Input maxLength={15} style={{ width: 180 }} />
        </Form.Item>
        <Form.Item name="dates" label={t('audit.date')}>
          <DatePicker.RangePicker />
        </Form.Item>
        <FilterButtons
          onReset={() => {
            form.resetFields();
            search({});
          }}
          searchId="audit-search"
        />
      </Form>
      {entries.error && <Typography.Paragraph type="danger">{entries.error.message}</Typography.Paragraph>}
      <Table<AuditRow>
        rowKey={(r) => r.entry.id}
        size="middle"
        loading={entries.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('audit.empty') }}
        columns={[
          { title: t('audit.at'), render: (_, r) => r.atText },
          { title: t('audit.member'), render: (_, r) => who(r) },
          { title: t('audit.action'), render: (_, r) => t(`audit.${r.entry.action satisfies AuditAction}`) },
          { title: t('audit.orderNo'), render: (_, r) => r.entry.orderNo ?? '' },
          { title: t('audit.detail'), render: (_, r) => r.entry.detail ?? '' },
          { title: t('audit.client'), render: (_, r) => r.entry.client ?? '' },
        ]}
      />
      <Pager page={page} shown={rows.length} pageSize={PAGE_SIZE} onPage={setPage} />
    </div>
  );
}
