import { Button, Space, Typography } from 'antd';
import { useLocale } from '../../../i18n';

/** 重置 and 搜索 at the end of a staff list's filter form (搜索 submits the form). */
export function FilterButtons({ onReset, searchId, searchClass }: { onReset: () => void; searchId?: string; searchClass?: string }) {
  const { t } = useLocale();
  return (
    <Space>
      <Button onClick={onReset}>{t('staff.reset')}</Button>
      <Button type="primary" htmlType="submit" id={searchId} className={searchClass}>
        {t('staff.search')}
      </Button>
    </Space>
  );
}

/** 上一页 / 第 N 页 / 下一页 for a list the platform pages without a total: a page shorter than
 * `pageSize` is the last. */
export function Pager({ page, shown, pageSize, onPage }: { page: number; shown: number; pageSize: number; onPage: (page: number) => void }) {
  const { t } = useLocale();
  return (
    <Space style={{ marginTop: 12 }}>
      <Button size="small" disabled={page === 1} onClick={() => onPage(page - 1)}>
        {t('staff.previous')}
      </Button>
      <Typography.Text>{t('staff.pageNo', { page })}</Typography.Text>
      <Button size="small" disabled={shown < pageSize} onClick={() => onPage(page + 1)}>
        {t('staff.next')}
      </Button>
    </Space>
  );
}
