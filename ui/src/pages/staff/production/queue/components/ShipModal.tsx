import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Descriptions, Form, Input, Modal, Select } from 'antd';
import { api, errorMessage } from '../../../../../api';
import { useLocale } from '../../../../../i18n';
import UkeyWriter from '../../../components/UkeyWriter';
import { staffKeys } from '../../../service';

/** The couriers the platform ships with; the record keeps the Chinese name. */
export const COURIERS = [
  { zh: '顺丰速运', en: 'SF Express' },
  { zh: 'EMS', en: 'EMS' },
  { zh: '京东物流', en: 'JD Logistics' },
  { zh: '中通快递', en: 'ZTO Express' },
  { zh: '圆通速递', en: 'YTO Express' },
  { zh: '韵达快递', en: 'Yunda Express' },
  { zh: '申通快递', en: 'STO Express' },
];

type Values = { courier: string; trackingNo: string };

/** 制证 and 邮寄: where it goes (from the application), the courier and its tracking number. */
export default function ShipModal({ orderNo, onClose }: { orderNo: string | null; onClose: () => void }) {
  const { t, locale, status } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<Values>();
  const order = useQuery({
    queryKey: staffKeys.order(orderNo ?? ''),
    queryFn: () => api.staffOrder(orderNo ?? ''),
    enabled: orderNo !== null,
  });
  const ship = useMutation({
    mutationFn: ({ courier, trackingNo }: Values) => api.shipOrder(orderNo!, courier, trackingNo),
    onSuccess: (row) => {
      message.success(t('staff.done', { orderNo: row.order.orderNo, status: status(row) }));
      void client.invalidateQueries({ queryKey: staffKeys.all });
      onClose();
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const app = order.data?.application;
  const view = order.data;
  const issuedCount = view?.certificates.filter((c) => c.status === 'valid').length ?? 0;
  const missing = Math.max(0, (view?.row.order.quantity ?? 0) - issuedCount);
  return (
    <Modal
      title={orderNo ? t('staff.shipTitle', { orderNo }) : ''}
      open={orderNo !== null}
      okText={t('staff.ship')}
      cancelText={t('staff.cancel')}
      okButtonProps={{ id: 'ship-submit', loading: ship.isPending, disabled: !view || missing > 0 }}
      width={760}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {order.error && <Alert type="error" showIcon title={order.error.message} />}
      {app && app.delivery === 'counter' && (
        <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('staff.deliveryCounter')} />
      )}
      {app && app.delivery === 'mail' && (
        <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }} id="ship-to">
          <Descriptions.Item label={t('staff.recipient')}>
            {app.recipient}（{app.recipientMobile}）
          </Descriptions.Item>
          <Descriptions.Item label={t('field.address')}>{app.address}</Descriptions.Item>
        </Descriptions>
      )}
      {view && app && (
        <div style={{ marginBottom: 16 }}>
          <UkeyWriter
            orderNo={orderNo!}
            organisationName={app.organisationName}
            quantity={view.row.order.quantity}
            certificates={view.certificates}
          />
        </div>
      )}
      {view && missing > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('ukey.certificatesMissing', { quantity: view.row.order.quantity, issued: issuedCount })}
        />
      )}
      <Form form={form} name="shipment" layout="vertical" preserve={false} onFinish={(v) => ship.mutate(v)}>
        <Form.Item name="courier" label={t('staff.courier')} rules={[{ required: true, message: t('staff.enterCourier') }]}>
          <Select
            options={COURIERS.map((c) => ({ value: c.zh, label: locale === 'en-US' ? c.en : c.zh }))}
          />
        </Form.Item>
        <Form.Item
          name="trackingNo"
          label={t('staff.trackingNo')}
          rules={[{ required: true, whitespace: true, message: t('staff.enterTracking') }]}
        >
          <Input maxLength={40} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
