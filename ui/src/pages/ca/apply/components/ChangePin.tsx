import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Modal, Select, Space } from 'antd';
import { useEffect } from 'react';
import { api, errorMessage } from '../../../../api';
import { useLocale } from '../../../../i18n';

type Values = { ukeySerial: string; oldPin: string; newPin: string; confirmPin: string };

/** What a new PIN must look like here; the UKey may refuse more (its own length limits). */
export const NEW_PIN_PATTERN = /^[0-9A-Za-z]{6,16}$/;

/** 修改PIN: the organisation replaces the PIN of the 密码信封 with its own at first use. The PINs
 * go to the UKey and nowhere else. */
export default function ChangePin({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useLocale();
  const [form] = Form.useForm<Values>();
  const ukeys = useQuery({ queryKey: ['ukeys'], queryFn: api.listUkeys, enabled: open });
  const change = useMutation({
    mutationFn: (v: Values) => api.changeUkeyPin(v.ukeySerial, v.oldPin, v.newPin),
    onSuccess: () => form.resetFields(['oldPin', 'newPin', 'confirmPin']),
  });
  const { reset } = change;
  useEffect(() => {
    if (!open) reset();
  }, [open, reset]);

  return (
    <Modal title={t('pin.title')} open={open} onCancel={onClose} footer={null} destroyOnHidden rootClassName="change-pin">
      <Form form={form} layout="vertical" name="change-pin" onFinish={(v) => change.mutate(v)}>
        {ukeys.data?.problems.map((p) => <Alert key={p} type="warning" showIcon title={p} style={{ marginBottom: 12 }} />)}
        <Form.Item label={t('pin.ukey')} required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item name="ukeySerial" noStyle rules={[{ required: true, message: t('pin.choose') }]}>
              <Select
                placeholder={t('pin.choose')}
                loading={ukeys.isFetching}
                notFoundContent={t('ukey.none')}
                options={(ukeys.data?.ukeys ?? []).map((u) => ({
                  value: u.serial,
                  label: `${u.label}（${u.serial}）`,
                  disabled: u.locked,
                }))}
              />
            </Form.Item>
            <Button onClick={() => void ukeys.refetch()}>{t('ukey.refresh')}</Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item name="oldPin" label={t('pin.old')} rules={[{ required: true, message: t('pin.oldRequired') }]}>
          <Input.Password autoComplete="off" maxLength={32} />
        </Form.Item>
        <Form.Item
          name="newPin"
          label={t('pin.new')}
          dependencies={['oldPin']}
          rules={[
            { required: true, pattern: NEW_PIN_PATTERN, message: t('pin.newRule') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                value && value === getFieldValue('oldPin') ? Promise.reject(new Error(t('pin.newSame'))) : Promise.resolve(),
            }),
          ]}
        >
          <Input.Password autoComplete="off" maxLength={16} />
        </Form.Item>
        <Form.Item
          name="confirmPin"
          label={t('pin.confirm')}
          dependencies={['newPin']}
          rules={[
            { required: true, message: t('pin.mismatch') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                value && value !== getFieldValue('newPin') ? Promise.reject(new Error(t('pin.mismatch'))) : Promise.resolve(),
            }),
          ]}
        >
          <Input.Password autoComplete="off" maxLength={16} />
        </Form.Item>
        {change.isError && (
          <Alert id="change-pin-error" type="error" showIcon title={errorMessage(change.error)} style={{ marginBottom: 12 }} />
        )}
        {change.isSuccess && (
          <Alert id="change-pin-done" type="success" showIcon title={t('pin.done')} style={{ marginBottom: 12 }} />
        )}
        <Button type="primary" htmlType="submit" id="change-pin-submit" loading={change.isPending}>
          {t('pin.submit')}
        </Button>
      </Form>
    </Modal>
  );
}
