import { Descriptions, Typography } from 'antd';
import type { CertificateRecord } from '../api';
import { useLocale } from '../i18n';

/** RFC 3339 in Asia/Shanghai as the guide writes times: `2026-12-02 10:00`. */
export function shanghaiText(rfc3339: string): string {
  return rfc3339.slice(0, 16).replace('T', ' ');
}

/** One certificate's 证书信息, the fields the guide's 查看 shows. */
export default function CertificateFields({ certificate: c }: { certificate: CertificateRecord }) {
  const { t } = useLocale();
  return (
    <Descriptions column={1} bordered size="small" className="certificate-fields">
      <Descriptions.Item label={t('certificate.serial')}>
        <Typography.Text copyable className="certificate-serial">
          {c.serial}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('certificate.status')}>
        <span className="certificate-status">
          {c.status === 'valid'
            ? t('certificate.valid')
            : t('certificate.revoked', {
                reason: c.revocationReason ? t(`revocation.${c.revocationReason}`) : '',
                at: c.revokedAt ? shanghaiText(c.revokedAt) : '',
              })}
        </span>
      </Descriptions.Item>
      <Descriptions.Item label={t('certificate.validity')}>
        <span className="certificate-validity">
          {t('certificate.validityValue', { from: shanghaiText(c.notBefore), to: shanghaiText(c.notAfter) })}
        </span>
      </Descriptions.Item>
      <Descriptions.Item label={t('certificate.subject')}>{c.subject}</Descriptions.Item>
      <Descriptions.Item label={t('certificate.issuer')}>{c.issuer}</Descriptions.Item>
      <Descriptions.Item label={t('certificate.algorithm')}>{c.keyAlgorithm}</Descriptions.Item>
      {c.tokenSerial && <Descriptions.Item label={t('certificate.ukey')}>{c.tokenSerial}</Descriptions.Item>}
      <Descriptions.Item label={t('certificate.fingerprint')}>
        <Typography.Text style={{ wordBreak: 'break-all' }}>{c.fingerprintSha256}</Typography.Text>
      </Descriptions.Item>
    </Descriptions>
  );
}

