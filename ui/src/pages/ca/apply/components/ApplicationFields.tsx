import { Col, Divider, Form, Input, InputNumber, Radio, Row, Select, Typography } from 'antd';
import { formatFen, type ApplicationForm, type FormField, type Provider } from '../../../../api';

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
}: Props) {
  const provider = providers?.find((p) => p.id === providerId);
  // A changed field says so under itself; the label stays the guide's word.
  const mark = (name: string) =>
    changed?.has(name)
      ? { extra: <Typography.Text type="warning">已修改</Typography.Text>, className: 'field-changed' }
      : {};
  return (
    <>
      <Divider titlePlacement="start">CA服务商</Divider>
      <Row gutter={16}>
        <Col span={12}>
          <Form.Item name="providerId" label="CA服务商" required {...mark('providerId')}>
            <Select
              loading={providersLoading}
              disabled={feeLocked}
              options={providers?.map((p) => ({
                value: p.id,
                label: `${p.name}（${formatFen(p.unitFee)}/个）${p.demo ? ' · 演示' : ''}`,
              }))}
            />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item name="quantity" label="申领数量" required {...mark('quantity')}>
            <InputNumber min={1} precision={0} style={{ width: '100%' }} disabled={feeLocked} />
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
          <Form.Item name="organisationName" label="机构名称" required {...mark('organisationName')}>
            <Input maxLength={100} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="creditCode" label="统一社会信用代码" required {...mark('creditCode')}>
            <Input maxLength={18} />
          </Form.Item>
        </Col>
      </Row>
      <Divider titlePlacement="start">申领人</Divider>
      <Row gutter={16}>
        <Col span={8}>
          <Form.Item name="applicantName" label="申领人" required {...mark('applicantName')}>
            <Input maxLength={30} />
          </Form.Item>
        </Col>
        <Col span={16}>
          <Form.Item name="idNumber" label="身份证号" required {...mark('idNumber')}>
            <Input maxLength={18} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="mobile" label="手机号码" required {...mark('mobile')}>
            <Input maxLength={20} />
          </Form.Item>
        </Col>
        <Col span={16}>
          <Form.Item
            name="email"
            label="电子邮箱"
            required
            extra={changed?.has('email') ? '已修改 · 电子发票将发送至此邮箱' : '电子发票将发送至此邮箱'}
            className={changed?.has('email') ? 'field-changed' : undefined}
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
            <Form.Item name="recipient" label="收件人" required {...mark('recipient')}>
              <Input maxLength={30} />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item name="recipientMobile" label="收件人手机号码" required {...mark('recipientMobile')}>
              <Input maxLength={20} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="address" label="邮寄地址" required {...mark('address')}>
              <Input maxLength={200} />
            </Form.Item>
          </Col>
        </Row>
      )}
    </>
  );
}
