import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Modal, QRCode, Radio, Result, Space, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import {
  api,
  errorMessage,
  formatFen,
  onPayReturned,
  type OrderRow,
  type PaymentMethod,
  type PaymentProgressView,
  type PaymentStart,
  type PaymentState,
} from '../../../../api';
import { useLocale } from '../../../../i18n';
import { orderKeys } from '../service';

/** How often the app asks the platform while waiting for the payment. */
export const POLL_MS = 2000;

type Phase = 'choose' | 'waiting' | 'paid' | 'unpaid';

/** What an unpaid payment's state tells the applicant. */
const UNPAID_MESSAGE: Partial<Record<PaymentState, 'pay.refunded' | 'pay.failed' | 'pay.amountMismatch'>> = {
  refunded: 'pay.refunded',
  failed: 'pay.failed',
  amountMismatch: 'pay.amountMismatch',
};

/**
 * 缴费: 去支付 → the amount and the method (支付宝, 微信支付) → 确认付款. 支付宝 opens its page in
 * the browser; 微信支付 shows its code. The app then asks the platform (which asks the gateway)
 * until the payment is paid or closed; the browser's return only makes it ask at once. After a
 * closed payment: 重新支付 or 取消.
 */
export default function Payment({ row, onClose }: { row: OrderRow | null; onClose: () => void }) {
  const { t, status } = useLocale();
  const client = useQueryClient();
  const orderNo = row?.order.orderNo;
  const [phase, setPhase] = useState<Phase>('choose');
  const [method, setMethod] = useState<PaymentMethod>('alipay');
  const [started, setStarted] = useState<PaymentStart | null>(null);
  const [progress, setProgress] = useState<PaymentProgressView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  // Each opening starts at the choice.
  useEffect(() => {
    setPhase('choose');
    setStarted(null);
    setProgress(null);
    setError(null);
  }, [orderNo]);

  const ask = useCallback(async () => {
    if (!orderNo || !started) return;
    try {
      const answer = await api.paymentProgress(orderNo, started.outTradeNo);
      setProgress(answer);
      setError(null);
      if (answer.state === 'paid') {
        setPhase('paid');
        void client.invalidateQueries({ queryKey: orderKeys.all });
      } else if (answer.state !== 'pending') {
        setPhase('unpaid');
      }
    } catch (e) {
      // The platform unreachable for a moment: keep asking; say why meanwhile.
      setError(errorMessage(e));
    }
  }, [orderNo, started, client]);

  // While waiting: ask every couple of seconds, and at once when the browser comes back.
  useEffect(() => {
    if (phase !== 'waiting' || !started) return;
    const timer = setInterval(() => void ask(), POLL_MS);
    let stop: (() => void) | undefined;
    let live = true;
    void onPayReturned((outTradeNo) => {
      if (outTradeNo === started.outTradeNo) void ask();
    }).then((unlisten) => (live ? (stop = unlisten) : unlisten()));
    return () => {
      live = false;
      clearInterval(timer);
      stop?.();
    };
  }, [phase, started, ask]);

  const confirm = async () => {
    if (!orderNo) return;
    setStarting(true);
    setError(null);
    try {
      setStarted(await api.startPayment(orderNo, method));
      setPhase('waiting');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  const footer = {
    choose: [
      <Button key="cancel" onClick={onClose}>
        {t('pay.cancel')}
      </Button>,
      <Button key="confirm" id="pay-confirm" type="primary" loading={starting} onClick={confirm}>
        {t('pay.confirm')}
      </Button>,
    ],
    waiting: [
      <Button key="cancel" onClick={onClose}>
        {t('pay.cancel')}
      </Button>,
    ],
    paid: [
      <Button key="done" id="pay-done" type="primary" onClick={onClose}>
        {t('pay.done')}
      </Button>,
    ],
    unpaid: [
      <Button key="cancel" onClick={onClose}>
        {t('pay.cancel')}
      </Button>,
      <Button key="retry" id="pay-retry" type="primary" onClick={() => setPhase('choose')}>
        {t('pay.retry')}
      </Button>,
    ],
  }[phase];

  return (
    <Modal
      title={row ? t('pay.title', { orderNo: row.order.orderNo }) : ''}
      open={row !== null}
      onCancel={onClose}
      footer={footer}
      mask={{ closable: false }}
      destroyOnHidden
    >
      {row && (
        <div id="payment">
          <Descriptions column={1} size="small" style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('pay.amount')}>
              <Typography.Text strong id="pay-amount">
                {formatFen(row.order.fee)}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}
          {phase === 'choose' && (
            <Space orientation="vertical">
              <Typography.Text>{t('pay.method')}</Typography.Text>
              <Radio.Group id="pay-method" value={method} onChange={(e) => setMethod(e.target.value as PaymentMethod)}>
                <Radio value="alipay" id="pay-alipay">
                  {t('pay.alipay')}
                </Radio>
                <Radio value="wechat" id="pay-wechat">
                  {t('pay.wechat')}
                </Radio>
              </Radio.Group>
            </Space>
          )}
          {phase === 'waiting' && started && (
            <Space
              orientation="vertical"
              style={{ width: '100%' }}
              id="pay-waiting"
              data-trade={started.outTradeNo}
              data-pay-url={started.payUrl ?? started.codeUrl ?? ''}
            >
              {started.payUrl && (
                <>
                  <Alert
                    type="info"
                    showIcon
                    title={t('pay.alipayOpened')}
                    action={
                      <Button
                        size="small"
                        onClick={() => api.reopenPayPage(started.outTradeNo).catch((e) => setError(errorMessage(e)))}
                      >
                        {t('pay.reopen')}
                      </Button>
                    }
                  />
                  <Typography.Text type="secondary" copyable={{ text: started.payUrl }}>
                    {t('pay.copyLink')}
                  </Typography.Text>
                </>
              )}
              {started.codeUrl && (
                <Space orientation="vertical" align="center" style={{ width: '100%' }}>
                  <QRCode type="svg" value={started.codeUrl} id="pay-qrcode" />
                  <Typography.Text>{t('pay.wechatScan')}</Typography.Text>
                </Space>
              )}
              <Space>
                <Spin size="small" />
                <Typography.Text>{t('pay.waiting')}</Typography.Text>
              </Space>
              <Typography.Text type="secondary">{t('pay.waitingHint')}</Typography.Text>
            </Space>
          )}
          {phase === 'paid' && progress && (
            <div id="pay-paid">
              <Result status="success" title={t('pay.paid', { status: status(progress.row) })} />
            </div>
          )}
          {phase === 'unpaid' && progress && (
            <Alert
              id="pay-unpaid"
              type="warning"
              showIcon
              title={t(UNPAID_MESSAGE[progress.state] ?? 'pay.closed')}
            />
          )}
        </div>
      )}
    </Modal>
  );
}
