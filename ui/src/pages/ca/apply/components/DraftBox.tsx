import { App, Card, List, Popconfirm, Space, Tag, Typography } from 'antd';
import { type DraftSummary } from '../../../../api';
import { useDiscardDraft, useDrafts } from '../service';

const STEP_NAMES = ['填写申领信息', '核对信息'];

/** 草稿箱: what was typed and not yet submitted, kept across restarts. Hidden when empty. */
export default function DraftBox({ onContinue }: { onContinue: (draft: DraftSummary) => void }) {
  const drafts = useDrafts();
  const discard = useDiscardDraft();
  const { message } = App.useApp();
  if (!drafts.data?.length) return null;
  return (
    <Card size="small" title={`草稿箱（${drafts.data.length}）`} id="drafts" style={{ marginBottom: 16 }}>
      <List
        size="small"
        dataSource={drafts.data}
        renderItem={(draft) => (
          <List.Item
            key={draft.id}
            actions={[
              <Typography.Link key="continue" onClick={() => onContinue(draft)}>
                继续填写
              </Typography.Link>,
              <Popconfirm
                key="discard"
                title="确定删除该草稿吗？"
                okText="删除"
                cancelText="取消"
                onConfirm={() =>
                  discard.mutate(draft.id, {
                    onSuccess: () => message.success('草稿已删除'),
                    onError: (e) => message.error(e.message),
                  })
                }
              >
                <Typography.Link type="danger">删除</Typography.Link>
              </Popconfirm>,
            ]}
          >
            <Space>
              <Typography.Text strong className="draft-label">
                {draft.label}
              </Typography.Text>
              <Tag>{STEP_NAMES[draft.step] ?? STEP_NAMES[0]}</Tag>
              <Typography.Text type="secondary">保存于 {draft.updatedAtText}</Typography.Text>
            </Space>
          </List.Item>
        )}
      />
    </Card>
  );
}
