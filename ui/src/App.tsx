import { QueryCache, QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { App as AntApp, Breadcrumb, Button, ConfigProvider, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import 'dayjs/locale/zh-cn';
import { api, CommandError, onOrderStatusChanged } from './api';
import LoginPage, { accountKey } from './pages/account/LoginPage';
import ApplyListPage from './pages/ca/apply';

const { Header, Sider, Content } = Layout;

export function createQueryClient() {
  const client: QueryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true } },
    // The platform ended the session (expired, or logged out elsewhere): back to the login screen.
    queryCache: new QueryCache({
      onError: (error) => {
        if (error instanceof CommandError && error.code === 'unauthorized') {
          void api.forgetSession().finally(() => client.setQueryData(accountKey, null));
        }
      },
    }),
  });
  return client;
}

/** Providers every page needs: the zh_CN locale, antd's message context and the query cache. */
export function AppProviders({ children, queryClient }: { children: React.ReactNode; queryClient: QueryClient }) {
  return (
    <ConfigProvider locale={zhCN} theme={{ token: { colorPrimary: '#1677ff' } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}

/** The signed-in organisation in the header, and 退出登录 (not for the demo organisation). */
function AccountBar() {
  const client = useQueryClient();
  const account = useQuery({ queryKey: accountKey, queryFn: api.account });
  if (!account.data) return null;
  return (
    <Space style={{ marginLeft: 'auto' }}>
      <Typography.Text style={{ color: '#fff' }} id="account-name">
        {account.data.organisationName}（{account.data.username}）
      </Typography.Text>
      {account.data.demo ? (
        <Tag color="gold">演示环境</Tag>
      ) : (
        <Button
          size="small"
          onClick={async () => {
            await api.logOut().catch(() => api.forgetSession());
            client.setQueryData(accountKey, null);
            client.removeQueries({ queryKey: ['orders'] });
          }}
        >
          退出登录
        </Button>
      )}
    </Space>
  );
}

/**
 * When the platform changes an order (reviewed, produced, mailed), the list refreshes and a notice
 * says what changed; the desktop notification is sent by the app itself.
 */
function useStatusChangeNotices() {
  const client = useQueryClient();
  const { notification } = AntApp.useApp();
  useEffect(() => {
    let stop: (() => void) | undefined;
    let ended = false;
    onOrderStatusChanged((change) => {
      void client.invalidateQueries({ queryKey: ['orders'] });
      notification.info({
        key: `status-${change.orderNo}`,
        className: 'status-change-notice',
        title: '申领状态更新',
        description: change.reason
          ? `订单 ${change.orderNo}：${change.statusZh}，不通过理由：${change.reason}`
          : `订单 ${change.orderNo}：${change.statusZh}`,
      });
    })
      .then((unlisten) => (ended ? unlisten() : (stop = unlisten)))
      // Outside the app (unit tests without the event bridge) there is nothing to listen to.
      .catch(() => undefined);
    return () => {
      ended = true;
      stop?.();
    };
  }, [client, notification]);
}

/** The signed-in app, or the login screen. */
export function Shell() {
  useStatusChangeNotices();
  const account = useQuery({ queryKey: accountKey, queryFn: api.account });
  const info = useQuery({ queryKey: ['app-info'], queryFn: api.appInfo, staleTime: Infinity });
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header style={{ display: 'flex', alignItems: 'center', gap: 16 }}>
        <Typography.Title level={4} style={{ color: '#fff', margin: 0 }}>
          证书办理台
        </Typography.Title>
        <Typography.Text style={{ color: 'rgba(255,255,255,0.75)' }}>政府采购云平台 · CA管理</Typography.Text>
        <AccountBar />
      </Header>
      {account.isLoading ? (
        <Spin style={{ marginTop: 64 }} />
      ) : !account.data ? (
        <LoginPage platformUrl={info.data?.platformUrl} />
      ) : (
        <Layout>
          <Sider width={200} theme="light">
            <Menu
              mode="inline"
              defaultOpenKeys={['ca']}
              selectedKeys={['ca-apply']}
              items={[
                {
                  key: 'ca',
                  label: 'CA管理',
                  children: [{ key: 'ca-apply', label: 'CA证书申领' }],
                },
              ]}
            />
          </Sider>
          <Content style={{ padding: 24 }}>
            <Breadcrumb items={[{ title: 'CA管理' }, { title: 'CA证书申领' }]} style={{ marginBottom: 16 }} />
            <ApplyListPage />
          </Content>
        </Layout>
      )}
    </Layout>
  );
}

const queryClient = createQueryClient();

export default function App() {
  return (
    <AppProviders queryClient={queryClient}>
      <Shell />
    </AppProviders>
  );
}
