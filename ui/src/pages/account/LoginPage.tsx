import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { api, CommandError, errorMessage, type AccountView, type Registration } from '../../api';
import { useLocale } from '../../i18n';
import UkeyPicker, { type UkeyPinValues } from '../ca/components/UkeyPicker';
import StaffLoginForm from '../staff/login/StaffLoginForm';

export const accountKey = ['account'] as const;

type LoginValues = { username: string; password: string };
type RegisterValues = Registration & { confirm: string };

/** 登录 / 注册: the organisation's account on the platform; 员工登录 for the platform's staff. Sessions
 * are kept sealed by the app. */
export default function LoginPage({
  platformUrl,
  embedded = false,
  onStaffSignedIn,
}: {
  platformUrl?: string;
  /** The app runs its own demo platform: the demo organisation is one click away. */
  embedded?: boolean;
  onStaffSignedIn?: () => void;
}) {
  const client = useQueryClient();
  const { message } = App.useApp();
  const { t } = useLocale();
  const [busy, setBusy] = useState(false);
  const [loginForm] = Form.useForm<LoginValues>();
  const [registerForm] = Form.useForm<RegisterValues>();
  const [ukeyForm] = Form.useForm<UkeyPinValues>();
  const [tab, setTab] = useState('login');

  const signedIn = (account: AccountView) => {
    client.setQueryData(accountKey, account);
    client.invalidateQueries({ queryKey: ['orders'] });
    message.success(t('login.welcome', { name: account.organisationName }));
  };

  const run = async (work: () => Promise<AccountView>) => {
    setBusy(true);
    try {
      signedIn(await work());
    } catch (e) {
      // Registration refusals name their field (机构名称, 统一社会信用代码).
      if (e instanceof CommandError && e.fields.length > 0) {
        registerForm.setFields(
          e.fields
            .filter((f) => f.field === 'organisationName' || f.field === 'creditCode')
            .map((f) => ({ name: f.field as 'organisationName' | 'creditCode', errors: [f.message] })),
        );
      }
      message.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 64 }}>
      <Card style={{ width: 440 }} id="login">
        <Typography.Title level={3} style={{ textAlign: 'center' }}>
          {t('shell.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
          {t('login.intro')}
        </Typography.Paragraph>
        {platformUrl && (
          <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('login.platform', { url: platformUrl })} />
        )}
        {embedded && (
          <Button block style={{ marginBottom: 16 }} id="demo-log-in" onClick={() => run(api.demoLogIn)}>
            {t('login.demoLogIn')}
          </Button>
        )}
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            {
              key: 'login',
              label: t('login.tabLogin'),
              children: (
                <Form
                  form={loginForm}
                  name="login"
                  layout="vertical"
                  onFinish={(v) => run(() => api.logIn(v.username, v.password))}
                >
                  <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.enterUsername') }]}>
                    <Input autoComplete="username" />
                  </Form.Item>
                  <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.enterPassword') }]}>
                    <Input.Password autoComplete="current-password" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={busy} id="login-submit">
                    {t('login.submitLogin')}
                  </Button>
                </Form>
              ),
            },
            {
              key: 'ukey',
              label: t('login.ukeyTab'),
              children: (
                <Form
                  form={ukeyForm}
                  name="ukey-login"
                  layout="vertical"
                  onFinish={(v) => run(() => api.logInWithUkey(v.serial, v.pin))}
                >
                  <Typography.Paragraph type="secondary">{t('login.ukeyHint')}</Typography.Paragraph>
                  <UkeyPicker enabled={tab === 'ukey'} />
                  <Button type="primary" htmlType="submit" block loading={busy} id="ukey-login-submit">
                    {t('login.ukeySubmit')}
                  </Button>
                </Form>
              ),
            },
            {
              key: 'register',
              label: t('login.tabRegister'),
              children: (
                <Form
                  form={registerForm}
                  name="register"
                  layout="vertical"
                  onFinish={({ confirm: _confirm, ...registration }) =>
                    run(() => api.register(registration))
                  }
                >
                  <Form.Item name="organisationName"
                    label={t('field.organisationName')}
                    rules={[{ required: true, message: t('login.enterOrganisation') }]}>
                    <Input maxLength={100} />
                  </Form.Item>
                  <Form.Item
                    name="creditCode"
                    label={t('field.creditCode')}
                    rules={[{ required: true, message: t('login.enterCreditCode') }]}
                  >
                    <Input maxLength={18} />
                  </Form.Item>
                  <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.enterUsername') }]}>
                    <Input autoComplete="username" />
                  </Form.Item>
                  <Form.Item
                    name="password"
                    label={t('login.password')}
                    extra={t('login.passwordHint')}
                    rules={[{ required: true, message: t('login.enterPassword') }]}
                  >
                    <Input.Password autoComplete="new-password" />
                  </Form.Item>
                  <Form.Item
                    name="confirm"
                    label={t('login.confirm')}
                    dependencies={['password']}
                    rules={[
                      { required: true, message: t('login.enterAgain') },
                      ({ getFieldValue }) => ({
                        validator: (_, value) =>
                          !value || value === getFieldValue('password')
                            ? Promise.resolve()
                            : Promise.reject(new Error(t('login.mismatch'))),
                      }),
                    ]}
                  >
                    <Input.Password autoComplete="new-password" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={busy} id="register-submit">
                    {t('login.submitRegister')}
                  </Button>
                </Form>
              ),
            },
            {
              key: 'staff',
              label: t('staff.tabLogin'),
              children: <StaffLoginForm onSignedIn={onStaffSignedIn} />,
            },
          ]}
        />
      </Card>
    </div>
  );
}
