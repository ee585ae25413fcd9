import { Alert, App, Button, Space } from 'antd';
import { useState } from 'react';
import { api, errorMessage, type IdCardView } from '../../../../api';
import { useLocale } from '../../../../i18n';

/** 读取身份证: what the reader read (the number masked), or the hint to put the card on it. */
export default function IdCardReading({ card, onCard }: { card: IdCardView | null; onCard: (card: IdCardView) => void }) {
  const { t } = useLocale();
  const { message } = App.useApp();
  const [reading, setReading] = useState(false);
  const read = async () => {
    setReading(true);
    try {
      onCard(await api.readIdCard());
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setReading(false);
    }
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {card ? (
        <Alert
          type="success"
          showIcon
          id="counter-card"
          title={t('counter.cardRead', { name: card.name, idNumber: card.idNumberMasked, reader: card.reader })}
          description={t('counter.cardDetail', {
            sex: card.sex,
            nation: card.nation,
            birth: card.birthDate,
            validity: card.validity,
          })}
        />
      ) : (
        <Alert type="info" showIcon title={t('counter.readHint')} />
      )}
      <Button id="counter-read-card" loading={reading} onClick={read}>
        {card ? t('counter.readAgain') : t('counter.readCard')}
      </Button>
    </Space>
  );
}
