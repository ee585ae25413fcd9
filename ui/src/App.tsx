import { QueryCache, QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Alert, App as AntApp, Breadcrumb, Button, ConfigProvider, Layout, Menu, Select, Space, Spin, Tag, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
// antd's styles as one stylesheet, parsed once by WebKit, instead of generated in script by each
// component as it renders (zeroRuntime below): the first screen's start is in docs/benchmarks.md.
import 'antd/dist/antd.css';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { api, CommandError, onOrderStatusChanged, type LocalKeyNotice as LocalKeyNoticeView } from './api';
import OnceOpened from './components/OnceOpened';
import { setLocale, useLocale, type Locale } from './i18n';
import AboutButton from './pages/about/AboutDialog';
import LoginPage, { accountKey } from './pages/account/LoginPage';
import ApplyListPage from './pages/ca/apply';
import { FIRST_PAGE, orderKeys } from './pages/ca/apply/service';
import { staffKeys } from './pages/staff/service';

const { Header, Sider, Content } = Layout;

// What the first screen (CA证书申领, or the login) does not show loads when first asked for.
const AccountSettings = lazy(() => import('./pages/account/AccountSettings'));
const DemoMailbox = lazy(() => import('./pages/account/DemoMailbox'));
const CertificateBindingPage = lazy(() => import('./pages/ca/binding'));
const CertificateManagePage = lazy(() => import('./pages/ca/manage'));
const Workbench = lazy(() => import('./pages/staff/workbench'));

export function createQueryClient() {
  const client: QueryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true } },
    // The platform ended the session (expired, or logged out elsewhere): back to the login screen.
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (!(error instanceof CommandError && error.code === 'unauthorized')) return;
        // A staff query refused forgets the staff session only; the organisation stays signed in.
        if (query.queryKey[0] === staffKeys.all[0]) {
          void api.forgetStaffSession().finally(() => client.setQueryData(staffKeys.account, null));
        } else {
          void api.forgetSession().finally(() => client.setQueryData(accountKey, null));
        }
      },
    }),
  });
  return client;
}

// antd's default theme (the stylesheet's), nothing generated at run time: a token set here would not apply.
const ZERO_RUNTIME = { zeroRuntime: true } as const;

/** Providers every page needs: the locale (zh_CN by default), antd's message context and the query cache. */
export function AppProviders({ children, queryClient }: { children: React.ReactNode; queryClient: QueryClient }) {
  const { locale } = useLocale();
  useEffect(() => {
    dayjs.locale(locale === 'en-US' ? 'en' : 'zh-cn');
  }, [locale]);
  return (
    <ConfigProvider locale={locale === 'en-US' ? enUS : zhCN} theme={ZERO_RUNTIME}>
      <AntApp>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}

/** The signed-in organisation in the header, 账户设置, the demo's 演示邮箱, and 退出登录 (not for
 * the demo organisation). */
function AccountBar() {
  const { t } = useLocale();
  const client = useQueryClient();
  const account = useQuery({ queryKey: accountKey, queryFn: api.account });
  const [settings, setSettings] = useState(false);
  const [mailbox, setMailbox] = useState(false);
  if (!account.data) return null;
  return (
    <Space>
      <Typography.Text style={{ color: '#fff' }} id="account-name">
        {account.data.organisationName}（{account.data.username}）
      </Typography.Text>
      <Button size="small" id="account-settings" onClick={() => setSettings(true)}>
        {t('account.settings')}
      </Button>
      <OnceOpened open={settings}>
        <AccountSettings open={settings} onClose={() => setSettings(false)} />
      </OnceOpened>
      {account.data.demo && (
        <>
          <Button size="small" id="demo-mailbox" onClick={() => setMailbox(true)}>
            {t('mailbox.title')}
          </Button>
          <OnceOpened open={mailbox}>
            <DemoMailbox open={mailbox} onClose={() => setMailbox(false)} />
          </OnceOpened>
        </>
      )}
      {account.data.demo && <Tag color="gold">{t('shell.demo')}</Tag>}
      <Button
        id="log-out"
        size="small"
        onClick={async () => {
          await api.logOut().catch(() => api.forgetSession());
          client.setQueryData(accountKey, null);
          client.removeQueries({ queryKey: ['orders'] });
        }}
      >
        {t('shell.logOut')}
      </Button>
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
  const { t, status } = useLocale();
  useEffect(() => {
    let stop: (() => void) | undefined;
    let ended = false;
    onOrderStatusChanged((change) => {
      void client.invalidateQueries({ queryKey: ['orders'] });
      notification.info({
        key: `status-${change.orderNo}`,
        className: 'status-change-notice',
        title: t('notice.title'),
        description: t(change.reason ? 'notice.rejected' : 'notice.changed', {
          orderNo: change.orderNo,
          status: status(change),
          reason: change.reason,
        }),
      });
    })
      .then((unlisten) => (ended ? unlisten() : (stop = unlisten)))
      // Outside the app (unit tests without the event bridge) there is nothing to listen to.
      .catch(() => undefined);
    return () => {
      ended = true;
      stop?.();
    };
  }, [client, notification, t, status]);
}

/** 语言 / Language: zh-CN by default; remembered on this computer. */
function LanguageSwitch() {
  const { t, locale } = useLocale();
  return (
    <Select<Locale>
      id="language"
      size="small"
      aria-label={t('shell.language')}
      value={locale}
      onChange={setLocale}
      style={{ width: 96 }}
      options={[
        { value: 'zh-CN', label: '中文' },
        { value: 'en-US', label: 'English' },
      ]}
    />
  );
}

/**
 * What happened to the key of the data kept on this computer, told once at start: a keychain that
 * refused (sign in again; the kept drafts come back once access is allowed) or a key that was removed
 * (what it sealed was cleared).
 */
function LocalKeyNotice({ notice }: { notice: LocalKeyNoticeView | null }) {
  const { t } = useLocale();
  if (!notice) return null;
  const text =
    notice.kind === 'replaced'
      ? t('shell.keyReplaced', { drafts: notice.drafts, sessions: notice.sessions })
      : t(notice.denied ? 'shell.keyDenied' : 'shell.keyUnavailable', { reason: notice.reason });
  return <Alert id="local-key-notice" type="warning" showIcon closable banner title={text} />;
}

/** The signed-in app, or the login screen. */
export function Shell() {
  useStatusChangeNotices();
  const { t } = useLocale();
  const account = useQuery({ queryKey: accountKey, queryFn: api.account });
  const info = useQuery({ queryKey: ['app-info'], queryFn: api.appInfo, staleTime: Infinity });
  // The organisation's side (申领) or the staff's (工作台): both sessions stay signed in.
  const [side, setSide] = useState<'apply' | 'staff'>('apply');
  // The guide's CA管理 menu: CA证书管理, CA绑定与解绑, CA证书申领.
  const [page, setPage] = useState<'ca-manage' | 'ca-binding' | 'ca-apply'>('ca-apply');
  const pageTitle = { 'ca-manage': t('ca.menuManage'), 'ca-binding': t('ca.menuBinding'), 'ca-apply': t('shell.menuApply') }[page];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header style={{ display: 'flex', alignItems: 'center', gap: 16 }}>
        <Typography.Title level={4} style={{ color: '#fff', margin: 0 }}>
          {t('shell.title')}
        </Typography.Title>
        <Typography.Text style={{ color: 'rgba(255,255,255,0.75)' }}>{t('shell.subtitle')}</Typography.Text>
        <Space style={{ marginLeft: 'auto' }}>
          {side === 'apply' ? <AccountBar /> : null}
          <Button size="small" id="switch-side" onClick={() => setSide(side === 'apply' ? 'staff' : 'apply')}>
            {side === 'apply' ? t('staff.workbench') : t('staff.backToApply')}
          </Button>
          <AboutButton />
          <LanguageSwitch />
        </Space>
      </Header>
      <LocalKeyNotice notice={info.data?.localKeyNotice ?? null} />
      {side === 'staff' ? (
        <Suspense fallback={<Spin style={{ marginTop: 64 }} />}>
          <Workbench />
        </Suspense>
      ) : account.isLoading ? (
        <Spin style={{ marginTop: 64 }} />
      ) : !account.data ? (
        <LoginPage
          platformUrl={info.data?.platformUrl}
          embedded={info.data?.embedded ?? false}
          onStaffSignedIn={() => setSide('staff')}
        />
      ) : (
        <Layout>
          <Sider width={200} theme="light">
            <Menu
              mode="inline"
              defaultOpenKeys={['ca']}
              selectedKeys={[page]}
              onClick={({ key }) => setPage(key as typeof page)}
              items={[
                {
                  key: 'ca',
                  label: t('shell.menuCa'),
                  children: [
                    { key: 'ca-manage', label: t('ca.menuManage') },
                    { key: 'ca-binding', label: t('ca.menuBinding') },
                    { key: 'ca-apply', label: t('shell.menuApply') },
                  ],
                },
              ]}
            />
          </Sider>
          <Content style={{ padding: 24 }}>
            <Breadcrumb items={[{ title: t('shell.menuCa') }, { title: pageTitle }]} style={{ marginBottom: 16 }} />
            <Suspense fallback={<Spin />}>
              {page === 'ca-manage' ? <CertificateManagePage /> : page === 'ca-binding' ? <CertificateBindingPage /> : <ApplyListPage />}
            </Suspense>
          </Content>
        </Layout>
      )}
    </Layout>
  );
}

const queryClient = createQueryClient();

/**
 * The first screen's data asked for as the scripts finish, before React has rendered anything: the
 * account, then (signed in) the list's first page, so that the list renders with its orders instead of
 * asking for them once it has mounted.
 */
export function prefetchFirstScreen() {
  queryClient
    .fetchQuery({ queryKey: accountKey, queryFn: api.account })
    .then((account) => {
      performance.mark?.('certdesk:account');
      if (account) {
        void queryClient
          .prefetchQuery({ queryKey: orderKeys.page(FIRST_PAGE), queryFn: () => api.listOrders(FIRST_PAGE) })
          .then(() => performance.mark?.('certdesk:page'));
      }
    })
    .catch(() => undefined);
}

export default function App() {
  return (
    <AppProviders queryClient={queryClient}>
      <Shell />
    </AppProviders>
  );
}
