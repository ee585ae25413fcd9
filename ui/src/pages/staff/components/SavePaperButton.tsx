import { Alert, App, Button, Space } from 'antd';
import { useState } from 'react';
import { api, errorMessage } from '../../../api';
import { useLocale } from '../../../i18n';

type Props = {
  id: string;
  label: string;
  /** Saves the paper (a PDF from the platform) and resolves to where. */
  save: () => Promise<string>;
  savedText: (path: string) => string;
};

/** A paper to print (受理回执, 邮寄清单): saved as a PDF, then opened in the system's viewer. */
export default function SavePaperButton({ id, label, save, savedText }: Props) {
  const { t } = useLocale();
  const { message } = App.useApp();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Button
        id={id}
        loading={saving}
        onClick={async () => {
          setSaving(true);
          try {
            setSaved(await save());
          } catch (e) {
            message.error(errorMessage(e));
          } finally {
            setSaving(false);
          }
        }}
      >
        {label}
      </Button>
      {saved && (
        <Alert
          type="success"
          showIcon
          title={<span id={`${id}-saved`}>{savedText(saved)}</span>}
          action={
            <Button size="small" onClick={() => api.openSavedFile(saved).catch((e) => message.error(errorMessage(e)))}>
              {t('paper.open')}
            </Button>
          }
        />
      )}
    </Space>
  );
}
