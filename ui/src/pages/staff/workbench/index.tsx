import { useQueryClient } from '@tanstack/react-query';
import { App, Breadcrumb, Button, Card, Layout, Menu, Result, Space, Spin, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type StaffRole } from '../../../api';
import { useLocale } from '../../../i18n';
import StaffLoginForm from '../login/StaffLoginForm';
import StaffMembersPage from '../admin/members';
import AuditPage from '../admin/audit';
import CounterIntake from '../counter/intake';
import ProductionQueuePage from '../production/queue';
import ReviewQueuePage from '../review/queue';
import { menusFor, staffKeys, useStaffAccount, type StaffMenu } from '../service';

const { Sider, Content } = Layout;

/** 工作台: the staff member's menu (what their roles allow) and the page chosen; 员工登录 first. */
export default function Workbench() {
  const { t } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const account = useStaffAccount();
  const [chosen, setChosen] = useState<StaffMenu | null>(null);
  const roleName: Record<StaffRole, string> = {
    reviewer: t('staff.roleReviewer'),
    producer: t('staff.roleProducer'),
    counter: t('staff.roleCounter'),
    admin: t('staff.roleAdmin'),
  };

  if (account.isLoading) return <Spin style={{ marginTop: 64 }} />;
  if (!account.data) {
    return (
      <div style={{ display: 'flex', justifyContent: 'center', paddingTop: 48 }}>
        <Card style={{ width: 520 }} id="staff-login" title={t('staff.tabLogin')}>
          <StaffLoginForm />
        </Card>
      </div>
    );
  }
  const menus = menusFor(account.data.roles);
  const current = chosen && menus.includes(chosen) ? chosen : menus[0];
  const label: Record<StaffMenu, string> = {
    review: t('staff.menuReview'),
    production: t('staff.menuProduction'),
    counter: t('counter.menu'),
    admin: t('staff.menuAdmin'),
    audit: t('audit.menu'),
  };
  return (
    <Layout>
      <Sider width={200} theme="light">
        <Menu
          id="staff-menu"
          mode="inline"
          selectedKeys={current ? [current] : []}
          onClick={({ key }) => setChosen(key as StaffMenu)}
          items={menus.map((menu) => ({ key: menu, label: label[menu] }))}
        />
      </Sider>
      <Content style={{ padding: 24 }}>
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
          <Breadcrumb items={[{ title: t('staff.workbench') }, ...(current ? [{ title: label[current] }] : [])]} />
          <Space id="staff-account">
            <Typography.Text strong>{account.data.displayName}</Typography.Text>
            <Typography.Text type="secondary">（{account.data.username}）</Typography.Text>
            {account.data.roles.map((role) => (
              <Tag key={role} color="blue">
                {roleName[role]}
              </Tag>
            ))}
            <Button
              size="small"
              id="staff-log-out"
              onClick={async () => {
                try {
                  await api.staffLogOut();
                } catch (e) {
                  message.error(errorMessage(e));
                  await api.forgetStaffSession().catch(() => undefined);
                }
                client.setQueryData(staffKeys.account, null);
                client.removeQueries({ queryKey: staffKeys.all, predicate: (q) => q.queryKey[1] !== 'account' });
              }}
            >
              {t('staff.logOut')}
            </Button>
          </Space>
        </Space>
        {current === 'review' && <ReviewQueuePage />}
        {current === 'production' && <ProductionQueuePage />}
        {current === 'counter' && <CounterIntake />}
        {current === 'admin' && <StaffMembersPage />}
        {current === 'audit' && <AuditPage />}
        {!current && <Result status="info" title={t('staff.noMenu')} />}
      </Content>
    </Layout>
  );
}
