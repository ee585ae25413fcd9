import { DatePicker, Form, Select } from 'antd';
import type { Provider } from '../../../../api';
import { useLocale } from '../../../../i18n';

/** 展开 in the search form: CA服务商 and 申领时间. Loaded when first expanded: the date picker is
 * ≈ 100 KiB of script the first screen does not show. */
export default function MoreFilters({ providers }: { providers: Provider[] | undefined }) {
  const { t } = useLocale();
  return (
    <>
      <Form.Item name="providerId" label={t('field.provider')}>
        <Select
          placeholder={t('list.selectPlaceholder')}
          allowClear
          style={{ width: 180 }}
          options={providers?.map((p) => ({ value: p.id, label: p.name }))}
        />
      </Form.Item>
      <Form.Item name="submittedRange" label={t('list.submittedAt')}>
        <DatePicker.RangePicker />
      </Form.Item>
    </>
  );
}
