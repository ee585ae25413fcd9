import { Alert, App, Modal, Typography } from 'antd';
import { api, type OrderRow } from '../../../../api';
import { useOrderStep, useSettings } from '../service';

/** 邮寄纸质资料: where to send the documents, and the applicant's confirmation. */
export default function PaperDocuments({ row, onClose }: { row: OrderRow | null; onClose: () => void }) {
  const { message } = App.useApp();
  const settings = useSettings();
  const choose = useOrderStep(api.choosePaperDocuments);
  return (
    <Modal
      title="邮寄纸质资料"
      open={row !== null}
      okText="确认邮寄纸质资料"
      cancelText="取消"
      okButtonProps={{ id: 'paper-confirm', disabled: !settings.data, loading: choose.isPending }}
      onCancel={onClose}
      onOk={async () => {
        if (!row) return;
        try {
          const updated = await choose.mutateAsync(row.order.orderNo);
          message.success(`已选择邮寄纸质资料，订单状态：${updated.statusZh}`);
          onClose();
        } catch (e) {
          message.error(e instanceof Error ? e.message : String(e));
        }
      }}
    >
      {row && (
        <>
          <Typography.Paragraph>
            使用人脸认证可免于邮寄材料；如认证失败或无法使用摄像头，可邮寄纸质资料进行审核。平台收到纸质资料后开始审核。
          </Typography.Paragraph>
          {settings.isError && <Alert type="error" showIcon title={settings.error.message} />}
          {settings.data && (
            <Alert
              type="info"
              showIcon
              title="邮寄地址"
              description={<span id="paper-address">{settings.data.paperDocumentsAddress}</span>}
            />
          )}
          <Typography.Paragraph style={{ marginTop: 16 }}>
            请在邮件中注明订单编号 <Typography.Text strong>{row.order.orderNo}</Typography.Text>
            ，寄送加盖公章的申领资料和申领人身份证复印件。
          </Typography.Paragraph>
        </>
      )}
    </Modal>
  );
}
