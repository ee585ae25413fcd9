import { App, Card, Flex, Popconfirm, Space, Tag, Typography } from 'antd';
import { type DraftSummary } from '../../../../api';
import { useLocale } from '../../../../i18n';
import { useDiscardDraft, useDrafts } from '../service';

const STEP_KEYS = ['wizard.stepFill', 'wizard.stepReview'] as const;

/** 草稿箱: what was typed and not yet submitted, kept across restarts. Hidden when empty. */
export default function DraftBox({ onContinue }: { onContinue: (draft: DraftSummary) => void }) {
  const drafts = useDrafts();
  const discard = useDiscardDraft();
  const { message } = App.useApp();
  const { t } = useLocale();
  if (!drafts.data?.length) return null;
  return (
    <Card size="small" title={t('drafts.title', { count: drafts.data.length })} id="drafts" style={{ marginBottom: 16 }}>
      {drafts.data.map((draft) => (
        <Flex key={draft.id} className="draft-item" justify="space-between" align="center" style={{ padding: '4px 0' }}>
          <Space>
            <Typography.Text strong className="draft-label">
              {draft.label}
            </Typography.Text>
            <Tag>{t(STEP_KEYS[draft.step] ?? STEP_KEYS[0])}</Tag>
            <Typography.Text type="secondary">{t('drafts.savedAt', { time: draft.updatedAtText })}</Typography.Text>
          </Space>
          <Space>
            <Typography.Link onClick={() => onContinue(draft)}>{t('drafts.continue')}</Typography.Link>
            <Popconfirm
              title={t('drafts.discardConfirm')}
              okText={t('drafts.discard')}
              cancelText={t('list.dismiss')}
              onConfirm={() =>
                discard.mutate(draft.id, {
                  onSuccess: () => message.success(t('drafts.discarded')),
                  onError: (e) => message.error(e.message),
                })
              }
            >
              <Typography.Link type="danger">{t('drafts.discard')}</Typography.Link>
            </Popconfirm>
          </Space>
        </Flex>
      ))}
    </Card>
  );
}
