import { Button } from 'antd';
import { useState } from 'react';
import { api } from '../../../../api';
import { useLocale } from '../../../../i18n';
import QueueTable from '../../components/QueueTable';
import { staffKeys } from '../../service';
import ReviewOrder from '../order';

/** 审核队列: 待审核 orders, oldest first; 办理 opens the order in full with the reviewer's steps. */
export default function ReviewQueuePage() {
  const { t } = useLocale();
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <QueueTable
        id="review-queue"
        queryKey={staffKeys.reviewQueue}
        fetch={api.reviewQueue}
        promise={t('staff.reviewPromise')}
        action={(r) => (
          <Button type="link" size="small" className="queue-handle" onClick={() => setOpen(r.row.order.orderNo)}>
            {t('staff.handle')}
          </Button>
        )}
      />
      <ReviewOrder orderNo={open} onClose={() => setOpen(null)} />
    </>
  );
}
