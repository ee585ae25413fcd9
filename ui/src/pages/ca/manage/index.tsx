import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, List, Modal, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type ManagedCertificate } from '../../../api';
import CertificateFields, { shanghaiText } from '../../../components/CertificateFields';
import { useLocale } from '../../../i18n';

export const certificatesKey = ['account-certificates'] as const;

/** The 状态 tag: 有效, 即将到期 (with the days left), 已过期, 已吊销. */
export function LifecycleTag({ certificate: c }: { certificate: ManagedCertificate }) {
  const { t } = useLocale();
  switch (c.lifecycle) {
    case 'valid':
      return <Tag color="green">{t('ca.valid')}</Tag>;
    case 'expiringSoon':
      return <Tag color="orange">{t('ca.expiringSoon', { days: c.daysLeft })}</Tag>;
    case 'expired':
      return <Tag>{t('ca.expired')}</Tag>;
    case 'revoked':
      return <Tag color="red">{t('ca.revoked')}</Tag>;
  }
}

/** CA证书管理: the organisation's certificates from the platform, and the UKeys plugged in. */
export default function CertificateManagePage() {
  const { t } = useLocale();
  const certificates = useQuery({ queryKey: certificatesKey, queryFn: api.accountCertificates });
  const health = useQuery({ queryKey: ['ukey-health'], queryFn: api.ukeyHealth });
  const [viewing, setViewing] = useState<ManagedCertificate | null>(null);
  const save = useMutation({
    mutationFn: (c: ManagedCertificate) => api.saveCertificate(c.certificate.orderNo, c.certificate.serial),
  });
  const client = useQueryClient();
  const { message } = App.useApp();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: certificatesKey });
    void client.invalidateQueries({ queryKey: ['orders'] });
  };
  const replace = useMutation({
    mutationFn: ({ serial, reissue }: { serial: string; reissue: boolean }) => api.replaceCertificate(serial, reissue),
    onSuccess: (row, { reissue }) => {
      refresh();
      message.success(t(reissue ? 'ca.reissued' : 'ca.renewed', { orderNo: row.order.orderNo }));
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const cancel = useMutation({
    mutationFn: api.cancelCertificate,
    onSuccess: () => {
      refresh();
      message.success(t('ca.cancelled'));
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const columns: TableColumnsType<ManagedCertificate> = [
    { title: t('ca.provider'), key: 'provider', render: (_, c) => c.providerName },
    { title: t('ca.serial'), key: 'serial', render: (_, c) => <span className="managed-serial">{c.certificate.serial}</span> },
    { title: t('ca.notAfter'), key: 'notAfter', render: (_, c) => shanghaiText(c.certificate.notAfter) },
    { title: t('ca.state'), key: 'state', render: (_, c) => <LifecycleTag certificate={c} /> },
    {
      title: t('ca.ukey'),
      key: 'ukey',
      render: (_, c) => (
        <Space orientation="vertical" size={0}>
          <span>{c.certificate.tokenSerial ?? '—'}</span>
          <Typography.Text type="secondary">{c.boundAt ? t('ca.bound') : t('ca.notBound')}</Typography.Text>
        </Space>
      ),
    },
    {
      title: t('ca.actions'),
      key: 'actions',
      render: (_, c) => (
        <Space>
          <Typography.Link onClick={() => setViewing(c)}>{t('ca.details')}</Typography.Link>
          <Typography.Link onClick={() => save.mutate(c)}>{t('ca.save')}</Typography.Link>
          {c.lifecycle !== 'revoked' && (
            <>
              <Popconfirm
                title={t('ca.renewConfirm')}
                okText={t('ca.confirm')}
                cancelText={t('ca.cancel')}
                onConfirm={() => replace.mutate({ serial: c.certificate.serial, reissue: false })}
              >
                <Typography.Link className="certificate-renew">{t('ca.renew')}</Typography.Link>
              </Popconfirm>
              <Popconfirm
                title={t('ca.reissueConfirm')}
                okText={t('ca.confirm')}
                cancelText={t('ca.cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() => replace.mutate({ serial: c.certificate.serial, reissue: true })}
              >
                <Typography.Link className="certificate-reissue" type="danger">
                  {t('ca.reissue')}
                </Typography.Link>
              </Popconfirm>
              <Popconfirm
                title={t('ca.cancelConfirm')}
                okText={t('ca.confirm')}
                cancelText={t('ca.cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() => cancel.mutate(c.certificate.serial)}
              >
                <Typography.Link className="certificate-cancel" type="danger">
                  {t('ca.cancelCert')}
                </Typography.Link>
              </Popconfirm>
            </>
          )}
        </Space>
      ),
    },
  ];
  return (
    <Card title={t('ca.manageTitle')} extra={<Button onClick={() => void certificates.refetch()}>{t('ca.refresh')}</Button>}>
      {certificates.isError && <Alert type="error" showIcon title={errorMessage(certificates.error)} style={{ marginBottom: 16 }} />}
      <div id="managed-certificates">
        <Table<ManagedCertificate>
          rowKey={(c) => c.certificate.serial}
          columns={columns}
          dataSource={certificates.data ?? []}
          loading={certificates.isLoading}
          locale={{ emptyText: t('ca.empty') }}
          pagination={false}
        />
      </div>
      {save.isSuccess && <Alert style={{ marginTop: 16 }} type="success" showIcon title={t('ca.saved', { paths: save.data.join('、') })} />}
      {save.isError && <Alert style={{ marginTop: 16 }} type="error" showIcon title={errorMessage(save.error)} />}
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('ca.ukeys')}
      </Typography.Title>
      {health.data?.[1].map((p) => <Alert key={p} type="warning" showIcon title={p} style={{ marginBottom: 8 }} />)}
      <List
        id="ukey-health"
        size="small"
        bordered
        locale={{ emptyText: t('ca.noUkeys') }}
        dataSource={health.data?.[0] ?? []}
        renderItem={({ ukey: u, certificates: onIt, problem }) => (
          <List.Item>
            <Space orientation="vertical" size={2}>
              <Space>
                <span>{u.label}</span>
                <Typography.Text type="secondary">
                  {u.driver} · {u.serial} · {u.keyKinds.join('/')}
                </Typography.Text>
                {u.locked ? <Tag color="red">{u.pinNote}</Tag> : u.pinNote ? <Tag color="orange">{u.pinNote}</Tag> : null}
              </Space>
              {onIt.map((c) => (
                <Typography.Text key={c.serial} className="ukey-health-certificate">
                  {t('ca.onUkey', { serial: c.serial, until: shanghaiText(c.notAfter), days: c.daysLeft })}
                </Typography.Text>
              ))}
              {onIt.length === 0 && !problem && <Typography.Text type="secondary">{t('ca.noCertificateOnUkey')}</Typography.Text>}
              {problem && <Typography.Text type="warning">{problem}</Typography.Text>}
            </Space>
          </List.Item>
        )}
      />
      <Modal open={viewing !== null} onCancel={() => setViewing(null)} footer={null} title={t('ca.details')}>
        {viewing && <CertificateFields certificate={viewing.certificate} />}
      </Modal>
    </Card>
  );
}
