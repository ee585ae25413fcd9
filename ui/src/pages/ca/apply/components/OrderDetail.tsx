import { Alert, Descriptions, Drawer, Steps, Timeline, Typography } from 'antd';
import { formatFen, type OrderRow } from '../../../../api';
import { useLocale } from '../../../../i18n';
import { useOrderDetail } from '../service';
import CertificateInfo, { hasCertificates } from './CertificateInfo';
import InvoiceInfo, { hasInvoice } from './InvoiceInfo';

/** The guide's progress bar: 1 填写资料 → 2 平台审核 → 3 收取CA. */
function progressOf(row: OrderRow): number {
  switch (row.order.status.state) {
    case 'pendingVerification':
    case 'pendingPayment':
    case 'cancelled':
      return 0;
    case 'pendingReview':
    case 'rejected':
      return 1;
    case 'approved':
      return 2;
    // 已发证: every step done.
    case 'issued':
      return 3;
  }
}

/** 查看: an order's details and where it stands in the process. */
export default function OrderDetail({ row: listed, onClose }: { row: OrderRow | null; onClose: () => void }) {
  const detail = useOrderDetail(listed?.order.orderNo);
  const { t, locale, status } = useLocale();
  const english = locale === 'en-US';
  // The platform's answer when there is one; the local row while it loads or when offline.
  const row = detail.data?.row ?? listed;
  return (
    <Drawer title={t('detail.title')} open={row !== null} onClose={onClose} size="large" rootClassName="order-detail">
      {row && (
        <>
          {detail.data?.offline && (
            <Alert
              id="detail-offline"
              type="warning"
              showIcon
              style={{ marginBottom: 16 }}
              title={t('detail.offline')}
            />
          )}
          <Steps
            current={progressOf(row)}
            status={row.order.status.state === 'rejected' ? 'error' : undefined}
            items={[
              { title: t('detail.progressFill') },
              { title: t('detail.progressReview') },
              { title: t('detail.progressCollect') },
            ]}
            style={{ marginBottom: 24 }}
          />
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('detail.orderNo')}>{row.order.orderNo}</Descriptions.Item>
            <Descriptions.Item label={t('detail.status')}>{status(row)}</Descriptions.Item>
            {row.order.status.state === 'rejected' && (
              <Descriptions.Item label={t('detail.reason')}>{row.order.status.reason}</Descriptions.Item>
            )}
            {row.order.status.state === 'issued' && row.order.status.delivery.method === 'mailed' && (
              <>
                <Descriptions.Item label={t('detail.courier')}>{row.order.status.delivery.courier}</Descriptions.Item>
                <Descriptions.Item label={t('detail.trackingNo')}>
                  <span id="detail-tracking">{row.order.status.delivery.trackingNo}</span>
                </Descriptions.Item>
              </>
            )}
            {row.order.status.state === 'issued' && row.order.status.delivery.method === 'onSite' && (
              <Descriptions.Item label={t('field.delivery')}>{t('detail.onSite')}</Descriptions.Item>
            )}
            <Descriptions.Item label={t('field.provider')}>{row.order.providerName}</Descriptions.Item>
            <Descriptions.Item label={t('field.organisationName')}>{row.order.organisationName}</Descriptions.Item>
            <Descriptions.Item label={t('field.applicant')}>{row.order.applicantName}</Descriptions.Item>
            <Descriptions.Item label={t('field.quantity')}>{row.order.quantity}</Descriptions.Item>
            <Descriptions.Item label={t('detail.fee')}>{formatFen(row.order.fee)}</Descriptions.Item>
            <Descriptions.Item label={t('list.submittedAt')}>{row.submittedAtText}</Descriptions.Item>
          </Descriptions>
          {detail.data?.eta && (
            <Alert
              style={{ marginTop: 16 }}
              type={detail.data.eta.peakSeason ? 'warning' : 'info'}
              showIcon
              title={t('detail.eta', {
                step: detail.data.eta.step,
                earliest: detail.data.eta.earliest,
                latest: detail.data.eta.latest,
              })}
              description={detail.data.eta.peakSeason ?? undefined}
            />
          )}
          {detail.isError && (
            <Alert style={{ marginTop: 16 }} type="warning" showIcon title={t('detail.stale', { error: detail.error.message })} />
          )}
          {hasCertificates(row) && !detail.data?.offline && <CertificateInfo row={row} />}
          {hasInvoice(row) && !detail.data?.offline && <InvoiceInfo row={row} />}
          {detail.data && (
            <>
              <Typography.Title level={5} style={{ marginTop: 24 }}>
                {t('detail.history')}
              </Typography.Title>
              <Timeline
                items={detail.data.history.map((h) => ({
                  key: `${h.atText}-${h.statusZh}`,
                  content: (
                    <>
                      <div>
                        {english ? `${h.statusEn} (${h.actorEn})` : `${h.statusZh}（${h.actorZh}）`}
                      </div>
                      <Typography.Text type="secondary">{h.atText}</Typography.Text>
                      {h.reason && <div>{t('detail.historyReason', { reason: h.reason })}</div>}
                    </>
                  ),
                }))}
              />
            </>
          )}
        </>
      )}
    </Drawer>
  );
}
