import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Input, Select, Space, Steps, Typography } from 'antd';
import { useEffect, useState } from 'react';
import {
  api,
  errorMessage,
  onUkeyProgress,
  type CertificateRecord,
  type UkeyIssued,
  type UkeyStep,
} from '../../../api';
import { useLocale } from '../../../i18n';
import { staffKeys } from '../service';
import SavePaperButton from './SavePaperButton';

export const UKEY_STEPS: UkeyStep[] = ['detect', 'pin', 'generateKey', 'issue', 'write', 'verify'];

const STEP_TEXT = {
  detect: 'ukey.stepDetect',
  pin: 'ukey.stepPin',
  generateKey: 'ukey.stepGenerateKey',
  issue: 'ukey.stepIssue',
  write: 'ukey.stepWrite',
  verify: 'ukey.stepVerify',
} as const satisfies Record<UkeyStep, string>;

type Props = {
  orderNo: string;
  organisationName: string;
  quantity: number;
  /** The order's certificates so far. */
  certificates: CertificateRecord[];
};

/** 写入证书: the order's certificates, one UKey each — pick the UKey, type its PIN, and watch
 * 检测UKey → 输入PIN → 生成密钥 → 签发证书 → 写入证书 → 校验; then the UKey's new PIN, once, for the
 * 密码信封. */
export default function UkeyWriter({ orderNo, organisationName, quantity, certificates }: Props) {
  const { t } = useLocale();
  const client = useQueryClient();
  const [serial, setSerial] = useState<string | undefined>();
  const [pin, setPin] = useState('');
  const [current, setCurrent] = useState<UkeyStep | null>(null);
  const [issued, setIssued] = useState<UkeyIssued | null>(null);
  const ukeys = useQuery({ queryKey: ['staff', 'ukeys'], queryFn: api.listUkeys });
  const valid = certificates.filter((c) => c.status === 'valid');
  const remaining = Math.max(0, quantity - valid.length);

  useEffect(() => {
    const stop = onUkeyProgress((no, step) => {
      if (no === orderNo) setCurrent(step);
    });
    return () => void stop.then((unlisten) => unlisten());
  }, [orderNo]);

  const write = useMutation({
    mutationFn: () => api.writeCertificateToUkey(orderNo, serial!, pin),
    onMutate: () => {
      setIssued(null);
      setCurrent('detect');
    },
    onSuccess: (result) => {
      setIssued(result);
      setPin('');
      void client.invalidateQueries({ queryKey: staffKeys.order(orderNo) });
      void ukeys.refetch();
    },
  });
  const plug = useMutation({
    mutationFn: api.plugDemoUkey,
    onSuccess: (list) => {
      client.setQueryData(['staff', 'ukeys'], list);
      const added = list.ukeys.find((u) => !ukeys.data?.ukeys.some((old) => old.serial === u.serial));
      if (added) setSerial(added.serial);
    },
  });
  const failed = write.isError;
  const stepIndex = issued ? UKEY_STEPS.length : current ? UKEY_STEPS.indexOf(current) : -1;
  const selected = ukeys.data?.ukeys.find((u) => u.serial === serial);

  return (
    <Card size="small" title={t('ukey.title', { issued: valid.length, quantity })} id="ukey-writer">
      {valid.length > 0 && (
        <Descriptions column={1} size="small" bordered style={{ marginBottom: 12 }} id="ukey-certificates">
          {valid.map((c) => (
            <Descriptions.Item key={c.serial} label={t('ukey.certificateSerial')}>
              <span className="ukey-certificate-serial">{c.serial}</span>
              {c.tokenSerial ? `（UKey ${c.tokenSerial}）` : ''}
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
      {issued && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 12 }}
          id="ukey-issued"
          title={t('ukey.issued', { serial: issued.certificate.serial })}
          description={
            <Space orientation="vertical">
              <span>
                {t('ukey.newPin')}
                <Typography.Text strong copyable id="ukey-new-pin">
                  {issued.newPin}
                </Typography.Text>
              </span>
              <Typography.Text type="secondary">{t('ukey.newPinHint')}</Typography.Text>
              <SavePaperButton
                id="pin-slip-save"
                label={t('ukey.pinSlip')}
                save={() =>
                  api.savePinSlip({
                    orderNo,
                    organisationName,
                    ukeySerial: issued.ukeySerial,
                    certificateSerial: issued.certificate.serial,
                    pin: issued.newPin,
                  })
                }
                savedText={(path) => t('ukey.pinSlipSaved', { path })}
              />
            </Space>
          }
        />
      )}
      {remaining === 0 ? (
        <Alert type="info" showIcon id="ukey-all-issued" title={t('ukey.allIssued', { quantity })} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {ukeys.data?.problems.map((p) => <Alert key={p} type="warning" showIcon title={p} />)}
          <Space wrap>
            <Select
              id="ukey-select"
              style={{ minWidth: 320 }}
              placeholder={t('ukey.choose')}
              value={serial}
              onChange={setSerial}
              loading={ukeys.isFetching}
              notFoundContent={t('ukey.none')}
              options={(ukeys.data?.ukeys ?? []).map((u) => ({
                value: u.serial,
                label: `${u.label}（${u.driver} · ${u.keyKinds.join('/')} · ${u.serial}）`,
                disabled: u.locked,
              }))}
            />
            <Button id="ukey-refresh" onClick={() => void ukeys.refetch()}>
              {t('ukey.refresh')}
            </Button>
            {ukeys.data?.demoCanPlug && (
              <Button id="ukey-plug-demo" loading={plug.isPending} onClick={() => plug.mutate()}>
                {t('ukey.plugDemo')}
              </Button>
            )}
          </Space>
          {plug.isError && <Alert type="error" showIcon title={errorMessage(plug.error)} />}
          {plug.isSuccess && selected && (
            <Alert type="info" showIcon id="ukey-plugged" title={t('ukey.plugged', { label: selected.label })} />
          )}
          {selected?.pinNote && <Alert type="warning" showIcon title={selected.pinNote} />}
          <Input.Password
            id="ukey-pin"
            style={{ maxWidth: 320 }}
            placeholder={t('ukey.pinPlaceholder')}
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            autoComplete="off"
            maxLength={32}
          />
          <Button
            type="primary"
            id="ukey-write"
            disabled={!serial || pin.length === 0}
            loading={write.isPending}
            onClick={() => write.mutate()}
          >
            {t('ukey.write', { n: valid.length + 1, quantity })}
          </Button>
        </Space>
      )}
      {(write.isPending || issued || failed) && (
        <Steps
          rootClassName="ukey-steps"
          size="small"
          style={{ marginTop: 16 }}
          current={Math.max(0, Math.min(stepIndex, UKEY_STEPS.length - 1))}
          status={failed ? 'error' : issued ? 'finish' : 'process'}
          items={UKEY_STEPS.map((step) => ({ title: t(STEP_TEXT[step]) }))}
        />
      )}
      {failed && (
        <Alert type="error" showIcon style={{ marginTop: 12 }} id="ukey-error" title={errorMessage(write.error)} />
      )}
    </Card>
  );
}
