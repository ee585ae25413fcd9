import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Collapse, Drawer, Empty, Space, Typography } from 'antd';
import { api, errorMessage } from '../../api';
import { useLocale } from '../../i18n';

/**
 * 演示邮箱: the embedded platform has no mail server, so the email it sends applicants (status
 * notices, the electronic invoice) is kept as `.eml` files; here they are read, and an attachment
 * (the invoice PDF) opens in the system's viewer.
 */
export default function DemoMailbox({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useLocale();
  const messages = useQuery({ queryKey: ['demo-mailbox'], queryFn: api.demoMailbox, enabled: open });
  const openAttachment = useMutation({
    mutationFn: async ({ file, name }: { file: string; name: string }) => {
      const path = await api.saveMailAttachment(file, name);
      await api.openSavedFile(path);
      return path;
    },
  });
  const openFolder = useMutation({ mutationFn: api.openMailFolder });
  return (
    <Drawer title={t('mailbox.title')} open={open} onClose={onClose} size="large" rootClassName="demo-mailbox">
      <Alert type="info" showIcon title={t('mailbox.hint')} style={{ marginBottom: 16 }} />
      <Space style={{ marginBottom: 16 }}>
        <Button id="mailbox-refresh" onClick={() => void messages.refetch()} loading={messages.isFetching}>
          {t('mailbox.refresh')}
        </Button>
        <Button id="mailbox-folder" onClick={() => openFolder.mutate()}>
          {t('mailbox.openFolder')}
        </Button>
      </Space>
      {openFolder.isError && <Alert type="error" showIcon title={errorMessage(openFolder.error)} />}
      {messages.isError && <Alert type="error" showIcon title={errorMessage(messages.error)} />}
      {messages.data?.length === 0 && <Empty description={t('mailbox.empty')} />}
      {messages.data && messages.data.length > 0 && (
        <Collapse
          rootClassName="mailbox-messages"
          items={messages.data.map((m) => ({
            key: m.file,
            label: (
              <Space orientation="vertical" size={0}>
                <Typography.Text strong className="mail-subject">
                  {m.subject}
                </Typography.Text>
                <Typography.Text type="secondary">
                  {t('mailbox.to')}：{m.to}　{t('mailbox.date')}：{m.date}
                </Typography.Text>
              </Space>
            ),
            children: (
              <>
                <Typography.Paragraph className="mail-text" style={{ whiteSpace: 'pre-wrap' }}>
                  {m.text}
                </Typography.Paragraph>
                {m.attachments.length > 0 && (
                  <Space wrap>
                    <Typography.Text>{t('mailbox.attachments')}：</Typography.Text>
                    {m.attachments.map((name) => (
                      <Button
                        key={name}
                        size="small"
                        className="mail-attachment"
                        loading={openAttachment.isPending && openAttachment.variables?.name === name}
                        onClick={() => openAttachment.mutate({ file: m.file, name })}
                      >
                        {name}
                      </Button>
                    ))}
                  </Space>
                )}
              </>
            ),
          }))}
        />
      )}
      {openAttachment.isSuccess && (
        <Alert
          id="mailbox-opened"
          style={{ marginTop: 16 }}
          type="success"
          showIcon
          title={t('mailbox.opened', { path: openAttachment.data })}
        />
      )}
      {openAttachment.isError && (
        <Alert style={{ marginTop: 16 }} type="error" showIcon title={errorMessage(openAttachment.error)} />
      )}
    </Drawer>
  );
}
