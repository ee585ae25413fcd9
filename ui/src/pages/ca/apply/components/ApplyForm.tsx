import { Alert, App, Col, Divider, Form, Input, InputNumber, Modal, Radio, Row, Select, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import {
  api,
  CommandError,
  formatFen,
  type ApplicationForm,
  type FieldError,
  type OrderRow,
  type Provider,
} from '../../../../api';
import { useProviders, useSubmitApplication } from '../service';

type Props = { open: boolean; onClose: () => void; onSubmitted: (row: OrderRow) => void };

const initialValues: Partial<ApplicationForm> = {
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

/** CA在线申领: the application form. Every rule is checked by the platform through the core. */
export default function ApplyForm({ open, onClose, onSubmitted }: Props) {
  const [form] = Form.useForm<ApplicationForm>();
  const { message } = App.useApp();
  const providers = useProviders();
  const submit = useSubmitApplication();
  const providerId = Form.useWatch('providerId', form);
  const quantity = Form.useWatch('quantity', form) ?? 1;
  const delivery = Form.useWatch('delivery', form);
  const provider: Provider | undefined = providers.data?.find((p) => p.id === providerId);

  useEffect(() => {
    if (open && providers.data?.length && !form.getFieldValue('providerId')) {
      form.setFieldValue('providerId', providers.data[0].id);
    }
  }, [open, providers.data, form]);

  const complete = (values: Partial<ApplicationForm>) => ({ ...initialValues, ...values }) as ApplicationForm;
  const showErrors = (errors: FieldError[], only?: (name: string) => boolean) => {
    const names = Object.keys(initialValues).concat('providerId');
    form.setFields(
      names
        .filter((name) => !only || only(name))
        .map((name) => ({
          name: name as keyof ApplicationForm,
          errors: errors.filter((e) => e.field === name).map((e) => e.message),
        })),
    );
  };

  // As the applicant types, ask the core (through the app) and show its verdict on touched fields.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onValuesChange = () => {
    clearTimeout(pending.current);
    pending.current = setTimeout(async () => {
      const errors = await api.checkApplication(complete(form.getFieldsValue()));
      showErrors(errors, (name) => form.isFieldTouched(name as keyof ApplicationForm));
    }, 250);
  };
  useEffect(() => () => clearTimeout(pending.current), []);

  const onFinish = async (values: ApplicationForm) => {
    clearTimeout(pending.current);
    const errors = await api.checkApplication(complete(values));
    if (errors.length > 0) {
      showErrors(errors);
      message.error('申领信息有误，请按提示修改后再提交');
      return;
    }
    try {
      const row = await submit.mutateAsync(complete(values));
      message.success(`申领已提交，订单编号 ${row.order.orderNo}，请完成申领人身份认证`);
      form.resetFields();
      onSubmitted(row);
    } catch (e) {
      if (e instanceof CommandError && e.fields.length > 0) {
        form.setFields(e.fields.map((f) => ({ name: f.field, errors: [f.message] })));
      }
      message.error(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <Modal
      title="CA在线申领"
      open={open}
      width={760}
      okText="提交"
      cancelText="取消"
      onOk={() => form.submit()}
      okButtonProps={{ id: 'apply-submit', loading: submit.isPending }}
      onCancel={onClose}
      // A half-filled application is not thrown away by a stray click outside the dialog.
      maskClosable={false}
      destroyOnHidden={false}
    >
      {providers.isError && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} message={providers.error.message} />
      )}
      <Form
        form={form}
        name="apply"
        layout="vertical"
        initialValues={initialValues}
        onValuesChange={onValuesChange}
        onFinish={onFinish}
      >
        <Divider titlePlacement="start">CA服务商</Divider>
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="providerId" label="CA服务商" required>
              <Select
                loading={providers.isLoading}
                options={providers.data?.map((p) => ({
                  value: p.id,
                  label: `${p.name}（${formatFen(p.unitFee)}/个）${p.demo ? ' · 演示' : ''}`,
                }))}
              />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="quantity" label="申领数量" required>
              <InputNumber min={1} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item label="费用合计">
              <Typography.Text strong id="apply-total">
                {provider ? formatFen(provider.unitFee * (quantity || 0)) : '—'}
              </Typography.Text>
            </Form.Item>
          </Col>
        </Row>
        <Divider titlePlacement="start">申领单位</Divider>
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item name="organisationName" label="机构名称" required>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="creditCode" label="统一社会信用代码" required>
              <Input maxLength={18} />
            </Form.Item>
          </Col>
        </Row>
        <Divider titlePlacement="start">申领人</Divider>
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item name="applicantName" label="申领人" required>
              <Input maxLength={30} />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item name="idNumber" label="身份证号" required>
              <Input maxLength={18} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="mobile" label="手机号码" required>
              <Input maxLength={20} />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item
              name="email"
              label="电子邮箱"
              extra="电子发票将发送至此邮箱"
              required
            >
              <Input maxLength={254} />
            </Form.Item>
          </Col>
        </Row>
        <Divider titlePlacement="start">证书领取方式</Divider>
        <Form.Item name="delivery">
          <Radio.Group
            options={[
              { value: 'mail', label: '制证后邮寄' },
              { value: 'counter', label: '现场办理领取' },
            ]}
          />
        </Form.Item>
        {delivery !== 'counter' && (
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item name="recipient" label="收件人" required>
                <Input maxLength={30} />
              </Form.Item>
            </Col>
            <Col span={16}>
              <Form.Item name="recipientMobile" label="收件人手机号码" required>
                <Input maxLength={20} />
              </Form.Item>
            </Col>
            <Col span={24}>
              <Form.Item name="address" label="邮寄地址" required>
                <Input maxLength={200} />
              </Form.Item>
            </Col>
          </Row>
        )}
      </Form>
    </Modal>
  );
}
