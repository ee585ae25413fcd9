import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Form, Input, Space, Steps, Typography } from 'antd';
import { useEffect, useState } from 'react';
import {
  api,
  CommandError,
  errorMessage,
  type ApplicationForm,
  type IdCardView,
  type OrganisationAccount,
  type OrderRow,
} from '../../../../api';
import { useLocale } from '../../../../i18n';
import ApplicationFields, { emptyForm, FIELD_NAMES } from '../../../ca/apply/components/ApplicationFields';
import { useProviders } from '../../../ca/apply/service';
import { staffKeys } from '../../service';
import IdCardReading from '../components/IdCardReading';
import CounterOrder from '../order';

type Registering = { username: string; password: string; organisationName: string };

const complete = (values: Partial<ApplicationForm>) => ({ ...emptyForm, ...values }) as ApplicationForm;

/** 现场受理: the walk-in's organisation found or registered, the applicant's ID card read, the
 * application filled with the applicant's own form and rules; then the order at the counter. */
export default function CounterIntake() {
  const { t, status } = useLocale();
  const { message } = App.useApp();
  const client = useQueryClient();
  const providers = useProviders();
  const [step, setStep] = useState(0);
  const [creditCode, setCreditCode] = useState('');
  const [searching, setSearching] = useState(false);
  const [account, setAccount] = useState<OrganisationAccount | null>(null);
  const [unregistered, setUnregistered] = useState<string | null>(null);
  const [card, setCard] = useState<IdCardView | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<OrderRow | null>(null);
  const [handling, setHandling] = useState<string | null>(null);
  const [existing, setExisting] = useState('');
  const [registerForm] = Form.useForm<Registering>();
  const [form] = Form.useForm<ApplicationForm>();
  const values = Form.useWatch([], form) ?? {};

  // The application starts from the account (and the card, once read), collected at the counter.
  useEffect(() => {
    if (step !== 1 || !account) return;
    form.setFieldsValue({
      organisationName: account.organisationName,
      creditCode: account.creditCode,
      delivery: 'counter',
      ...(card ? { applicantName: card.name, idNumber: card.idNumber } : {}),
    });
    if (!form.getFieldValue('providerId') && providers.data?.length) {
      form.setFieldValue('providerId', providers.data[0].id);
    }
  }, [step, account, card, providers.data, form]);

  const find = async () => {
    setSearching(true);
    try {
      const found = await api.findOrganisation(creditCode.trim());
      setAccount(found);
      setUnregistered(found ? null : creditCode.trim().toUpperCase());
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setSearching(false);
    }
  };

  const register = async (values: Registering) => {
    try {
      const created = await api.registerOrganisation({ ...values, creditCode: unregistered ?? '' });
      message.success(t('counter.registered', { name: created.organisationName }));
      setAccount(created);
      setUnregistered(null);
    } catch (e) {
      message.error(errorMessage(e));
    }
  };

  const submit = async () => {
    const filled = complete(form.getFieldsValue(true));
    const errors = await api.checkApplication(filled, null);
    form.setFields(
      FIELD_NAMES.map((name) => ({ name, errors: errors.filter((e) => e.field === name).map((e) => e.message) })),
    );
    if (errors.length > 0) {
      message.error(t('wizard.invalid'));
      return;
    }
    setSubmitting(true);
    try {
      const row = await api.submitAtCounter(filled);
      message.success(t('counter.submitted', { orderNo: row.order.orderNo, status: status(row) }));
      setSubmitted(row);
      setStep(2);
      setHandling(row.order.orderNo);
      void client.invalidateQueries({ queryKey: staffKeys.all });
    } catch (e) {
      if (e instanceof CommandError && e.fields.length > 0) {
        form.setFields(e.fields.map((f) => ({ name: f.field, errors: [f.message] })));
      }
      message.error(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  const restart = () => {
    setStep(0);
    setAccount(null);
    setUnregistered(null);
    setCard(null);
    setSubmitted(null);
    setCreditCode('');
    form.resetFields();
    registerForm.resetFields();
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} id="counter-intake">
      <Card size="small" title={t('counter.openOrder')}>
        <Space.Compact>
          <Input
            id="counter-existing-order"
            placeholder={t('counter.enterOrderNo')}
            value={existing}
            maxLength={15}
            onChange={(e) => setExisting(e.target.value)}
            style={{ width: 260 }}
          />
          <Button
            id="counter-open-order"
            disabled={!/^\d{15}$/.test(existing.trim())}
            onClick={() => setHandling(existing.trim())}
          >
            {t('counter.open')}
          </Button>
        </Space.Compact>
      </Card>

      <Card title={t('counter.intakeTitle')}>
        <Typography.Paragraph type="secondary">{t('counter.intakeIntro')}</Typography.Paragraph>
        <Steps
          current={step}
          style={{ marginBottom: 24 }}
          items={[
            { title: t('counter.stepOrganisation') },
            { title: t('counter.stepApplication') },
            { title: t('counter.stepHandle') },
          ]}
        />

        {step === 0 && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Space.Compact>
              <Input
                id="counter-credit-code"
                placeholder={t('counter.creditCode')}
                value={creditCode}
                maxLength={18}
                onChange={(e) => setCreditCode(e.target.value)}
                onPressEnter={find}
                style={{ width: 280 }}
              />
              <Button id="counter-find" type="primary" loading={searching} onClick={find} disabled={!creditCode.trim()}>
                {t('counter.find')}
              </Button>
            </Space.Compact>
            {account && (
              <>
                <Alert type="success" showIcon title={t('counter.found')} />
                <Descriptions column={2} bordered size="small" id="counter-account">
                  <Descriptions.Item label={t('field.organisationName')}>{account.organisationName}</Descriptions.Item>
                  <Descriptions.Item label={t('field.creditCode')}>{account.creditCode}</Descriptions.Item>
                  <Descriptions.Item label={t('counter.username')}>{account.username}</Descriptions.Item>
                  <Descriptions.Item label={t('counter.registeredAt')}>{account.registeredAt}</Descriptions.Item>
                </Descriptions>
                <Button type="primary" id="counter-next" onClick={() => setStep(1)}>
                  {t('counter.next')}
                </Button>
              </>
            )}
            {unregistered && (
              <>
                <Alert type="warning" showIcon title={t('counter.notFound')} id="counter-not-found" />
                <Form form={registerForm} layout="vertical" name="counter-register" onFinish={register} style={{ maxWidth: 480 }}>
                  <Form.Item label={t('field.creditCode')}>
                    <Input value={unregistered} disabled />
                  </Form.Item>
                  <Form.Item
                    name="organisationName"
                    label={t('field.organisationName')}
                    rules={[{ required: true, whitespace: true, message: t('counter.enterOrganisation') }]}
                  >
                    <Input maxLength={100} />
                  </Form.Item>
                  <Form.Item
                    name="username"
                    label={t('counter.username')}
                    rules={[{ required: true, whitespace: true, message: t('counter.enterUsername') }]}
                  >
                    <Input maxLength={32} autoComplete="off" />
                  </Form.Item>
                  <Form.Item
                    name="password"
                    label={t('counter.password')}
                    extra={t('counter.passwordExtra')}
                    rules={[{ required: true, message: t('counter.enterPassword') }]}
                  >
                    <Input.Password autoComplete="new-password" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" id="counter-register-submit">
                    {t('counter.register')}
                  </Button>
                </Form>
              </>
            )}
          </Space>
        )}

        {step === 1 && (
          <>
            <Card size="small" title={t('counter.idCheck')} style={{ marginBottom: 16 }}>
              <IdCardReading card={card} onCard={setCard} />
              {!card && <Typography.Text type="secondary">{t('counter.noCard')}</Typography.Text>}
            </Card>
            <Form form={form} layout="vertical" name="counter-application" initialValues={{ ...emptyForm, delivery: 'counter' }}>
              <ApplicationFields
                providers={providers.data}
                providersLoading={providers.isLoading}
                providerId={values.providerId}
                quantity={values.quantity ?? 1}
                delivery={values.delivery}
                organisationLocked
              />
            </Form>
            <Space>
              <Button onClick={() => setStep(0)}>{t('counter.back')}</Button>
              <Button type="primary" id="counter-submit" loading={submitting} onClick={submit}>
                {t('counter.submit')}
              </Button>
            </Space>
          </>
        )}

        {step === 2 && submitted && (
          <Space orientation="vertical">
            <Alert
              type="success"
              showIcon
              title={t('counter.submitted', { orderNo: submitted.order.orderNo, status: status(submitted) })}
            />
            <Space>
              <Button type="primary" onClick={() => setHandling(submitted.order.orderNo)}>
                {t('counter.open')}
              </Button>
              <Button id="counter-restart" onClick={restart}>
                {t('counter.newIntake')}
              </Button>
            </Space>
          </Space>
        )}
      </Card>

      <CounterOrder orderNo={handling} card={card} onCard={setCard} onClose={() => setHandling(null)} />
    </Space>
  );
}
