import { Alert, App, Button, Modal, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, errorMessage, type OrderRow } from '../../../../api';
import { useLocale } from '../../../../i18n';
import { useOrderStep, useSettings } from '../service';

/** 邮寄纸质资料: where to send the documents, and the applicant's confirmation. */
export default function PaperDocuments({ row, onClose }: { row: OrderRow | null; onClose: () => void }) {
  const { message } = App.useApp();
  const { t, status } = useLocale();
  const settings = useSettings();
  const choose = useOrderStep(api.choosePaperDocuments);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => setSaved(null), [row]);
  const saveCoverSheet = async () => {
    if (!row) return;
    setSaving(true);
    try {
      setSaved(await api.saveCoverSheet(row.order.orderNo));
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      title={t('paper.title')}
      open={row !== null}
      okText={t('paper.ok')}
      cancelText={t('list.dismiss')}
      okButtonProps={{ id: 'paper-confirm', disabled: !settings.data, loading: choose.isPending }}
      onCancel={onClose}
      onOk={async () => {
        if (!row) return;
        try {
          const updated = await choose.mutateAsync(row.order.orderNo);
          message.success(
            t('paper.chosen', { status: status(updated) }),
          );
          onClose();
        } catch (e) {
          message.error(errorMessage(e));
        }
      }}
    >
      {row && (
        <>
          <Typography.Paragraph>{t('paper.intro')}</Typography.Paragraph>
          {settings.isError && <Alert type="error" showIcon title={settings.error.message} />}
          {settings.data && (
            <Alert
              type="info"
              showIcon
              title={t('paper.address')}
              description={<span id="paper-address">{settings.data.paperDocumentsAddress}</span>}
            />
          )}
          <Typography.Paragraph style={{ marginTop: 16 }}>
            {t('paper.notePrefix')} <Typography.Text strong>{row.order.orderNo}</Typography.Text>
            {t('paper.noteSuffix')}
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('paper.coverSheetHint')}</Typography.Paragraph>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Button id="paper-cover-sheet" loading={saving} onClick={saveCoverSheet}>
              {t('paper.coverSheet')}
            </Button>
            {saved && (
              <Alert
                type="success"
                showIcon
                title={<span id="paper-cover-saved">{t('paper.coverSheetSaved', { path: saved })}</span>}
                action={
                  <Button
                    size="small"
                    onClick={() => api.openSavedFile(saved).catch((e) => message.error(e.message))}
                  >
                    {t('paper.open')}
                  </Button>
                }
              />
            )}
          </Space>
        </>
      )}
    </Modal>
  );
}
