import { Alert, App, Button, Card, Empty, Form, Input, Popconfirm, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import type { TableColumnsType } from 'antd';
import { lazy, Suspense, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { api, type OrderQuery, type OrderRow } from '../../../api';
import OnceOpened from '../../../components/OnceOpened';
import { useLocale } from '../../../i18n';
import type { WizardTarget } from './components/ApplyWizard';
import DraftBox from './components/DraftBox';
import { useOrderPage, useOrderStep, useOrderSync, useProviders } from './service';

// The dialogs load with their first opening: the first screen's script holds none of them.
const ApplyWizard = lazy(() => import('./components/ApplyWizard'));
const FaceVerification = lazy(() => import('./components/FaceVerification'));
const InvoiceRequest = lazy(() => import('./components/InvoiceRequest'));
const OrderDetail = lazy(() => import('./components/OrderDetail'));
const PaperDocuments = lazy(() => import('./components/PaperDocuments'));
const Payment = lazy(() => import('./components/Payment'));
const MoreFilters = lazy(() => import('./components/MoreFilters'));

/** The status filter offers the states by their stable code; the label is the guide's. */
const STATES = [
  'pendingVerification',
  'pendingPayment',
  'pendingReview',
  'rejected',
  'approved',
  'issued',
  'cancelled',
] as const;

type Filters = {
  orderNo?: string;
  status?: string;
  /** Shown after 展开. */
  providerId?: string;
  submittedRange?: [Dayjs | null, Dayjs | null] | null;
};

/** The search form as the store's query: blanks left out, 申领时间 as Beijing dates. */
function queryOf(filters: Filters, page: number, pageSize: number): OrderQuery {
  const [from, to] = filters.submittedRange ?? [null, null];
  const text = (v: string | undefined) => (v?.trim() ? v.trim() : null);
  return {
    orderNo: text(filters.orderNo),
    status: filters.status ?? null,
    providerId: filters.providerId ?? null,
    submittedFrom: from ? from.format('YYYY-MM-DD') : null,
    submittedTo: to ? to.format('YYYY-MM-DD') : null,
    page,
    pageSize,
  };
}

type RowActions = {
  onView: (row: OrderRow) => void;
  onPaper: (row: OrderRow) => void;
  onFace: (row: OrderRow) => void;
  onPay: (row: OrderRow) => void;
  onCancel: (row: OrderRow) => void;
  onEdit: (row: OrderRow) => void;
  onInvoice: (row: OrderRow) => void;
};

/** 撤销 is possible until approval. */
const CANCELLABLE = ['pendingVerification', 'pendingPayment', 'pendingReview', 'rejected'];

/** 发票申请 once 审核通过, 已发证, for an order with a fee whose invoice was not asked for yet. */
function invoiceable(row: OrderRow): boolean {
  const status = row.order.status;
  return row.order.fee > 0 && status.state === 'issued' && status.invoice === 'notRequested';
}

/** Where the invoice stands, once asked for. */
function invoiceText(row: OrderRow, t: TFunction): string | null {
  const status = row.order.status;
  if (status.state !== 'issued') return null;
  return status.invoice === 'requested'
    ? t('list.invoiceRequested')
    : status.invoice === 'issued'
      ? t('list.invoiceIssued')
      : null;
}

function orderColumns(
  { onView, onPaper, onFace, onPay, onCancel, onEdit, onInvoice }: RowActions,
  t: TFunction,
  english: boolean,
): TableColumnsType<OrderRow> {
  return [
  { title: t('field.provider'), dataIndex: ['order', 'providerName'], key: 'provider' },
  { title: t('list.orderNo'), dataIndex: ['order', 'orderNo'], key: 'orderNo' },
  { title: t('field.organisationName'), dataIndex: ['order', 'organisationName'], key: 'organisation' },
  { title: t('field.applicant'), dataIndex: ['order', 'applicantName'], key: 'applicant' },
  { title: t('list.submittedAt'), dataIndex: 'submittedAtText', key: 'submittedAt' },
  { title: t('list.columnStatus'), dataIndex: english ? 'statusEn' : 'statusZh', key: 'status' },
  {
    title: t('list.actions'),
    key: 'actions',
    // An action's words are never broken across lines (English ones are long).
    onCell: () => ({ style: { whiteSpace: 'nowrap' } }),
    render: (_, row) => (
      <Space>
        {row.order.status.state === 'pendingVerification' && (
          <>
            <Typography.Link onClick={() => onFace(row)}>{t('face.action')}</Typography.Link>
            <Typography.Link onClick={() => onPaper(row)}>{t('list.paper')}</Typography.Link>
          </>
        )}
        {row.order.status.state === 'pendingPayment' && (
          <Typography.Link onClick={() => onPay(row)}>{t('pay.action')}</Typography.Link>
        )}
        <Typography.Link onClick={() => onView(row)}>{t('list.view')}</Typography.Link>
        {row.order.status.state === 'rejected' && (
          <Typography.Link onClick={() => onEdit(row)}>{t('list.edit')}</Typography.Link>
        )}
        {invoiceable(row) && <Typography.Link onClick={() => onInvoice(row)}>{t('list.invoice')}</Typography.Link>}
        {invoiceText(row, t) && <Typography.Text type="secondary">{invoiceText(row, t)}</Typography.Text>}
        {CANCELLABLE.includes(row.order.status.state) && (
          <Popconfirm
            title={t('list.cancelConfirm')}
            description={t('list.cancelConfirmDetail')}
            okText={t('list.cancel')}
            cancelText={t('list.dismiss')}
            onConfirm={() => onCancel(row)}
          >
            <Typography.Link type="danger">{t('list.cancel')}</Typography.Link>
          </Popconfirm>
        )}
      </Space>
    ),
  },
  ];
}

/** CA证书申领: the applicant's orders, newest first, and the way to apply for a new certificate. */
/** Milliseconds since the page began loading at which the start reached `name` (marked once). */
function startPhase(name: string): number {
  const key = `certdesk:${name}`;
  if (typeof performance.mark !== 'function') return 0;
  if (performance.getEntriesByName(key).length === 0) performance.mark(key);
  return Math.round(performance.getEntriesByName(key)[0]?.startTime ?? 0);
}

/** The start's phases, for `cargo xtask bench app`'s report of where the time goes. */
function startPhases(): string {
  const at = (name: string) => {
    const mark = performance.getEntriesByName(`certdesk:${name}`)[0];
    return mark ? `${name}=${Math.round(mark.startTime)}` : '';
  };
  return [
    at('modules'),
    at('account'),
    `list=${startPhase('list')}`,
    at('committed'),
    at('page'),
    `data=${startPhase('data')}`,
    `painted=${Math.round(performance.now())}`,
  ]
    .filter(Boolean)
    .join(' ');
}

export default function ApplyListPage() {
  startPhase('list');
  const [filters, setFilters] = useState<Filters>({});
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const sync = useOrderSync();
  const orders = useOrderPage(queryOf(filters, paging.page, paging.pageSize));
  const providers = useProviders();
  const [wizard, setWizard] = useState<WizardTarget | null>(null);
  const [viewing, setViewing] = useState<OrderRow | null>(null);
  const [mailing, setMailing] = useState<OrderRow | null>(null);
  const [verifying, setVerifying] = useState<OrderRow | null>(null);
  const [paying, setPaying] = useState<OrderRow | null>(null);
  const { message } = App.useApp();
  const { t, locale } = useLocale();
  const cancel = useOrderStep(api.cancelOrder);
  const [invoicing, setInvoicing] = useState<OrderRow | null>(null);
  const columns = useMemo(
    () =>
      orderColumns({
        onView: setViewing,
        onPaper: setMailing,
        onFace: setVerifying,
        onPay: setPaying,
        onCancel: (row) =>
          cancel.mutate(row.order.orderNo, {
            onSuccess: () => message.success(t('list.cancelled', { orderNo: row.order.orderNo })),
            onError: (e) => message.error(e.message),
          }),
        onEdit: (row) => setWizard({ kind: 'edit', orderNo: row.order.orderNo }),
        onInvoice: setInvoicing,
      }, t, locale === 'en-US'),
    [cancel, message, t, locale],
  );
  const [searchForm] = Form.useForm<Filters>();
  const [expanded, setExpanded] = useState(false);
  // A new search starts at its first page.
  const search = (next: Filters) => {
    setFilters(next);
    setPaging((p) => ({ ...p, page: 1 }));
  };
  const error = orders.error ?? sync.error;
  // The first page of orders is on screen (after the browser paints it): the start is over.
  const marked = useRef(false);
  // The list's first render is in the DOM (before the browser lays it out and paints it).
  useLayoutEffect(() => {
    startPhase('committed');
  }, []);
  useEffect(() => {
    if (orders.data && !marked.current) {
      marked.current = true;
      startPhase('data');
      requestAnimationFrame(() => api.markReady(`orders ${startPhases()}`));
    }
  }, [orders.data]);

  return (
    <Card
      title={t('list.title')}
      extra={
        <Space>
          <Button id="refresh-orders" onClick={() => sync.refetch()} loading={sync.isFetching}>
            {t('list.refresh')}
          </Button>
          <Button type="primary" id="apply-online" onClick={() => setWizard({ kind: 'new' })}>
            {t('list.applyOnline')}
          </Button>
        </Space>
      }
    >
      {providers.isError && providers.error.message && (
        <Alert
          id="offline-banner"
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('list.offline')}
          description={providers.error.message}
        />
      )}
      {error && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={error.message} />}
      <DraftBox onContinue={(draft) => setWizard(draft.orderNo ? { kind: 'edit', orderNo: draft.orderNo } : { kind: 'new', draftId: draft.id })} />
      <Form form={searchForm} name="search" layout="inline" style={{ marginBottom: 16 }} onFinish={search}>
        <Form.Item name="orderNo" label={t('list.orderNo')}>
          <Input placeholder={t('list.inputPlaceholder')} allowClear />
        </Form.Item>
        <Form.Item name="status" label={t('list.status')}>
          <Select
            placeholder={t('list.selectPlaceholder')}
            allowClear
            options={STATES.map((state) => ({ value: state, label: t(`status.${state}`) }))}
            style={{ width: 180 }}
          />
        </Form.Item>
        {expanded && (
          <Suspense fallback={null}>
            <MoreFilters providers={providers.data} />
          </Suspense>
        )}
        <Form.Item>
          <Space>
            <Button
              id="search-reset"
              onClick={() => {
                searchForm.resetFields();
                search({});
              }}
            >
              {t('list.reset')}
            </Button>
            <Button type="primary" htmlType="submit" id="search-submit">
              {t('list.search')}
            </Button>
            <Button type="link" onClick={() => setExpanded((open) => !open)}>
              {expanded ? t('list.collapse') : t('list.expand')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <Typography.Paragraph type="secondary">{t('list.hint')}</Typography.Paragraph>
      {/* The id is on a wrapper so that the table and its pagination are found together. */}
      <div id="orders">
        <Table<OrderRow>
          rowKey={(row) => row.order.orderNo}
          columns={columns}
          dataSource={orders.data?.items ?? []}
          loading={orders.isLoading}
          locale={{ emptyText: <Empty description={t('list.empty')} /> }}
          pagination={{
            current: paging.page,
            pageSize: paging.pageSize,
            total: orders.data?.total ?? 0,
            onChange: (page, pageSize) => setPaging({ page: pageSize === paging.pageSize ? page : 1, pageSize }),
            showSizeChanger: true,
            showQuickJumper: { goButton: <Button size="small">{t('list.go')}</Button> },
            showTotal: (total) => t('list.total', { total }),
          }}
        />
      </div>
      <OnceOpened open={viewing !== null}>
        <OrderDetail row={viewing} onClose={() => setViewing(null)} />
      </OnceOpened>
      <OnceOpened open={invoicing !== null}>
        <InvoiceRequest
          row={invoicing}
          onClose={() => setInvoicing(null)}
          onDone={(updated) => {
            setInvoicing(null);
            message.success(t(updated.order.status.state === 'issued' && updated.order.status.invoice === 'issued' ? 'list.invoiceIssuedDone' : 'list.invoiceDone'));
          }}
        />
      </OnceOpened>
      <OnceOpened open={mailing !== null}>
        <PaperDocuments row={mailing} onClose={() => setMailing(null)} />
      </OnceOpened>
      <OnceOpened open={paying !== null}>
        <Payment row={paying} onClose={() => setPaying(null)} />
      </OnceOpened>
      <OnceOpened open={verifying !== null}>
        <FaceVerification
          row={verifying}
          onClose={() => setVerifying(null)}
          onChoosePaper={(row) => {
            setVerifying(null);
            setMailing(row);
          }}
          onPay={(row) => {
            setVerifying(null);
            setPaying(row);
          }}
        />
      </OnceOpened>
      <OnceOpened open={wizard !== null}>
        <ApplyWizard
          target={wizard}
          onClose={() => setWizard(null)}
          onChoosePaper={(row) => {
            setWizard(null);
            setMailing(row);
          }}
          onChooseFace={(row) => {
            setWizard(null);
            setVerifying(row);
          }}
        />
      </OnceOpened>
    </Card>
  );
}
