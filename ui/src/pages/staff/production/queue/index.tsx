import { Button } from 'antd';
import { useState } from 'react';
import { api } from '../../../../api';
import { useLocale } from '../../../../i18n';
import QueueTable from '../../components/QueueTable';
import { staffKeys } from '../../service';
import ShipModal from './components/ShipModal';

/** 制证队列: 审核通过, 待制证 orders, oldest first; 邮寄 records the courier and tracking number. */
export default function ProductionQueuePage() {
  const { t } = useLocale();
  const [shipping, setShipping] = useState<string | null>(null);
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
      <ShipModal orderNo={shipping} onClose={() => setShipping(null)} />
    </>
  );
}
