import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage, formatFen, type FaceAttemptRow, type OrderRow, type PaymentRecord } from '../../../../api';
import { useLocale } from '../../../../i18n';
import StaffCertificates from '../../components/StaffCertificates';
import { staffKeys } from '../../service';

const REASONS = ['reason1', 'reason2', 'reason3', 'reason4', 'reason5'] as const;

/** 审核: an order in full (the application with the ID number masked, payments, history) and the
 * reviewer's steps: 纸质资料已收到, 审核通过, 审核不通过 with a reason. */
export default function ReviewOrder({ orderNo, onClose }: { orderNo: string | null; onClose: () => void }) {
  const { t, status } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [rejectForm] = Form.useForm<{ reason: string }>();
  const order = useQuery({
    queryKey: staffKeys.order(orderNo ?? ''),
    queryFn: () => api.staffOrder(orderNo ?? ''),
    enabled: orderNo !== null,
  });
  const step = useMutation({
    mutationFn: (run: () => Promise<OrderRow>) => run(),
    onSuccess: (row) => {
      message.success(t('staff.done', { orderNo: row.order.orderNo, status: status(row) }));
      void client.invalidateQueries({ queryKey: staffKeys.all });
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const view = order.data;
  const state = view?.row.order.status;
  const inReview = state?.state === 'pendingReview';
  const awaiting = inReview && state.verification === 'awaitingMaterials';
  const app = view?.application;

  return (
    <Drawer
      title={orderNo ? t('staff.orderTitle', { orderNo }) : ''}
      open={orderNo !== null}
      onClose={onClose}
      size="large"
      rootClassName="staff-order"
      extra={
        inReview && (
          <Space>
            {awaiting ? (
              <Button
                type="primary"
                id="materials-received"
                loading={step.isPending}
                onClick={() => step.mutate(() => api.markMaterialsReceived(orderNo!))}
              >
                {t('staff.materialsReceived')}
              </Button>
            ) : (
              <>
                <Button danger id="reject" onClick={() => setRejecting(true)}>
                  {t('staff.reject')}
                </Button>
                <Popconfirm
                  title={t('staff.approveConfirm', { orderNo })}
                  okText={t('staff.confirm')}
                  cancelText={t('staff.cancel')}
                  onConfirm={() => step.mutateAsync(() => api.approveOrder(orderNo!)).then(onClose, () => undefined)}
                >
                  <Button type="primary" id="approve" loading={step.isPending}>
                    {t('staff.approve')}
                  </Button>
                </Popconfirm>
              </>
            )}
          </Space>
        )
      }
    >
      {order.error && <Alert type="error" showIcon title={order.error.message} />}
      {view && app && (
        <>
          {awaiting && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('staff.awaitingMaterials')} />}
          <Typography.Title level={5}>{t('staff.application')}</Typography.Title>
          <Descriptions column={2} bordered size="small" id="staff-application">
            <Descriptions.Item label={t('detail.status')}>{status(view.row)}</Descriptions.Item>
            <Descriptions.Item label={t('field.provider')}>{view.row.order.providerName}</Descriptions.Item>
            <Descriptions.Item label={t('field.organisationName')}>{app.organisationName}</Descriptions.Item>
            <Descriptions.Item label={t('field.creditCode')}>{app.creditCode}</Descriptions.Item>
            <Descriptions.Item label={t('field.applicant')}>{app.applicantName}</Descriptions.Item>
            <Descriptions.Item label={t('field.idNumber')}>{app.idNumber}</Descriptions.Item>
            <Descriptions.Item label={t('field.mobile')}>{app.mobile}</Descriptions.Item>
            <Descriptions.Item label={t('field.email')}>{app.email}</Descriptions.Item>
            <Descriptions.Item label={t('field.quantity')}>{app.quantity}</Descriptions.Item>
            <Descriptions.Item label={t('field.total')}>{formatFen(view.row.order.fee)}</Descriptions.Item>
            <Descriptions.Item label={t('field.delivery')}>
              {app.delivery === 'mail' ? t('field.mail') : t('field.counter')}
            </Descriptions.Item>
            {app.delivery === 'mail' && (
              <Descriptions.Item label={t('field.address')}>
                {app.recipient}（{app.recipientMobile}）{app.address}
              </Descriptions.Item>
            )}
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('staff.payments')}
          </Typography.Title>
          <Table<PaymentRecord>
            size="small"
            rowKey="outTradeNo"
            pagination={false}
            dataSource={view.payments}
            locale={{ emptyText: t('staff.noPayments') }}
            columns={[
              { title: t('staff.paymentMethod'), dataIndex: 'method' },
              { title: t('staff.paymentAmount'), render: (_, p) => formatFen(p.amount) },
              { title: t('staff.paymentState'), dataIndex: 'state' },
              { title: t('staff.paymentReceipt'), render: (_, p) => p.receiptNo ?? p.gatewayTradeNo ?? '' },
              { title: t('staff.paidAt'), render: (_, p) => p.paidAt ?? '' },
            ]}
          />
          <StaffCertificates orderNo={view.row.order.orderNo} certificates={view.certificates} />
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('staff.faceAttempts')}
          </Typography.Title>
          <Table<FaceAttemptRow>
            size="small"
            id="staff-face-attempts"
            rowKey={(a) => `${a.attempt.at}-${a.attempt.outcome}-${a.attempt.reason ?? ''}`}
            pagination={false}
            dataSource={view.faceAttempts}
            locale={{ emptyText: t('staff.noFaceAttempts') }}
            columns={[
              { title: t('staff.faceAt'), render: (_, a) => a.atText },
              {
                title: t('staff.faceOutcome'),
                render: (_, a) =>
                  a.passed ? (
                    <Tag color="green">{t('staff.facePassed')}</Tag>
                  ) : a.attempt.outcome === 'pending' ? (
                    <Tag>{t('staff.facePending')}</Tag>
                  ) : (
                    <Tag color="red">{t('staff.faceFailed')}</Tag>
                  ),
              },
              { title: t('staff.faceReason'), render: (_, a) => a.attempt.reason ?? '' },
            ]}
          />
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {t('staff.history')}
          </Typography.Title>
          <Timeline
            items={view.history.map((h) => ({
              content: (
                <>
                  <div>
                    {h.atText} · {h.actorZh}
                    {h.staffName ? `（${h.staffName}）` : ''} · {h.statusZh}
                  </div>
                  {h.reason && <Typography.Text type="secondary">{t('detail.historyReason', { reason: h.reason })}</Typography.Text>}
                </>
              ),
            }))}
          />
        </>
      )}
      <Modal
        title={orderNo ? t('staff.rejectTitle', { orderNo }) : ''}
        open={rejecting}
        okText={t('staff.reject')}
        cancelText={t('staff.cancel')}
        okButtonProps={{ danger: true, id: 'reject-submit', loading: step.isPending }}
        onCancel={() => setRejecting(false)}
        onOk={() => rejectForm.submit()}
        destroyOnHidden
      >
        <Form
          form={rejectForm}
          name="rejection"
          layout="vertical"
          preserve={false}
          onFinish={({ reason }) =>
            step.mutateAsync(() => api.rejectOrder(orderNo!, reason)).then(() => {
              setRejecting(false);
              onClose();
            }, () => undefined)
          }
        >
          <Form.Item label={t('staff.commonReasons')}>
            <Select
              id="common-reason"
              options={REASONS.map((key) => ({ value: t(`staff.${key}`), label: t(`staff.${key}`) }))}
              onChange={(reason: string) => rejectForm.setFieldsValue({ reason })}
            />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t('staff.rejectReason')}
            extra={t('staff.rejectReasonExtra')}
            rules={[{ required: true, whitespace: true, message: t('staff.enterReason') }]}
          >
            <Input.TextArea rows={3} maxLength={200} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </Drawer>
  );
}
