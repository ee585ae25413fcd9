import { Alert, App, Button, Card, DatePicker, Empty, Form, Input, Popconfirm, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import type { TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { api, type OrderRow } from '../../../api';
import ApplyWizard, { type WizardTarget } from './components/ApplyWizard';
import DraftBox from './components/DraftBox';
import OrderDetail from './components/OrderDetail';
import PaperDocuments from './components/PaperDocuments';
import { useOrderStep, useOrders, useProviders } from './service';

/** The status filter offers the states by their stable code; the label is the guide's. */
const STATUS_OPTIONS = [
  { value: 'pendingVerification', label: '待认证' },
  { value: 'pendingPayment', label: '待支付' },
  { value: 'pendingReview', label: '待审核' },
  { value: 'rejected', label: '审核未通过' },
  { value: 'approved', label: '审核通过, 待制证' },
  { value: 'issued', label: '审核通过, 已发证' },
  { value: 'cancelled', label: '已撤销' },
];

type Filters = {
  orderNo?: string;
  status?: string;
  /** Shown after 展开. */
  providerId?: string;
  submittedRange?: [Dayjs | null, Dayjs | null] | null;
};

/** Whether a row passes the search form's filters; 申领时间 compares Beijing dates. */
function matches(row: OrderRow, filters: Filters): boolean {
  const day = row.submittedAtText.slice(0, 10);
  const [from, to] = filters.submittedRange ?? [null, null];
  return (
    (!filters.orderNo || row.order.orderNo.startsWith(filters.orderNo.trim())) &&
    (!filters.status || row.order.status.state === filters.status) &&
    (!filters.providerId || row.order.providerId === filters.providerId) &&
    (!from || day >= from.format('YYYY-MM-DD')) &&
    (!to || day <= to.format('YYYY-MM-DD'))
  );
}

type RowActions = {
  onView: (row: OrderRow) => void;
  onPaper: (row: OrderRow) => void;
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
function invoiceText(row: OrderRow): string | null {
  const status = row.order.status;
  if (status.state !== 'issued') return null;
  return status.invoice === 'requested' ? '已申请发票' : status.invoice === 'issued' ? '发票已开具' : null;
}

function orderColumns({ onView, onPaper, onCancel, onEdit, onInvoice }: RowActions): TableColumnsType<OrderRow> {
  return [
  { title: 'CA服务商', dataIndex: ['order', 'providerName'], key: 'provider' },
  { title: '订单编号', dataIndex: ['order', 'orderNo'], key: 'orderNo' },
  { title: '机构名称', dataIndex: ['order', 'organisationName'], key: 'organisation' },
  { title: '申领人', dataIndex: ['order', 'applicantName'], key: 'applicant' },
  { title: '申领时间', dataIndex: 'submittedAtText', key: 'submittedAt' },
  { title: '状态', dataIndex: 'statusZh', key: 'status' },
  {
    title: '操作',
    key: 'actions',
    render: (_, row) => (
      <Space>
        {row.order.status.state === 'pendingVerification' && (
          <Typography.Link onClick={() => onPaper(row)}>邮寄纸质资料</Typography.Link>
        )}
        <Typography.Link onClick={() => onView(row)}>查看</Typography.Link>
        {row.order.status.state === 'rejected' && <Typography.Link onClick={() => onEdit(row)}>编辑</Typography.Link>}
        {invoiceable(row) && (
          <Popconfirm
            title="确定申请电子发票吗？"
            description="电子发票将发送至申领时填写的电子邮箱。"
            okText="申请"
            cancelText="取消"
            onConfirm={() => onInvoice(row)}
          >
            <Typography.Link>发票申请</Typography.Link>
          </Popconfirm>
        )}
        {invoiceText(row) && <Typography.Text type="secondary">{invoiceText(row)}</Typography.Text>}
        {CANCELLABLE.includes(row.order.status.state) && (
          <Popconfirm
            title="确定撤销该申领吗？"
            description="撤销后不可恢复；已缴费的订单将退款。"
            okText="撤销"
            cancelText="取消"
            onConfirm={() => onCancel(row)}
          >
            <Typography.Link type="danger">撤销</Typography.Link>
          </Popconfirm>
        )}
      </Space>
    ),
  },
  ];
}

/** CA证书申领: the applicant's orders, newest first, and the way to apply for a new certificate. */
export default function ApplyListPage() {
  const orders = useOrders();
  const providers = useProviders();
  const [wizard, setWizard] = useState<WizardTarget | null>(null);
  const [viewing, setViewing] = useState<OrderRow | null>(null);
  const [mailing, setMailing] = useState<OrderRow | null>(null);
  const { message } = App.useApp();
  const cancel = useOrderStep(api.cancelOrder);
  const invoice = useOrderStep(api.requestInvoice);
  const columns = useMemo(
    () =>
      orderColumns({
        onView: setViewing,
        onPaper: setMailing,
        onCancel: (row) =>
          cancel.mutate(row.order.orderNo, {
            onSuccess: () => message.success(`订单 ${row.order.orderNo} 已撤销`),
            onError: (e) => message.error(e.message),
          }),
        onEdit: (row) => setWizard({ kind: 'edit', orderNo: row.order.orderNo }),
        onInvoice: (row) =>
          invoice.mutate(row.order.orderNo, {
            onSuccess: () => message.success('发票申请已提交，电子发票将发送至申领时填写的电子邮箱'),
            onError: (e) => message.error(e.message),
          }),
      }),
    [cancel, invoice, message],
  );
  const [filters, setFilters] = useState<Filters>({});
  const [searchForm] = Form.useForm<Filters>();
  const [expanded, setExpanded] = useState(false);

  const rows = useMemo(
    () =>
      (orders.data ?? []).filter((row) => matches(row, filters)),
    [orders.data, filters],
  );

  return (
    <Card
      title="CA证书申领"
      extra={
        <Space>
          <Button id="refresh-orders" onClick={() => orders.refetch()} loading={orders.isFetching}>
            刷新
          </Button>
          <Button type="primary" id="apply-online" onClick={() => setWizard({ kind: 'new' })}>
            CA在线申领
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
          title="当前无法连接平台，以下为本地保存的申领记录"
          description={providers.error.message}
        />
      )}
      {orders.isError && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={orders.error.message} />}
      <DraftBox onContinue={(draft) => setWizard(draft.orderNo ? { kind: 'edit', orderNo: draft.orderNo } : { kind: 'new', draftId: draft.id })} />
      <Form form={searchForm} name="search" layout="inline" style={{ marginBottom: 16 }} onFinish={setFilters}>
        <Form.Item name="orderNo" label="订单编号">
          <Input placeholder="请输入" allowClear />
        </Form.Item>
        <Form.Item name="status" label="申领状态">
          <Select placeholder="请选择" allowClear options={STATUS_OPTIONS} style={{ width: 180 }} />
        </Form.Item>
        {expanded && (
          <>
            <Form.Item name="providerId" label="CA服务商">
              <Select
                placeholder="请选择"
                allowClear
                style={{ width: 180 }}
                options={providers.data?.map((p) => ({ value: p.id, label: p.name }))}
              />
            </Form.Item>
            <Form.Item name="submittedRange" label="申领时间">
              <DatePicker.RangePicker />
            </Form.Item>
          </>
        )}
        <Form.Item>
          <Space>
            <Button
              id="search-reset"
              onClick={() => {
                searchForm.resetFields();
                setFilters({});
              }}
            >
              重置
            </Button>
            <Button type="primary" htmlType="submit" id="search-submit">
              搜索
            </Button>
            <Button type="link" onClick={() => setExpanded((open) => !open)}>
              {expanded ? '收起' : '展开'}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <Typography.Paragraph type="secondary">可查看审核进度或审核不通过原因</Typography.Paragraph>
      {/* The id is on a wrapper so that the table and its pagination are found together. */}
      <div id="orders">
        <Table<OrderRow>
          rowKey={(row) => row.order.orderNo}
          columns={columns}
          dataSource={rows}
          loading={orders.isLoading}
          locale={{ emptyText: <Empty description="暂无申领记录，点击右上角【CA在线申领】开始办理" /> }}
          pagination={{
            defaultPageSize: 10,
            showSizeChanger: true,
            showQuickJumper: { goButton: <Button size="small">Go</Button> },
            showTotal: (total) => `共有 ${total} 条`,
          }}
        />
      </div>
      <OrderDetail row={viewing} onClose={() => setViewing(null)} />
      <PaperDocuments row={mailing} onClose={() => setMailing(null)} />
      <ApplyWizard
        target={wizard}
        onClose={() => setWizard(null)}
        onChoosePaper={(row) => {
          setWizard(null);
          setMailing(row);
        }}
      />
    </Card>
  );
}
