import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, Breadcrumb, ConfigProvider, Layout, Menu, Typography } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import 'dayjs/locale/zh-cn';
import ApplyListPage from './pages/ca/apply';

const { Header, Sider, Content } = Layout;

export function createQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true } } });
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

const queryClient = createQueryClient();

export default function App() {
  return (
    <AppProviders queryClient={queryClient}>
      <Layout style={{ minHeight: '100vh' }}>
        <Header style={{ display: 'flex', alignItems: 'center', gap: 16 }}>
          <Typography.Title level={4} style={{ color: '#fff', margin: 0 }}>
            证书办理台
          </Typography.Title>
          <Typography.Text style={{ color: 'rgba(255,255,255,0.75)' }}>政府采购云平台 · CA管理</Typography.Text>
        </Header>
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
      </Layout>
    </AppProviders>
  );
}
