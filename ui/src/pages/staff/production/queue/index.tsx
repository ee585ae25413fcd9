import { Button, Card, DatePicker, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { api } from '../../../../api';
import { useLocale } from '../../../../i18n';
import QueueTable from '../../components/QueueTable';
import SavePaperButton from '../../components/SavePaperButton';
import { staffKeys } from '../../service';
import ShipModal from './components/ShipModal';

/** 制证队列: 审核通过, 待制证 orders, oldest first; 邮寄 records the courier and tracking number; the
 * day's 邮寄清单 printed as a PDF. */
export default function ProductionQueuePage() {
  const { t } = useLocale();
  const [shipping, setShipping] = useState<string | null>(null);
  const [day, setDay] = useState<Dayjs>(() => dayjs());
  return (
    <>
      <QueueTable
        id="production-queue"
        queryKey={staffKeys.productionQueue}
        fetch={api.productionQueue}
        promise={t('staff.productionPromise')}
        action={(r) => (
          <Button type="link" size="small" className="queue-ship" onClick={() => setShipping(r.row.order.orderNo)}>
            {t('staff.ship')}
          </Button>
        )}
      />
      <Card size="small" title={t('counter.shippingList')} style={{ marginTop: 16 }} id="shipping-list">
        <Space align="start">
          <DatePicker
            id="shipping-list-date"
            allowClear={false}
            value={day}
            onChange={(d) => d && setDay(d)}
            placeholder={t('counter.shippingDate')}
          />
          <SavePaperButton
            id="shipping-list-save"
            label={t('counter.shippingList')}
            save={() => api.saveShippingList(day.format('YYYY-MM-DD'))}
            savedText={(path) => t('counter.shippingListSaved', { path })}
          />
        </Space>
      </Card>
      <ShipModal orderNo={shipping} onClose={() => setShipping(null)} />
    </>
  );
}
