import { Alert, Descriptions, Drawer, Steps, Timeline, Typography } from 'antd';
import { formatFen, type OrderRow } from '../../../../api';
import { useOrderDetail } from '../service';

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
    case 'issued':
      return 2;
  }
}

/** 查看: an order's details and where it stands in the process. */
export default function OrderDetail({ row: listed, onClose }: { row: OrderRow | null; onClose: () => void }) {
  const detail = useOrderDetail(listed?.order.orderNo);
  // The platform's answer when there is one; the local row while it loads or when offline.
  const row = detail.data?.row ?? listed;
  return (
    <Drawer title="申领详情" open={row !== null} onClose={onClose} size="large" rootClassName="order-detail">
      {row && (
        <>
          {detail.data?.offline && (
            <Alert
              id="detail-offline"
              type="warning"
              showIcon
              style={{ marginBottom: 16 }}
              title="当前无法连接平台，以下为上次查看时保存的进度"
            />
          )}
          <Steps
            current={progressOf(row)}
            status={row.order.status.state === 'rejected' ? 'error' : undefined}
            items={[{ title: '填写资料' }, { title: '平台审核' }, { title: '收取CA' }]}
            style={{ marginBottom: 24 }}
          />
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label="订单编号">{row.order.orderNo}</Descriptions.Item>
            <Descriptions.Item label="状态">{row.statusZh}</Descriptions.Item>
            {row.order.status.state === 'rejected' && (
              <Descriptions.Item label="不通过理由">{row.order.status.reason}</Descriptions.Item>
            )}
            <Descriptions.Item label="CA服务商">{row.order.providerName}</Descriptions.Item>
            <Descriptions.Item label="机构名称">{row.order.organisationName}</Descriptions.Item>
            <Descriptions.Item label="申领人">{row.order.applicantName}</Descriptions.Item>
            <Descriptions.Item label="申领数量">{row.order.quantity}</Descriptions.Item>
            <Descriptions.Item label="费用">{formatFen(row.order.fee)}</Descriptions.Item>
            <Descriptions.Item label="申领时间">{row.submittedAtText}</Descriptions.Item>
          </Descriptions>
          {detail.data?.eta && (
            <Alert
              style={{ marginTop: 16 }}
              type={detail.data.eta.peakSeason ? 'warning' : 'info'}
              showIcon
              title={`预计${detail.data.eta.step}完成：${detail.data.eta.earliest} 至 ${detail.data.eta.latest}（工作日）`}
              description={detail.data.eta.peakSeason ?? undefined}
            />
          )}
          {detail.isError && (
            <Alert style={{ marginTop: 16 }} type="warning" showIcon title={`无法获取最新进度：${detail.error.message}`} />
          )}
          {detail.data && (
            <>
              <Typography.Title level={5} style={{ marginTop: 24 }}>
                办理记录
              </Typography.Title>
              <Timeline
                items={detail.data.history.map((h) => ({
                  key: `${h.atText}-${h.statusZh}`,
                  content: (
                    <>
                      <div>
                        {h.statusZh}（{h.actorZh}）
                      </div>
                      <Typography.Text type="secondary">{h.atText}</Typography.Text>
                      {h.reason && <div>理由：{h.reason}</div>}
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
