import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type CertificateRecord, type RevocationReason } from '../../../api';
import CertificateFields from '../../../components/CertificateFields';
import { useLocale } from '../../../i18n';
import { staffKeys, useStaffAccount } from '../service';

/** The RFC 5280 reasons, in the order the clerk is offered them. */
export const REVOCATION_REASONS: RevocationReason[] = [
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
  'unspecified',
];

/** 证书信息 in the staff's order view, with 吊销 for those who may (制证, 现场办理, 管理; the
 * platform checks again). */
export default function StaffCertificates({ orderNo, certificates }: { orderNo: string; certificates: CertificateRecord[] }) {
  const { t } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const account = useStaffAccount();
  const mayRevoke = account.data?.roles.some((r) => r === 'producer' || r === 'counter' || r === 'admin') ?? false;
  const [revoking, setRevoking] = useState<CertificateRecord | null>(null);
  const [form] = Form.useForm<{ reason: RevocationReason }>();
  const revoke = useMutation({
    mutationFn: ({ serial, reason }: { serial: string; reason: RevocationReason }) => api.revokeCertificate(serial, reason),
    onSuccess: () => {
      message.success(t('certificate.revokedDone'));
      setRevoking(null);
      void client.invalidateQueries({ queryKey: staffKeys.order(orderNo) });
    },
  });
  if (certificates.length === 0) return null;

  return (
    <div id="staff-certificates">
      <Typography.Title level={5} style={{ marginTop: 24 }}>
        {t('certificate.title')}
      </Typography.Title>
      <Space orientation="vertical" style={{ width: '100%' }}>
        {certificates.map((c) => (
          <div key={c.serial}>
            <CertificateFields certificate={c} />
            {mayRevoke && c.status === 'valid' && (
              <Button
                danger
                style={{ marginTop: 8 }}
                className="certificate-revoke"
                onClick={() => {
                  revoke.reset();
                  setRevoking(c);
                }}
              >
                {t('certificate.revoke')}
              </Button>
            )}
          </div>
        ))}
      </Space>
      <Modal
        title={revoking ? t('certificate.revokeTitle', { serial: revoking.serial }) : ''}
        open={revoking !== null}
        okText={t('certificate.revokeConfirm')}
        cancelText={t('staff.cancel')}
        okButtonProps={{ danger: true, id: 'revoke-submit', loading: revoke.isPending }}
        onCancel={() => setRevoking(null)}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        <Alert type="warning" showIcon title={t('certificate.revokeWarning')} style={{ marginBottom: 12 }} />
        <Form
          form={form}
          name="revocation"
          layout="vertical"
          preserve={false}
          initialValues={{ reason: 'keyCompromise' }}
          onFinish={({ reason }) => revoking && revoke.mutate({ serial: revoking.serial, reason })}
        >
          <Form.Item name="reason" label={t('certificate.revokeReason')} rules={[{ required: true }]}>
            <Select
              id="revoke-reason"
              options={REVOCATION_REASONS.map((r) => ({ value: r, label: t(`revocation.${r}`) }))}
            />
          </Form.Item>
        </Form>
        {revoke.isError && <Alert id="revoke-error" type="error" showIcon title={errorMessage(revoke.error)} />}
      </Modal>
    </div>
  );
}
