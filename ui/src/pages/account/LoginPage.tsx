import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { api, CommandError, type AccountView, type Registration } from '../../api';

export const accountKey = ['account'] as const;

type LoginValues = { username: string; password: string };
type RegisterValues = Registration & { confirm: string };

/** 登录 / 注册: the organisation's account on the platform. The session is kept sealed by the app. */
export default function LoginPage({ platformUrl }: { platformUrl?: string }) {
  const client = useQueryClient();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [loginForm] = Form.useForm<LoginValues>();
  const [registerForm] = Form.useForm<RegisterValues>();

  const signedIn = (account: AccountView) => {
    client.setQueryData(accountKey, account);
    client.invalidateQueries({ queryKey: ['orders'] });
    message.success(`欢迎，${account.organisationName}`);
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
      message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 64 }}>
      <Card style={{ width: 440 }} id="login">
        <Typography.Title level={3} style={{ textAlign: 'center' }}>
          证书办理台
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
          使用机构账号登录政府采购云平台，办理CA数字证书
        </Typography.Paragraph>
        {platformUrl && <Alert type="info" showIcon style={{ marginBottom: 16 }} title={`平台：${platformUrl}`} />}
        <Tabs
          items={[
            {
              key: 'login',
              label: '登录',
              children: (
                <Form
                  form={loginForm}
                  name="login"
                  layout="vertical"
                  onFinish={(v) => run(() => api.logIn(v.username, v.password))}
                >
                  <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请输入用户名' }]}>
                    <Input autoComplete="username" />
                  </Form.Item>
                  <Form.Item name="password" label="密码" rules={[{ required: true, message: '请输入密码' }]}>
                    <Input.Password autoComplete="current-password" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={busy} id="login-submit">
                    登录
                  </Button>
                </Form>
              ),
            },
            {
              key: 'register',
              label: '注册机构账号',
              children: (
                <Form
                  form={registerForm}
                  name="register"
                  layout="vertical"
                  onFinish={({ confirm: _confirm, ...registration }) =>
                    run(() => api.register(registration))
                  }
                >
                  <Form.Item name="organisationName" label="机构名称" rules={[{ required: true, message: '请输入机构名称' }]}>
                    <Input maxLength={100} />
                  </Form.Item>
                  <Form.Item
                    name="creditCode"
                    label="统一社会信用代码"
                    rules={[{ required: true, message: '请输入统一社会信用代码' }]}
                  >
                    <Input maxLength={18} />
                  </Form.Item>
                  <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请输入用户名' }]}>
                    <Input autoComplete="username" />
                  </Form.Item>
                  <Form.Item
                    name="password"
                    label="密码"
                    extra="至少10位"
                    rules={[{ required: true, message: '请输入密码' }]}
                  >
                    <Input.Password autoComplete="new-password" />
                  </Form.Item>
                  <Form.Item
                    name="confirm"
                    label="确认密码"
                    dependencies={['password']}
                    rules={[
                      { required: true, message: '请再次输入密码' },
                      ({ getFieldValue }) => ({
                        validator: (_, value) =>
                          !value || value === getFieldValue('password')
                            ? Promise.resolve()
                            : Promise.reject(new Error('两次输入的密码不一致')),
                      }),
                    ]}
                  >
                    <Input.Password autoComplete="new-password" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={busy} id="register-submit">
                    注册并登录
                  </Button>
                </Form>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
