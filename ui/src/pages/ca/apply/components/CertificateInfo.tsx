import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Space, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type OrderRow } from '../../../../api';
import CertificateFields from '../../../../components/CertificateFields';
import { useLocale } from '../../../../i18n';
import ChangePin from './ChangePin';

/** Whether the order may have certificates yet: from 审核通过 on. */
export function hasCertificates(row: OrderRow): boolean {
  return row.order.status.state === 'approved' || row.order.status.state === 'issued';
}

/** 证书信息 in 查看: each certificate of the order, 保存证书 (.cer and the chain) and 修改PIN. */
export default function CertificateInfo({ row }: { row: OrderRow }) {
  const { t } = useLocale();
  const orderNo = row.order.orderNo;
  const [changing, setChanging] = useState(false);
  const certificates = useQuery({
    queryKey: ['orders', orderNo, 'certificates'],
    queryFn: () => api.orderCertificates(orderNo),
  });
  const save = useMutation({ mutationFn: (serial: string) => api.saveCertificate(orderNo, serial) });

  return (
    <div id="certificate-info" style={{ marginTop: 24 }}>
      <Typography.Title level={5}>{t('certificate.title')}</Typography.Title>
      {certificates.isError && (
        <Alert type="warning" showIcon title={t('certificate.loadFailed', { error: errorMessage(certificates.error) })} />
      )}
      {certificates.data?.length === 0 && <Typography.Text type="secondary">{t('certificate.none')}</Typography.Text>}
      <Space orientation="vertical" style={{ width: '100%' }}>
        {certificates.data?.map((c) => (
          <div key={c.serial}>
            <CertificateFields certificate={c} />
            <Button
              style={{ marginTop: 8 }}
              className="certificate-save"
              loading={save.isPending && save.variables === c.serial}
              onClick={() => save.mutate(c.serial)}
            >
              {t('certificate.save')}
            </Button>
          </div>
        ))}
        {save.isSuccess && (
          <Alert
            id="certificate-saved"
            type="success"
            showIcon
            title={t('certificate.saved', { paths: save.data.join('、') })}
          />
        )}
        {save.isError && <Alert type="error" showIcon title={errorMessage(save.error)} />}
        {(certificates.data?.length ?? 0) > 0 && (
          <Alert
            type="info"
            showIcon
            title={t('certificate.changePinHint')}
            action={
              <Button size="small" id="change-pin-open" onClick={() => setChanging(true)}>
                {t('certificate.changePin')}
              </Button>
            }
          />
        )}
      </Space>
      <ChangePin open={changing} onClose={() => setChanging(false)} />
    </div>
  );
}
