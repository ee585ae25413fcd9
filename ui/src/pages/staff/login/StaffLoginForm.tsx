import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage } from '../../../api';
import { useLocale } from '../../../i18n';
import { staffKeys } from '../service';

type Values = { username: string; password: string };

/** 员工登录: the staff member's account; on the embedded platform, the demo staff are listed. */
export default function StaffLoginForm({ onSignedIn }: { onSignedIn?: () => void }) {
  const client = useQueryClient();
  const { message } = App.useApp();
  const { t } = useLocale();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const demo = useQuery({ queryKey: staffKeys.demo, queryFn: api.demoStaff, staleTime: Infinity });
  const roleName = { reviewer: t('staff.roleReviewer'), producer: t('staff.roleProducer'), counter: t('staff.roleCounter'), admin: t('staff.roleAdmin') };

  const submit = async ({ username, password }: Values) => {
    setBusy(true);
    try {
      const account = await api.staffLogIn(username, password);
      client.setQueryData(staffKeys.account, account);
      await client.invalidateQueries({ queryKey: staffKeys.all, predicate: (q) => q.queryKey[1] !== 'account' });
      message.success(t('staff.signedIn', { name: account.displayName }));
      onSignedIn?.();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} name="staff-login" layout="vertical" onFinish={submit}>
      <Typography.Paragraph type="secondary">{t('staff.loginIntro')}</Typography.Paragraph>
      {demo.data?.password && demo.data.accounts.length > 0 && (
        <Alert
          id="demo-staff"
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('staff.demoAccounts', { password: demo.data.password })}
          description={
            <Space orientation="vertical" size={4}>
              {demo.data.accounts.map((account) => (
                <Space key={account.username} wrap>
                  <Typography.Text code>{account.username}</Typography.Text>
                  <span>{account.displayName}</span>
                  {account.roles.map((role) => (
                    <Tag key={role}>{roleName[role]}</Tag>
                  ))}
                  <Button
                    size="small"
                    type="link"
                    className={`use-demo-${account.username}`}
                    onClick={() => form.setFieldsValue({ username: account.username, password: demo.data?.password ?? '' })}
                  >
                    {t('staff.useDemo')}
                  </Button>
                </Space>
              ))}
            </Space>
          }
        />
      )}
      <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.enterUsername') }]}>
        <Input autoComplete="username" />
      </Form.Item>
      <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.enterPassword') }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy} id="staff-login-submit">
        {t('staff.submitLogin')}
      </Button>
    </Form>
  );
}
