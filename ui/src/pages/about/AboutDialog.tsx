import { useQuery } from '@tanstack/react-query';
import { Button, Descriptions, Modal, Spin, Typography } from 'antd';
import { useState } from 'react';
import { api, errorMessage } from '../../api';
import { useLocale } from '../../i18n';

/** 关于: the version, the commit it was built from, and NOTICE (the licences of what the app ships). */
export default function AboutButton() {
  const { t } = useLocale();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" id="about-open" onClick={() => setOpen(true)}>
        {t('about.open')}
      </Button>
      {/* Rendered only once asked for: NOTICE is long and nothing at start needs it. */}
      {open ? <AboutDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function AboutDialog({ onClose }: { onClose: () => void }) {
  const { t } = useLocale();
  const about = useQuery({ queryKey: ['about'], queryFn: api.about, staleTime: Infinity });
  return (
    <Modal
      open
      title={t('about.title')}
      onCancel={onClose}
      width={760}
      footer={
        <Button id="about-close" onClick={onClose}>
          {t('about.close')}
        </Button>
      }
    >
      {about.isLoading ? (
        <Spin />
      ) : about.error ? (
        <Typography.Text type="danger">{errorMessage(about.error)}</Typography.Text>
      ) : about.data ? (
        <div id="about">
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('about.version')}>
              <span id="about-version">{about.data.version}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('about.commit')}>
              <Typography.Text code id="about-commit">
                {about.data.commit}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5}>{t('about.licences')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('about.licencesHint')}</Typography.Paragraph>
          <pre id="about-notice" style={{ maxHeight: 360, overflow: 'auto', whiteSpace: 'pre-wrap', fontSize: 12, background: '#fafafa', padding: 12 }}>
            {about.data.notice}
          </pre>
        </div>
      ) : null}
    </Modal>
  );
}
