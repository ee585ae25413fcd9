import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Modal, Space, Switch, Typography } from 'antd';
import { api, errorMessage } from '../../api';
import { useLocale } from '../../i18n';

const settingsKey = ['account', 'settings'] as const;

/** 账户设置: whether the organisation receives an email at each status change (the invoice is
 * always sent). Kept by the platform, so it holds on every computer. */
export default function AccountSettings({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useLocale();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: settingsKey, queryFn: api.accountSettings, enabled: open });
  const change = useMutation({
    mutationFn: (statusNotices: boolean) => api.changeAccountSettings({ statusNotices }),
    onSuccess: (saved) => client.setQueryData(settingsKey, saved),
  });
  return (
    <Modal
      title={t('account.settings')}
      open={open}
      onCancel={onClose}
      footer={<Button onClick={onClose}>{t('account.close')}</Button>}
      rootClassName="account-settings"
    >
      {settings.isError && <Alert type="error" showIcon title={errorMessage(settings.error)} />}
      <Space orientation="vertical">
        <Space>
          <Switch
            id="status-notices"
            checked={settings.data?.statusNotices ?? true}
            disabled={!settings.data}
            loading={change.isPending}
            onChange={(on) => change.mutate(on)}
          />
          <Typography.Text>{t('account.notices')}</Typography.Text>
        </Space>
        <Typography.Text type="secondary">{t('account.noticesHint')}</Typography.Text>
        {change.isSuccess && <Alert id="account-settings-saved" type="success" showIcon title={t('account.saved')} />}
        {change.isError && <Alert type="error" showIcon title={errorMessage(change.error)} />}
      </Space>
    </Modal>
  );
}
