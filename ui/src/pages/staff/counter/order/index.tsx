import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Drawer, Form, Input, Popconfirm, Radio, Space, Typography } from 'antd';
import {
  api,
  errorMessage,
  formatFen,
  type IdCardView,
  type OrderRow,
  type PaymentMethod,
} from '../../../../api';
import { useLocale } from '../../../../i18n';
import SavePaperButton from '../../components/SavePaperButton';
import StaffCertificates from '../../components/StaffCertificates';
import UkeyWriter from '../../components/UkeyWriter';
import { staffKeys } from '../../service';
import IdCardReading from '../components/IdCardReading';

const COUNTER_METHODS = ['counterCash', 'counterCard', 'counterQrCode'] as const;

type Props = {
  orderNo: string | null;
  /** The card read at 现场受理, if any: the check uses it without a second read. */
  card: IdCardView | null;
  onCard: (card: IdCardView) => void;
  onClose: () => void;
};

/** 现场办理 of one order: 身份证原件核验, 窗口收款, the 受理回执, 现场发证, and 窗口退款 of a cancelled
 * order's counter payment — each offered only in the state it belongs to. */
export default function CounterOrder({ orderNo, card, onCard, onClose }: Props) {
  const { t, status } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [paymentForm] = Form.useForm<{ method: PaymentMethod; receiptNo: string }>();
  const [refundForm] = Form.useForm<{ receiptNo: string }>();
  const order = useQuery({
    queryKey: staffKeys.order(orderNo ?? ''),
    queryFn: () => api.staffOrder(orderNo ?? ''),
    enabled: orderNo !== null,
  });
  const step = useMutation({
    mutationFn: (run: () => Promise<OrderRow | unknown>) => run(),
    onSuccess: () => void client.invalidateQueries({ queryKey: staffKeys.all }),
    onError: (e) => message.error(errorMessage(e)),
  });
  const done = (row: OrderRow) =>
    message.success(t('staff.done', { orderNo: row.order.orderNo, status: status(row) }));

  const view = order.data;
  const state = view?.row.order.status.state;
  const app = view?.application;
  const atCounter = app?.delivery === 'counter';
  const owed = view?.payments.filter(
    (p) => p.state === 'paid' && (COUNTER_METHODS as readonly string[]).includes(p.method),
  );
  const methodLabel: Record<(typeof COUNTER_METHODS)[number], string> = {
    counterCash: t('counter.cash'),
    counterCard: t('counter.card'),
    counterQrCode: t('counter.qrCode'),
  };
  const issuedCount = view?.certificates.filter((c) => c.status === 'valid').length ?? 0;
  const missing = Math.max(0, (view?.row.order.quantity ?? 0) - issuedCount);
  const offersSomething =
    state === 'pendingVerification' ||
    state === 'pendingPayment' ||
    (atCounter && (state === 'pendingReview' || state === 'approved')) ||
    (state === 'cancelled' && (owed?.length ?? 0) > 0);

  return (
    <Drawer
      title={orderNo ? t('counter.orderTitle', { orderNo }) : ''}
      open={orderNo !== null}
      onClose={onClose}
      size="large"
      rootClassName="counter-order"
    >
      {order.error && <Alert type="error" showIcon title={order.error.message} />}
      {view && app && (
        <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
          <Descriptions column={2} bordered size="small" id="counter-order-summary">
            <Descriptions.Item label={t('counter.status')}>
              <span id="counter-order-status">{status(view.row)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('field.provider')}>{view.row.order.providerName}</Descriptions.Item>
            <Descriptions.Item label={t('field.organisationName')}>{app.organisationName}</Descriptions.Item>
            <Descriptions.Item label={t('field.creditCode')}>{app.creditCode}</Descriptions.Item>
            <Descriptions.Item label={t('field.applicant')}>{app.applicantName}</Descriptions.Item>
            <Descriptions.Item label={t('field.idNumber')}>{app.idNumber}</Descriptions.Item>
            <Descriptions.Item label={t('field.total')}>{formatFen(view.row.order.fee)}</Descriptions.Item>
            <Descriptions.Item label={t('field.delivery')}>
              {atCounter ? t('field.counter') : t('field.mail')}
            </Descriptions.Item>
          </Descriptions>

          {state === 'pendingVerification' && (
            <Card size="small" title={t('counter.idCheck')} id="counter-id-check">
              <Typography.Paragraph type="secondary">{t('counter.idCheckHint')}</Typography.Paragraph>
              <IdCardReading card={card} onCard={onCard} />
              <Button
                type="primary"
                id="counter-id-check-submit"
                disabled={!card}
                loading={step.isPending}
                style={{ marginTop: 12 }}
                onClick={() =>
                  card &&
                  step.mutate(async () => {
                    const row = await api.checkIdCard(orderNo!, card.name, card.idNumber);
                    message.success(t('counter.idChecked', { status: status(row) }));
                    return row;
                  })
                }
              >
                {t('counter.idCheckButton')}
              </Button>
            </Card>
          )}

          {state === 'pendingPayment' && (
            <Card size="small" title={t('counter.payment')} id="counter-payment">
              <Typography.Paragraph strong>
                {t('counter.paymentHint', { amount: formatFen(view.row.order.fee) })}
              </Typography.Paragraph>
              <Form
                form={paymentForm}
                layout="inline"
                initialValues={{ method: 'counterCash', receiptNo: '' }}
                onFinish={({ method, receiptNo }) =>
                  step.mutate(async () => {
                    const row = await api.takeCounterPayment(orderNo!, method, receiptNo);
                    done(row);
                    return row;
                  })
                }
              >
                <Form.Item name="method" label={t('counter.method')}>
                  <Radio.Group
                    options={COUNTER_METHODS.map((value) => ({ value, label: methodLabel[value] }))}
                  />
                </Form.Item>
                <Form.Item
                  name="receiptNo"
                  label={t('counter.receiptNo')}
                  rules={[{ required: true, whitespace: true, message: t('counter.enterReceipt') }]}
                >
                  <Input id="counter-receipt-no" maxLength={64} />
                </Form.Item>
                <Button type="primary" htmlType="submit" id="counter-take-payment" loading={step.isPending}>
                  {t('counter.takePayment')}
                </Button>
              </Form>
            </Card>
          )}

          {atCounter && state === 'pendingReview' && (
            <Card size="small" title={t('counter.issue')} id="counter-issue">
              <Typography.Paragraph type="secondary">{t('counter.approveHint')}</Typography.Paragraph>
              <Button
                type="primary"
                id="counter-approve"
                loading={step.isPending}
                onClick={() =>
                  step.mutate(async () => {
                    const row = await api.approveOrder(orderNo!);
                    done(row);
                    return row;
                  })
                }
              >
                {t('staff.approve')}
              </Button>
            </Card>
          )}

          {atCounter && state === 'approved' && (
            <>
              <UkeyWriter
                orderNo={orderNo!}
                organisationName={app.organisationName}
                quantity={view.row.order.quantity}
                certificates={view.certificates}
              />
              <Card size="small" title={t('counter.issue')} id="counter-issue">
                <Typography.Paragraph type="secondary">{t('counter.issueHint')}</Typography.Paragraph>
                {missing > 0 && (
                  <Alert
                    type="warning"
                    showIcon
                    style={{ marginBottom: 12 }}
                    title={t('ukey.certificatesMissing', { quantity: view.row.order.quantity, issued: issuedCount })}
                  />
                )}
                <Popconfirm
                  title={t('counter.issueConfirm')}
                  okText={t('staff.confirm')}
                  cancelText={t('staff.cancel')}
                  okButtonProps={{ id: 'counter-issue-confirm' }}
                  disabled={missing > 0}
                  onConfirm={() =>
                    step.mutateAsync(async () => {
                      const row = await api.issueAtCounter(orderNo!);
                      done(row);
                      return row;
                    }).catch(() => undefined)
                  }
                >
                  <Button type="primary" id="counter-issue-submit" disabled={missing > 0} loading={step.isPending}>
                    {t('counter.issue')}
                  </Button>
                </Popconfirm>
              </Card>
            </>
          )}

          {state === 'issued' && <StaffCertificates orderNo={orderNo!} certificates={view.certificates} />}

          {state === 'cancelled' && owed && owed.length > 0 && (
            <Card size="small" title={t('counter.refund')} id="counter-refund">
              <Typography.Paragraph>
                {t('counter.refundHint', { amount: formatFen(owed.reduce((sum, p) => sum + p.amount, 0)) })}
              </Typography.Paragraph>
              <Form
                form={refundForm}
                layout="inline"
                onFinish={({ receiptNo }) =>
                  step.mutate(async () => {
                    const payments = await api.refundAtCounter(orderNo!, receiptNo);
                    message.success(t('counter.refundDone'));
                    return payments;
                  })
                }
              >
                <Form.Item
                  name="receiptNo"
                  label={t('counter.refundReceipt')}
                  rules={[{ required: true, whitespace: true, message: t('counter.enterReceipt') }]}
                >
                  <Input id="counter-refund-receipt" maxLength={64} />
                </Form.Item>
                <Button danger htmlType="submit" id="counter-refund-submit" loading={step.isPending}>
                  {t('counter.refund')}
                </Button>
              </Form>
            </Card>
          )}

          {!offersSomething && <Alert type="info" showIcon title={t('counter.nothingToDo')} />}

          {state !== 'pendingVerification' && (
            <SavePaperButton
              id="counter-receipt"
              label={t('counter.receipt')}
              save={() => api.saveCounterReceipt(orderNo!)}
              savedText={(path) => t('counter.receiptSaved', { path })}
            />
          )}
        </Space>
      )}
    </Drawer>
  );
}
