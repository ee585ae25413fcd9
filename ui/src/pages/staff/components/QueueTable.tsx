import { useQuery } from '@tanstack/react-query';
import { Button, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { QueueRow } from '../../../api';
import { useLocale } from '../../../i18n';

const PAGE_SIZE = 10;

/**
 * A staff queue (审核, 制证): oldest first, the working days each order has waited, overdue marked.
 * The platform pages it without a total (the queue moves while it is worked), so the pager is
 * 上一页 / 下一页.
 */
export default function QueueTable({
  id,
  queryKey,
  fetch,
  promise,
  action,
}: {
  id: string;
  queryKey: (page: number, pageSize: number) => readonly unknown[];
  fetch: (page: number, pageSize: number) => Promise<QueueRow[]>;
  promise: string;
  action: (row: QueueRow) => React.ReactNode;
}) {
  const { t, status } = useLocale();
  const [page, setPage] = useState(1);
  const queue = useQuery({
    queryKey: queryKey(page, PAGE_SIZE),
    queryFn: () => fetch(page, PAGE_SIZE),
    refetchInterval: 30_000,
  });
  const rows = queue.data ?? [];
  return (
    <div id={id}>
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
      <Space style={{ marginTop: 12 }}>
        <Button size="small" disabled={page === 1} onClick={() => setPage(page - 1)}>
          {t('staff.previous')}
        </Button>
        <Typography.Text>{t('staff.pageNo', { page })}</Typography.Text>
        <Button size="small" disabled={rows.length < PAGE_SIZE} onClick={() => setPage(page + 1)}>
          {t('staff.next')}
        </Button>
      </Space>
    </div>
  );
}
