import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Form, Input, Modal, Spin } from 'antd';
import { useEffect } from 'react';
import { api, CommandError, errorMessage, formatFen, type InvoiceApplication, type OrderRow } from '../../../../api';
import { useLocale } from '../../../../i18n';

/**
 * 发票申请: 发票抬头 and 纳税人识别号 prefilled from the application (机构名称, 统一社会信用代码),
 * the email too and changeable; the platform checks them with the core's rules and says which field
 * is wrong.
 */
export default function InvoiceRequest({
  row,
  onClose,
  onDone,
}: {
  row: OrderRow | null;
  onClose: () => void;
  onDone: (row: OrderRow) => void;
}) {
  const { t } = useLocale();
  const [form] = Form.useForm<InvoiceApplication>();
  const orderNo = row?.order.orderNo;
  const client = useQueryClient();
  const prefill = useQuery({
    queryKey: ['orders', orderNo, 'invoice-prefill'],
    queryFn: () => api.invoicePrefill(orderNo!),
    enabled: orderNo !== undefined,
  });
  useEffect(() => {
    if (prefill.data) form.setFieldsValue(prefill.data);
  }, [prefill.data, form]);
  const submit = useMutation({
    mutationFn: (values: InvoiceApplication) => api.requestInvoice(orderNo!, values),
    onSuccess: (updated) => {
      void client.invalidateQueries({ queryKey: ['orders'] });
      onDone(updated);
    },
    onError: (e) => {
      if (e instanceof CommandError && e.invoiceFields.length > 0) {
        form.setFields(e.invoiceFields.map((f) => ({ name: f.field, errors: [f.message] })));
      }
    },
  });
  const { reset } = submit;
  useEffect(() => {
    if (!row) reset();
  }, [row, reset]);
  const fieldErrors = submit.error instanceof CommandError && submit.error.invoiceFields.length > 0;

  return (
    <Modal
      title={row ? t('invoice.title', { orderNo: row.order.orderNo }) : undefined}
      open={row !== null}
      onCancel={onClose}
      okText={t('invoice.submit')}
      cancelText={t('invoice.cancel')}
      okButtonProps={{ id: 'invoice-submit', disabled: !prefill.data }}
      confirmLoading={submit.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
      rootClassName="invoice-request"
    >
      {prefill.isLoading && <Spin tip={t('invoice.loading')} />}
      {prefill.isError && <Alert type="error" showIcon title={errorMessage(prefill.error)} />}
      <Form form={form} layout="vertical" name="invoice" onFinish={(v) => submit.mutate(v)}>
        <Form.Item label={t('invoice.kind')}>{t('invoice.kindValue')}</Form.Item>
        {row && <Form.Item label={t('invoice.amount')}>{formatFen(row.order.fee)}</Form.Item>}
        <Form.Item name="title" label={t('invoice.invoiceTitle')} rules={[{ required: true, whitespace: true }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item
          name="taxpayerId"
          label={t('invoice.taxpayerId')}
          extra={t('invoice.taxpayerIdHint')}
          rules={[{ required: true, whitespace: true }]}
        >
          <Input maxLength={18} />
        </Form.Item>
        <Form.Item name="email" label={t('invoice.email')} extra={t('invoice.emailHint')} rules={[{ required: true }]}>
          <Input maxLength={100} />
        </Form.Item>
      </Form>
      {submit.isError && !fieldErrors && (
        <Alert id="invoice-error" type="error" showIcon title={errorMessage(submit.error)} />
      )}
    </Modal>
  );
}
