import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Checkbox, Form, Input, Modal, Popconfirm, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type StaffMemberView, type StaffRole } from '../../../../api';
import { useLocale } from '../../../../i18n';
import { staffKeys, useStaffAccount } from '../../service';

const ROLES: StaffRole[] = ['reviewer', 'producer', 'counter', 'admin'];

type NewMember = { username: string; displayName: string; password: string; roles: StaffRole[] };

/** 员工管理 (administrators): the staff accounts; roles, 停用 / 启用 and 重置密码 take effect at once. */
export default function StaffMembersPage() {
  const { t } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const me = useStaffAccount();
  const members = useQuery({ queryKey: staffKeys.members, queryFn: api.staffMembers });
  const [adding, setAdding] = useState(false);
  const [editingRoles, setEditingRoles] = useState<StaffMemberView | null>(null);
  const [resetting, setResetting] = useState<StaffMemberView | null>(null);
  const [addForm] = Form.useForm<NewMember>();
  const [rolesForm] = Form.useForm<{ roles: StaffRole[] }>();
  const [passwordForm] = Form.useForm<{ password: string }>();
  const roleName: Record<StaffRole, string> = {
    reviewer: t('staff.roleReviewer'),
    producer: t('staff.roleProducer'),
    counter: t('staff.roleCounter'),
    admin: t('staff.roleAdmin'),
  };
  const roleOptions = ROLES.map((role) => ({ value: role, label: roleName[role] }));
  const change = useMutation({
    mutationFn: (run: () => Promise<StaffMemberView>) => run(),
    onSuccess: (member) => {
      message.success(t('staff.saved', { name: member.displayName }));
      void client.invalidateQueries({ queryKey: staffKeys.members });
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const run = (work: () => Promise<StaffMemberView>, done: () => void) =>
    change.mutateAsync(work).then(done, () => undefined);

  return (
    <div id="staff-members">
      <Button type="primary" id="add-member" style={{ marginBottom: 12 }} onClick={() => setAdding(true)}>
        {t('staff.addMember')}
      </Button>
      {members.error && <div className="ant-typography ant-typography-danger">{members.error.message}</div>}
      <Table<StaffMemberView>
        rowKey="id"
        size="middle"
        loading={members.isLoading}
        dataSource={members.data ?? []}
        pagination={false}
        columns={[
          { title: t('login.username'), dataIndex: 'username' },
          { title: t('staff.memberName'), dataIndex: 'displayName' },
          {
            title: t('staff.memberRoles'),
            render: (_, m) => m.roles.map((role) => <Tag key={role}>{roleName[role]}</Tag>),
          },
          {
            title: t('staff.memberState'),
            render: (_, m) =>
              m.disabled ? <Tag color="red">{t('staff.disabledState')}</Tag> : <Tag color="green">{t('staff.active')}</Tag>,
          },
          {
            title: t('staff.action'),
            render: (_, m) => (
              <Space className={`member-${m.username}`}>
                <Button
                  type="link"
                  size="small"
                  onClick={() => {
                    rolesForm.setFieldsValue({ roles: m.roles });
                    setEditingRoles(m);
                  }}
                >
                  {t('staff.setRoles')}
                </Button>
                {m.disabled ? (
                  <Button type="link" size="small" onClick={() => change.mutate(() => api.setStaffDisabled(m.id, false))}>
                    {t('staff.enable')}
                  </Button>
                ) : (
                  m.username !== me.data?.username && (
                    <Popconfirm
                      title={t('staff.disableConfirm', { name: m.displayName })}
                      okText={t('staff.confirm')}
                      cancelText={t('staff.cancel')}
                      onConfirm={() => change.mutateAsync(() => api.setStaffDisabled(m.id, true)).catch(() => undefined)}
                    >
                      <Button type="link" size="small" danger>
                        {t('staff.disable')}
                      </Button>
                    </Popconfirm>
                  )
                )}
                <Button type="link" size="small" onClick={() => setResetting(m)}>
                  {t('staff.resetPassword')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        title={t('staff.addMember')}
        open={adding}
        okText={t('staff.confirm')}
        cancelText={t('staff.cancel')}
        okButtonProps={{ id: 'add-member-submit', loading: change.isPending }}
        onCancel={() => setAdding(false)}
        onOk={() => addForm.submit()}
        destroyOnHidden
      >
        <Form
          form={addForm}
          name="new-member"
          layout="vertical"
          preserve={false}
          onFinish={(v) => run(() => api.addStaffMember(v), () => setAdding(false))}
        >
          <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.enterUsername') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="displayName" label={t('staff.memberName')} rules={[{ required: true, whitespace: true, message: t('staff.enterName') }]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            extra={t('login.passwordHint')}
            rules={[{ required: true, message: t('login.enterPassword') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="roles" label={t('staff.memberRoles')} rules={[{ required: true, message: t('staff.selectRoles') }]}>
            <Checkbox.Group options={roleOptions} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        title={editingRoles ? `${t('staff.setRoles')}：${editingRoles.displayName}` : ''}
        open={editingRoles !== null}
        okText={t('staff.confirm')}
        cancelText={t('staff.cancel')}
        okButtonProps={{ id: 'roles-submit', loading: change.isPending }}
        onCancel={() => setEditingRoles(null)}
        onOk={() => rolesForm.submit()}
      >
        <Form
          form={rolesForm}
          name="member-roles"
          onFinish={({ roles }) => run(() => api.setStaffRoles(editingRoles!.id, roles), () => setEditingRoles(null))}
        >
          <Form.Item name="roles" rules={[{ required: true, message: t('staff.selectRoles') }]}>
            <Checkbox.Group options={roleOptions} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        title={resetting ? t('staff.resetPasswordTitle', { name: resetting.displayName }) : ''}
        open={resetting !== null}
        okText={t('staff.confirm')}
        cancelText={t('staff.cancel')}
        okButtonProps={{ id: 'reset-submit', loading: change.isPending }}
        onCancel={() => setResetting(null)}
        onOk={() => passwordForm.submit()}
        destroyOnHidden
      >
        <Form
          form={passwordForm}
          name="reset-password"
          layout="vertical"
          preserve={false}
          onFinish={({ password }) => run(() => api.resetStaffPassword(resetting!.id, password), () => setResetting(null))}
        >
          <Form.Item
            name="password"
            label={t('staff.newPassword')}
            extra={`${t('login.passwordHint')} · ${t('staff.resetPasswordExtra')}`}
            rules={[{ required: true, message: t('login.enterPassword') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
