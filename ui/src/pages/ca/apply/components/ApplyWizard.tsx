import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Form, Modal, Result, Space, Spin, Steps, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import {
  api,
  CommandError,
  errorMessage,
  formatFen,
  type ApplicationForm,
  type FieldError,
  type OrderRow,
} from '../../../../api';
import { useLocale } from '../../../../i18n';
import { orderKeys, useProviders } from '../service';
import ApplicationFields, { emptyForm, FIELD_NAMES } from './ApplicationFields';

/** What the wizard works on: a new application (maybe continuing a draft), or 编辑 of a rejected order. */
export type WizardTarget = { kind: 'new'; draftId?: string } | { kind: 'edit'; orderNo: string };

type Props = {
  target: WizardTarget | null;
  onClose: () => void;
  /** 邮寄纸质资料 chosen right after submitting. */
  onChoosePaper: (row: OrderRow) => void;
  /** 人脸认证 chosen right after submitting. */
  onChooseFace: (row: OrderRow) => void;
};

const complete = (values: Partial<ApplicationForm>) => ({ ...emptyForm, ...values }) as ApplicationForm;

/** The fields that differ from `original`; a change of delivery method changes the address fields. */
function changedFields(values: ApplicationForm, original: ApplicationForm | null): Set<string> {
  if (!original) return new Set();
  const changed = new Set<string>();
  for (const name of FIELD_NAMES) {
    if (String(values[name] ?? '').trim() !== String(original[name] ?? '').trim()) changed.add(name);
  }
  if (values.delivery !== original.delivery) ['recipient', 'recipientMobile', 'address'].forEach((n) => changed.add(n));
  return changed;
}

function nowText() {
  return new Date().toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}

/**
 * CA在线申领 as a wizard: 填写申领信息 → 核对信息 → 身份认证. Every change is saved as a draft
 * (sealed by the app), so closing the window or a crash loses nothing; the same wizard edits a
 * rejected order with its 不通过理由 shown and the changed fields marked.
 */
export default function ApplyWizard({ target, onClose, onChoosePaper, onChooseFace }: Props) {
  const [form] = Form.useForm<ApplicationForm>();
  const { message } = App.useApp();
  const { t, status } = useLocale();
  const client = useQueryClient();
  const providers = useProviders();
  const [step, setStep] = useState(0);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [result, setResult] = useState<OrderRow | null>(null);
  const [original, setOriginal] = useState<ApplicationForm | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const draftId = useRef<string | null>(null);
  const saving = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const checking = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const values = (Form.useWatch([], form) ?? {}) as Partial<ApplicationForm>;
  const editing = target?.kind === 'edit' ? target.orderNo : null;
  const changed = changedFields(complete(values), original);

  // Open: a fresh form, a draft, or the rejected order (with its own draft if the edit was started).
  useEffect(() => {
    if (!target) return;
    let live = true;
    setStep(0);
    setResult(null);
    setSavedAt(null);
    setLoadError(null);
    setOriginal(null);
    setReason(null);
    draftId.current = null;
    form.resetFields();
    const load = async () => {
      if (target.kind === 'new' && target.draftId) {
        const draft = await api.openDraft(target.draftId);
        if (!live) return;
        draftId.current = draft.id;
        form.setFieldsValue(draft.form);
        setStep(Math.min(draft.step, 1));
      } else if (target.kind === 'edit') {
        const [edit, draft] = await Promise.all([
          api.applicationForEdit(target.orderNo),
          api.draftForOrder(target.orderNo),
        ]);
        if (!live) return;
        setOriginal(edit.form);
        setReason(edit.reason);
        draftId.current = draft?.id ?? null;
        form.setFieldsValue(draft?.form ?? edit.form);
      }
    };
    setLoading(true);
    load()
      .catch((e) => live && setLoadError(errorMessage(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [target, form]);

  // A new application starts with the first provider chosen.
  useEffect(() => {
    if (target?.kind === 'new' && !target.draftId && providers.data?.length && !form.getFieldValue('providerId')) {
      form.setFieldValue('providerId', providers.data[0].id);
    }
  }, [target, providers.data, form]);

  useEffect(
    () => () => {
      clearTimeout(saving.current);
      clearTimeout(checking.current);
    },
    [],
  );

  const showErrors = (errors: FieldError[], only?: (name: string) => boolean) =>
    form.setFields(
      FIELD_NAMES.filter((name) => !only || only(name)).map((name) => ({
        name,
        errors: errors.filter((e) => e.field === name).map((e) => e.message),
      })),
    );

  const saveDraft = async (atStep: number) => {
    clearTimeout(saving.current);
    try {
      const saved = await api.saveDraft({
        id: draftId.current,
        orderNo: editing,
        form: complete(form.getFieldsValue(true)),
        step: atStep,
      });
      draftId.current = saved.id;
      setSavedAt(nowText());
      client.invalidateQueries({ queryKey: orderKeys.drafts });
    } catch (e) {
      message.error(t('wizard.draftFailed', { error: errorMessage(e) }));
    }
  };

  // As the applicant types: the core's verdict on touched fields, and the draft saved.
  const onValuesChange = () => {
    clearTimeout(checking.current);
    checking.current = setTimeout(async () => {
      const errors = await api.checkApplication(complete(form.getFieldsValue(true)), original?.idNumber ?? null);
      showErrors(errors, (name) => form.isFieldTouched(name as keyof ApplicationForm));
    }, 250);
    clearTimeout(saving.current);
    saving.current = setTimeout(() => void saveDraft(step), 400);
  };

  const next = async () => {
    clearTimeout(checking.current);
    const errors = await api.checkApplication(complete(form.getFieldsValue(true)), original?.idNumber ?? null);
    if (errors.length > 0) {
      showErrors(errors);
      message.error(t('wizard.invalid'));
      return;
    }
    setStep(1);
    await saveDraft(1);
  };

  const submit = async () => {
    clearTimeout(saving.current);
    setSubmitting(true);
    const filled = complete(form.getFieldsValue(true));
    try {
      const row = editing
        ? await api.resubmitApplication(editing, filled, draftId.current)
        : await api.submitApplication(filled, draftId.current);
      draftId.current = null;
      setResult(row);
      setStep(2);
      client.invalidateQueries({ queryKey: orderKeys.all });
      client.invalidateQueries({ queryKey: orderKeys.drafts });
    } catch (e) {
      if (e instanceof CommandError && e.fields.length > 0) {
        setStep(0);
        form.setFields(e.fields.map((f) => ({ name: f.field, errors: [f.message] })));
      }
      message.error(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  const close = () => {
    clearTimeout(checking.current);
    if (!result && draftId.current) {
      // The last keystrokes are saved before the dialog goes.
      void saveDraft(step);
      message.info(t('wizard.draftKept'));
    }
    onClose();
  };

  const provider = providers.data?.find((p) => p.id === values.providerId);
  const filled = complete(values);
  const review: [string, string, string?][] = [
    [t('field.provider'), provider?.name ?? filled.providerId, 'providerId'],
    [t('field.quantity'), String(filled.quantity ?? ''), 'quantity'],
    [t('field.total'), provider ? formatFen(provider.unitFee * (filled.quantity || 0)) : '—'],
    [t('field.organisationName'), filled.organisationName, 'organisationName'],
    [t('field.creditCode'), filled.creditCode, 'creditCode'],
    [t('field.applicant'), filled.applicantName, 'applicantName'],
    [t('field.idNumber'), filled.idNumber, 'idNumber'],
    [t('field.mobile'), filled.mobile, 'mobile'],
    [t('field.email'), filled.email, 'email'],
    [t('field.delivery'), filled.delivery === 'counter' ? t('field.counter') : t('field.mail')],
    ...(filled.delivery === 'counter'
      ? []
      : ([
          [t('field.recipient'), filled.recipient, 'recipient'],
          [t('field.recipientMobile'), filled.recipientMobile, 'recipientMobile'],
          [t('field.address'), filled.address, 'address'],
        ] as [string, string, string][])),
  ];

  const footer =
    step === 0 ? (
      <Space>
        <Button onClick={close}>{t('wizard.cancel')}</Button>
        <Button type="primary" id="apply-next" onClick={next} disabled={loading || loadError !== null}>
          {t('wizard.next')}
        </Button>
      </Space>
    ) : step === 1 ? (
      <Space>
        <Button onClick={() => setStep(0)}>{t('wizard.previous')}</Button>
        <Button type="primary" id="apply-submit" loading={submitting} onClick={submit}>
          {editing ? t('wizard.resubmit') : t('wizard.submit')}
        </Button>
      </Space>
    ) : null;

  return (
    <Modal
      title={editing ? t('wizard.editTitle', { orderNo: editing }) : t('wizard.title')}
      open={target !== null}
      width={800}
      footer={footer}
      onCancel={close}
      // A half-filled application is not thrown away by a stray click outside the dialog.
      mask={{ closable: false }}
      destroyOnHidden={false}
      rootClassName="apply-wizard"
    >
      <Steps
        current={step}
        size="small"
        style={{ marginBottom: 16 }}
        items={
          editing
            ? [{ title: t('wizard.stepEdit') }, { title: t('wizard.stepReview') }, { title: t('wizard.stepResubmit') }]
            : [{ title: t('wizard.stepFill') }, { title: t('wizard.stepReview') }, { title: t('wizard.stepVerify') }]
        }
      />
      {reason && step < 2 && (
        <Alert
          id="rejection-reason"
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('wizard.reason', { reason })}
          description={t('wizard.reasonHint')}
        />
      )}
      {loadError && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={loadError} />}
      {providers.isError && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={providers.error.message} />}
      <Spin spinning={loading}>
        {/* The fields stay mounted on every step so their values and verdicts are kept. */}
        <div style={{ display: step === 0 ? 'block' : 'none' }}>
          <Form
            form={form}
            name="apply"
            layout="vertical"
            initialValues={emptyForm}
            onValuesChange={onValuesChange}
          >
            <ApplicationFields
              providers={providers.data}
              providersLoading={providers.isLoading}
              providerId={values.providerId}
              quantity={values.quantity ?? 1}
              delivery={values.delivery}
              changed={editing ? changed : undefined}
              feeLocked={editing !== null}
            />
          </Form>
        </div>
        {step === 1 && (
          <Descriptions id="apply-review" column={1} bordered size="small" title={t('wizard.reviewTitle')}>
            {review.map(([label, value, name]) => (
              <Descriptions.Item key={label} label={label}>
                {value}
                {editing && name && changed.has(name) && (
                  <Typography.Text type="warning" style={{ marginLeft: 8 }}>
                    {t('field.changed')}
                  </Typography.Text>
                )}
              </Descriptions.Item>
            ))}
          </Descriptions>
        )}
        {step === 2 && result && !editing && (
          <Result
            status="success"
            title={t('wizard.submitted')}
            subTitle={t('wizard.submittedDetail', { orderNo: result.order.orderNo, fee: formatFen(result.order.fee) })}
            extra={
              <Space orientation="vertical">
                <Typography.Text>{t('wizard.verifyHint')}</Typography.Text>
                <Space>
                  <Button type="primary" id="wizard-face" onClick={() => onChooseFace(result)}>
                    {t('face.action')}
                  </Button>
                  <Button id="wizard-paper" onClick={() => onChoosePaper(result)}>
                    {t('wizard.paper')}
                  </Button>
                  <Button onClick={onClose}>{t('wizard.later')}</Button>
                </Space>
              </Space>
            }
          />
        )}
        {step === 2 && result && editing && (
          <Result
            status="success"
            title={t('wizard.resubmitted')}
            subTitle={t('wizard.resubmittedDetail', {
              orderNo: result.order.orderNo,
              status: status(result),
            })}
            extra={
              <Button type="primary" id="wizard-done" onClick={onClose}>
                {t('wizard.done')}
              </Button>
            }
          />
        )}
      </Spin>
      {step < 2 && (
        <Typography.Text type="secondary" id="draft-status">
          {savedAt ? t('wizard.draftSaved', { time: savedAt }) : t('wizard.draftWillSave')}
        </Typography.Text>
      )}
    </Modal>
  );
}
