import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Modal, Popconfirm, Table, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type ManagedCertificate } from '../../../api';
import { shanghaiText } from '../../../components/CertificateFields';
import { useLocale } from '../../../i18n';
import UkeyPicker, { type UkeyPinValues } from '../components/UkeyPicker';
import { LifecycleTag, certificatesKey } from '../manage';

/** CA绑定与解绑: the certificates bound to the account (证书登录 accepts them), 绑定 from the UKey, 解绑. */
export default function CertificateBindingPage() {
  const { t } = useLocale();
  const client = useQueryClient();
  const certificates = useQuery({ queryKey: certificatesKey, queryFn: api.accountCertificates });
  const [binding, setBinding] = useState(false);
  const [form] = Form.useForm<UkeyPinValues>();
  const refresh = () => client.invalidateQueries({ queryKey: certificatesKey });
  const bind = useMutation({
    mutationFn: (v: UkeyPinValues) => api.bindUkeyCertificate(v.serial, v.pin),
    onSuccess: () => {
      setBinding(false);
      void refresh();
    },
  });
  const unbind = useMutation({ mutationFn: api.unbindCertificate, onSuccess: () => void refresh() });
  const bound = (certificates.data ?? []).filter((c) => c.boundAt);
  const columns: TableColumnsType<ManagedCertificate> = [
    { title: t('ca.provider'), key: 'provider', render: (_, c) => c.providerName },
    { title: t('ca.serial'), key: 'serial', render: (_, c) => <span className="bound-serial">{c.certificate.serial}</span> },
    { title: t('ca.notAfter'), key: 'notAfter', render: (_, c) => shanghaiText(c.certificate.notAfter) },
    { title: t('ca.state'), key: 'state', render: (_, c) => <LifecycleTag certificate={c} /> },
    { title: t('ca.boundAt'), key: 'boundAt', render: (_, c) => (c.boundAt ? shanghaiText(c.boundAt) : '') },
    {
      title: t('ca.actions'),
      key: 'actions',
      render: (_, c) => (
        <Popconfirm
          title={t('ca.unbindConfirm')}
          okText={t('ca.unbind')}
          cancelText={t('ca.cancel')}
          onConfirm={() => unbind.mutate(c.certificate.serial)}
        >
          <Typography.Link type="danger">{t('ca.unbind')}</Typography.Link>
        </Popconfirm>
      ),
    },
  ];
  return (
    <Card
      title={t('ca.bindingTitle')}
      extra={
        <Button
          type="primary"
          id="bind-certificate"
          onClick={() => {
            bind.reset();
            form.resetFields(['pin']);
            setBinding(true);
          }}
        >
          {t('ca.bind')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('ca.bindHint')}</Typography.Paragraph>
      {certificates.isError && <Alert type="error" showIcon title={errorMessage(certificates.error)} />}
      {bind.isSuccess && <Alert id="bound-done" type="success" showIcon title={t('ca.boundDone')} style={{ marginBottom: 16 }} />}
      {unbind.isSuccess && <Alert id="unbound-done" type="success" showIcon title={t('ca.unbound')} style={{ marginBottom: 16 }} />}
      {unbind.isError && <Alert type="error" showIcon title={errorMessage(unbind.error)} style={{ marginBottom: 16 }} />}
      <div id="bound-certificates">
        <Table<ManagedCertificate>
          rowKey={(c) => c.certificate.serial}
          columns={columns}
          dataSource={bound}
          loading={certificates.isLoading}
          locale={{ emptyText: t('ca.notBound') }}
          pagination={false}
        />
      </div>
      <Modal
        title={t('ca.bindTitle')}
        open={binding}
        onCancel={() => setBinding(false)}
        okText={t('ca.bindOk')}
        cancelText={t('ca.cancel')}
        okButtonProps={{ id: 'bind-submit' }}
        confirmLoading={bind.isPending}
        onOk={() => form.submit()}
        destroyOnHidden
        rootClassName="bind-certificate"
      >
        <Form form={form} layout="vertical" name="bind" onFinish={(v) => bind.mutate(v)}>
          <UkeyPicker enabled={binding} />
        </Form>
        {bind.isError && <Alert id="bind-error" type="error" showIcon title={errorMessage(bind.error)} />}
      </Modal>
    </Card>
  );
}
