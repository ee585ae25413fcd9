import { Col, Divider, Form, Input, InputNumber, Radio, Row, Select, Typography } from 'antd';
import { formatFen, type ApplicationForm, type FormField, type Provider } from '../../../../api';
import { useLocale } from '../../../../i18n';

/** The fields of the 申领 form, in the guide's order, as one empty form. */
export const emptyForm: Omit<ApplicationForm, 'providerId'> = {
  quantity: 1,
  delivery: 'mail',
  organisationName: '',
  creditCode: '',
  applicantName: '',
  idNumber: '',
  mobile: '',
  email: '',
  recipient: '',
  recipientMobile: '',
  address: '',
};

/** The form field names the rules can refuse. */
export const FIELD_NAMES = ['providerId', ...Object.keys(emptyForm)] as FormField[];

type Props = {
  providers: Provider[] | undefined;
  providersLoading: boolean;
  providerId: string | undefined;
  quantity: number;
  delivery: string | undefined;
  /** 编辑: the fields that differ from the rejected application, highlighted. */
  changed?: Set<string>;
  /** 编辑: CA服务商 and 申领数量 fixed the fee and cannot change on resubmission. */
  feeLocked?: boolean;
  /** 现场受理: the organisation is the account the counter found, not typed. */
  organisationLocked?: boolean;
};

/** The 申领 form's fields; the surrounding `Form` holds the values and the verdicts. */
export default function ApplicationFields({
  providers,
  providersLoading,
  providerId,
  quantity,
  delivery,
  changed,
  feeLocked,
  organisationLocked,
}: Props) {
  const { t } = useLocale();
  const provider = providers?.find((p) => p.id === providerId);
  // A changed field says so under itself; the label stays the guide's word.
  const mark = (name: string) =>
    changed?.has(name)
      ? { extra: <Typography.Text type="warning">{t('field.changed')}</Typography.Text>, className: 'field-changed' }
      : {};
  return (
    <>
      <Divider titlePlacement="start">{t('field.sectionProvider')}</Divider>
      <Row gutter={16}>
        <Col span={12}>
          <Form.Item name="providerId" label={t('field.provider')} required {...mark('providerId')}>
            <Select
              loading={providersLoading}
              disabled={feeLocked}
              options={providers?.map((p) => ({
                value: p.id,
                label: `${p.name}（${t('field.perUnit', { fee: formatFen(p.unitFee) })}）${p.demo ? ` · ${t('field.demoProvider')}` : ''}`,
              }))}
            />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item name="quantity" label={t('field.quantity')} required {...mark('quantity')}>
            <InputNumber min={1} precision={0} style={{ width: '100%' }} disabled={feeLocked} />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t('field.total')}>
            <Typography.Text strong id="apply-total">
              {provider ? formatFen(provider.unitFee * (quantity || 0)) : '—'}
            </Typography.Text>
          </Form.Item>
        </Col>
      </Row>
      <Divider titlePlacement="start">{t('field.sectionOrganisation')}</Divider>
      <Row gutter={16}>
        <Col span={12}>
          <Form.Item name="organisationName" label={t('field.organisationName')} required {...mark('organisationName')}>
            <Input maxLength={100} disabled={organisationLocked} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="creditCode" label={t('field.creditCode')} required {...mark('creditCode')}>
            <Input maxLength={18} disabled={organisationLocked} />
          </Form.Item>
        </Col>
      </Row>
      <Divider titlePlacement="start">{t('field.sectionApplicant')}</Divider>
      <Row gutter={16}>
        <Col span={8}>
          <Form.Item name="applicantName" label={t('field.applicant')} required {...mark('applicantName')}>
            <Input maxLength={30} />
          </Form.Item>
        </Col>
        <Col span={16}>
          <Form.Item name="idNumber" label={t('field.idNumber')} required {...mark('idNumber')}>
            <Input maxLength={18} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="mobile" label={t('field.mobile')} required {...mark('mobile')}>
            <Input maxLength={20} />
          </Form.Item>
        </Col>
        <Col span={16}>
          <Form.Item
            name="email"
            label={t('field.email')}
            required
            extra={changed?.has('email') ? t('field.emailChangedExtra') : t('field.emailExtra')}
            className={changed?.has('email') ? 'field-changed' : undefined}
          >
            <Input maxLength={254} />
          </Form.Item>
        </Col>
      </Row>
      <Divider titlePlacement="start">{t('field.sectionDelivery')}</Divider>
      <Form.Item name="delivery">
        <Radio.Group
          options={[
            { value: 'mail', label: t('field.mail') },
            { value: 'counter', label: t('field.counter') },
          ]}
        />
      </Form.Item>
      {delivery !== 'counter' && (
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item name="recipient" label={t('field.recipient')} required {...mark('recipient')}>
              <Input maxLength={30} />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item name="recipientMobile" label={t('field.recipientMobile')} required {...mark('recipientMobile')}>
              <Input maxLength={20} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="address" label={t('field.address')} required {...mark('address')}>
              <Input maxLength={200} />
            </Form.Item>
          </Col>
        </Row>
      )}
    </>
  );
}
