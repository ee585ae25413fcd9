import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Form, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { api, CommandError, errorMessage, formatFen, type OrderRow } from '../../../../api';
import { useLocale } from '../../../../i18n';

/** Whether the order's invoice was asked for (and so has something to show). */
export function hasInvoice(row: OrderRow): boolean {
  return row.order.status.state === 'issued' && row.order.status.invoice !== 'notRequested';
}

/** 电子发票 in 查看: 发票已开具 with its number and figures, 保存发票PDF, and 重新发送. */
export default function InvoiceInfo({ row }: { row: OrderRow }) {
  const { t } = useLocale();
  const orderNo = row.order.orderNo;
  const client = useQueryClient();
  const invoice = useQuery({ queryKey: ['orders', orderNo, 'invoice'], queryFn: () => api.orderInvoice(orderNo) });
  const save = useMutation({ mutationFn: () => api.saveInvoice(orderNo) });
  const [resending, setResending] = useState(false);
  const [resendForm] = Form.useForm<{ email: string }>();
  const resend = useMutation({
    mutationFn: (email: string) => api.resendInvoice(orderNo, email.trim() === '' ? null : email.trim()),
    onSuccess: (record) => {
      client.setQueryData(['orders', orderNo, 'invoice'], record);
      setResending(false);
    },
    onError: (e) => {
      if (e instanceof CommandError && e.invoiceFields.length > 0) {
        resendForm.setFields([{ name: 'email', errors: e.invoiceFields.map((f) => f.message) }]);
      }
    },
  });
  const record = invoice.data;

  return (
    <div id="invoice-info" style={{ marginTop: 24 }}>
      <Typography.Title level={5}>{t('invoice.section')}</Typography.Title>
      {invoice.isError && (
        <Alert type="warning" showIcon title={t('invoice.loadFailed', { error: errorMessage(invoice.error) })} />
      )}
      {record && (
        <>
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('invoice.state')}>
              <span id="invoice-state">{record.invoiceNo ? t('invoice.issued') : t('invoice.requested')}</span>
            </Descriptions.Item>
            {record.invoiceNo && (
              <Descriptions.Item label={t('invoice.number')}>
                <span id="invoice-number">{record.invoiceNo}</span>
              </Descriptions.Item>
            )}
            {record.issuedAt && (
              <Descriptions.Item label={t('invoice.issuedAt')}>{record.issuedAt.slice(0, 10)}</Descriptions.Item>
            )}
            <Descriptions.Item label={t('invoice.invoiceTitle')}>{record.title}</Descriptions.Item>
            <Descriptions.Item label={t('invoice.taxpayerId')}>{record.taxpayerId}</Descriptions.Item>
            <Descriptions.Item label={t('invoice.total')}>
              {formatFen(record.total)}（{record.totalInWords}）
              {record.amount !== null && record.tax !== null && (
                <div>
                  <Typography.Text type="secondary">
                    {t('invoice.split', {
                      amount: formatFen(record.amount),
                      tax: formatFen(record.tax),
                      rate: record.taxRate ?? '',
                    })}
                  </Typography.Text>
                </div>
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t('invoice.sentTo')}>
              <span id="invoice-email">{record.emailMasked}</span>
            </Descriptions.Item>
          </Descriptions>
          {record.sandbox && <Alert style={{ marginTop: 8 }} type="info" showIcon title={t('invoice.sandbox')} />}
          {record.invoiceNo && (
            <Space style={{ marginTop: 8 }}>
              <Button id="invoice-save" loading={save.isPending} onClick={() => save.mutate()}>
                {t('invoice.save')}
              </Button>
              <Button
                id="invoice-resend"
                onClick={() => {
                  resend.reset();
                  resendForm.resetFields();
                  setResending(true);
                }}
              >
                {t('invoice.resend')}
              </Button>
            </Space>
          )}
          {save.isSuccess && (
            <Alert
              id="invoice-saved"
              style={{ marginTop: 8 }}
              type="success"
              showIcon
              title={t('invoice.saved', { path: save.data })}
              action={
                <Button size="small" onClick={() => void api.openSavedFile(save.data)}>
                  {t('invoice.open')}
                </Button>
              }
            />
          )}
          {save.isError && <Alert style={{ marginTop: 8 }} type="error" showIcon title={errorMessage(save.error)} />}
          {resend.isSuccess && (
            <Alert
              id="invoice-resent"
              style={{ marginTop: 8 }}
              type="success"
              showIcon
              title={t('invoice.resent', { email: resend.data.emailMasked })}
            />
          )}
          <Modal
            title={t('invoice.resendTitle')}
            open={resending}
            onCancel={() => setResending(false)}
            okText={t('invoice.resendOk')}
            cancelText={t('invoice.cancel')}
            okButtonProps={{ id: 'invoice-resend-ok' }}
            confirmLoading={resend.isPending}
            onOk={() => resendForm.submit()}
            rootClassName="invoice-resend"
          >
            <Form form={resendForm} layout="vertical" name="invoice-resend" onFinish={(v) => resend.mutate(v.email ?? '')}>
              <Form.Item
                name="email"
                label={t('invoice.resendEmail')}
                extra={t('invoice.resendHint', { email: record.emailMasked })}
              >
                <Input maxLength={100} />
              </Form.Item>
            </Form>
            {resend.isError && !(resend.error instanceof CommandError && resend.error.invoiceFields.length > 0) && (
              <Alert type="error" showIcon title={errorMessage(resend.error)} />
            )}
          </Modal>
        </>
      )}
    </div>
  );
}
