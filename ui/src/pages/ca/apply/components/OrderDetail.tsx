import { Descriptions, Drawer, Steps } from 'antd';
import { formatFen, type OrderRow } from '../../../../api';

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
export default function OrderDetail({ row, onClose }: { row: OrderRow | null; onClose: () => void }) {
  return (
    <Drawer title="申领详情" open={row !== null} onClose={onClose} size="large" rootClassName="order-detail">
      {row && (
        <>
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
        </>
      )}
    </Drawer>
  );
}
