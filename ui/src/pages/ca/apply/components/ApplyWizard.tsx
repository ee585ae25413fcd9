import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Descriptions, Form, Modal, Result, Space, Spin, Steps, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import {
  api,
  CommandError,
  formatFen,
  type ApplicationForm,
  type FieldError,
  type OrderRow,
} from '../../../../api';
import { orderKeys, useProviders } from '../service';
import ApplicationFields, { emptyForm, FIELD_NAMES } from './ApplicationFields';

/** What the wizard works on: a new application (maybe continuing a draft), or 编辑 of a rejected order. */
export type WizardTarget = { kind: 'new'; draftId?: string } | { kind: 'edit'; orderNo: string };

type Props = {
  target: WizardTarget | null;
  onClose: () => void;
  /** 邮寄纸质资料 chosen right after submitting. */
  onChoosePaper: (row: OrderRow) => void;
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
  return new Date().toLocaleTimeString('zh-CN', { hour12: false });
}

/**
 * CA在线申领 as a wizard: 填写申领信息 → 核对信息 → 身份认证. Every change is saved as a draft
 * (sealed by the app), so closing the window or a crash loses nothing; the same wizard edits a
 * rejected order with its 不通过理由 shown and the changed fields marked.
 */
export default function ApplyWizard({ target, onClose, onChoosePaper }: Props) {
  const [form] = Form.useForm<ApplicationForm>();
  const { message } = App.useApp();
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
      .catch((e) => live && setLoadError(e instanceof Error ? e.message : String(e)))
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
      message.error(`草稿保存失败：${e instanceof Error ? e.message : String(e)}`);
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
      message.error('申领信息有误，请按提示修改后再继续');
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
      message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setSubmitting(false);
    }
  };

  const close = () => {
    clearTimeout(checking.current);
    if (!result && draftId.current) {
      // The last keystrokes are saved before the dialog goes.
      void saveDraft(step);
      message.info('草稿已保存，可在草稿箱中继续填写');
    }
    onClose();
  };

  const provider = providers.data?.find((p) => p.id === values.providerId);
  const filled = complete(values);
  const review: [string, string, string?][] = [
    ['CA服务商', provider?.name ?? filled.providerId, 'providerId'],
    ['申领数量', String(filled.quantity ?? ''), 'quantity'],
    ['费用合计', provider ? formatFen(provider.unitFee * (filled.quantity || 0)) : '—'],
    ['机构名称', filled.organisationName, 'organisationName'],
    ['统一社会信用代码', filled.creditCode, 'creditCode'],
    ['申领人', filled.applicantName, 'applicantName'],
    ['身份证号', filled.idNumber, 'idNumber'],
    ['手机号码', filled.mobile, 'mobile'],
    ['电子邮箱', filled.email, 'email'],
    ['领取方式', filled.delivery === 'counter' ? '现场办理领取' : '制证后邮寄'],
    ...(filled.delivery === 'counter'
      ? []
      : ([
          ['收件人', filled.recipient, 'recipient'],
          ['收件人手机号码', filled.recipientMobile, 'recipientMobile'],
          ['邮寄地址', filled.address, 'address'],
        ] as [string, string, string][])),
  ];

  const footer =
    step === 0 ? (
      <Space>
        <Button onClick={close}>取消</Button>
        <Button type="primary" id="apply-next" onClick={next} disabled={loading || loadError !== null}>
          下一步
        </Button>
      </Space>
    ) : step === 1 ? (
      <Space>
        <Button onClick={() => setStep(0)}>上一步</Button>
        <Button type="primary" id="apply-submit" loading={submitting} onClick={submit}>
          {editing ? '重新提交' : '提交'}
        </Button>
      </Space>
    ) : null;

  return (
    <Modal
      title={editing ? `编辑申领（订单编号 ${editing}）` : 'CA在线申领'}
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
            ? [{ title: '修改申领信息' }, { title: '核对信息' }, { title: '重新提交' }]
            : [{ title: '填写申领信息' }, { title: '核对信息' }, { title: '身份认证' }]
        }
      />
      {reason && step < 2 && (
        <Alert
          id="rejection-reason"
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={`不通过理由：${reason}`}
          description="请按理由修改申领信息后重新提交；修改过的内容会标注“已修改”。"
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
          <Descriptions id="apply-review" column={1} bordered size="small" title="请核对申领信息">
            {review.map(([label, value, name]) => (
              <Descriptions.Item key={label} label={label}>
                {value}
                {editing && name && changed.has(name) && (
                  <Typography.Text type="warning" style={{ marginLeft: 8 }}>
                    已修改
                  </Typography.Text>
                )}
              </Descriptions.Item>
            ))}
          </Descriptions>
        )}
        {step === 2 && result && !editing && (
          <Result
            status="success"
            title="申领已提交"
            subTitle={`订单编号 ${result.order.orderNo}，费用 ${formatFen(result.order.fee)}。下一步：申领人身份认证。`}
            extra={
              <Space direction="vertical">
                <Typography.Text>人脸认证请使用带摄像头的电脑；无法人脸认证时，可邮寄纸质资料。</Typography.Text>
                <Space>
                  <Button type="primary" id="wizard-paper" onClick={() => onChoosePaper(result)}>
                    邮寄纸质资料
                  </Button>
                  <Button onClick={onClose}>稍后认证</Button>
                </Space>
              </Space>
            }
          />
        )}
        {step === 2 && result && editing && (
          <Result
            status="success"
            title="已重新提交"
            subTitle={`订单编号 ${result.order.orderNo}，当前状态：${result.statusZh}`}
            extra={
              <Button type="primary" id="wizard-done" onClick={onClose}>
                完成
              </Button>
            }
          />
        )}
      </Spin>
      {step < 2 && (
        <Typography.Text type="secondary" id="draft-status">
          {savedAt ? `草稿已自动保存 ${savedAt}` : '填写内容将自动保存为草稿'}
        </Typography.Text>
      )}
    </Modal>
  );
}
