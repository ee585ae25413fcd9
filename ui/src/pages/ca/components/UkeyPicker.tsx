import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Select, Space } from 'antd';
import { api } from '../../../api';
import { useLocale } from '../../../i18n';

export type UkeyPinValues = { serial: string; pin: string };

/** The UKey plugged in to use, and its PIN (which goes to the UKey and nowhere else). */
export default function UkeyPicker({ enabled = true }: { enabled?: boolean }) {
  const { t } = useLocale();
  const ukeys = useQuery({ queryKey: ['ukeys'], queryFn: api.listUkeys, enabled });
  return (
    <>
      {ukeys.data?.problems.map((p) => <Alert key={p} type="warning" showIcon title={p} style={{ marginBottom: 12 }} />)}
      <Form.Item label={t('ca.chooseUkey')} required>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item name="serial" noStyle rules={[{ required: true, message: t('ca.chooseUkey') }]}>
            <Select
              className="ukey-select"
              placeholder={t('ca.chooseUkey')}
              loading={ukeys.isFetching}
              notFoundContent={t('ca.noUkeys')}
              options={(ukeys.data?.ukeys ?? []).map((u) => ({
                value: u.serial,
                label: `${u.label}（${u.driver} · ${u.serial}）${u.pinNote ? ` · ${u.pinNote}` : ''}`,
                disabled: u.locked,
              }))}
            />
          </Form.Item>
          <Button onClick={() => void ukeys.refetch()}>{t('ca.refresh')}</Button>
        </Space.Compact>
      </Form.Item>
      <Form.Item name="pin" label={t('ca.pin')} rules={[{ required: true, message: t('ca.pinRequired') }]}>
        <Input.Password autoComplete="off" maxLength={32} />
      </Form.Item>
    </>
  );
}
