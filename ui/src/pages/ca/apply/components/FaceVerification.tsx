import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Checkbox, Modal, Result, Select, Space, Spin, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  api,
  errorMessage,
  type CaptureStatus,
  type FaceAttemptView,
  type FaceAttemptsView,
  type OrderRow,
} from '../../../../api';
import { useLocale } from '../../../../i18n';
import { orderKeys } from '../service';

/** The guide oval, as fractions of the frame (the same as the app's checks: `Oval::GUIDE`). */
const OVAL = { cx: 0.5, cy: 0.46, rx: 0.23, ry: 0.4 };

type Phase = 'consent' | 'camera' | 'verifying' | 'passed' | 'failed' | 'exhausted';

/** Draws a preview frame mirrored (as a mirror shows the applicant), the oval and the progress ring. */
function draw(canvas: HTMLCanvasElement, image: CanvasImageSource | null, status: CaptureStatus | null) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  if (image) {
    ctx.save();
    ctx.translate(w, 0);
    ctx.scale(-1, 1);
    ctx.drawImage(image, 0, 0, w, h);
    ctx.restore();
  }
  const [cx, cy, rx, ry] = [OVAL.cx * w, OVAL.cy * h, OVAL.rx * w, OVAL.ry * h];
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, 0, w, h);
  ctx.ellipse(cx, cy, rx, ry, 0, 0, Math.PI * 2);
  ctx.fillStyle = 'rgba(0, 0, 0, 0.35)';
  ctx.fill('evenodd');
  const ready = status?.guidance === 'ready';
  ctx.lineWidth = 4;
  ctx.strokeStyle = ready ? '#52c41a' : '#faad14';
  ctx.beginPath();
  ctx.ellipse(cx, cy, rx, ry, 0, 0, Math.PI * 2);
  ctx.stroke();
  const progress = status?.progress ?? 0;
  if (progress > 0) {
    ctx.lineWidth = 8;
    ctx.strokeStyle = '#1677ff';
    ctx.beginPath();
    ctx.ellipse(cx, cy, rx + 8, ry + 8, 0, -Math.PI / 2, -Math.PI / 2 + progress * Math.PI * 2);
    ctx.stroke();
  }
  ctx.restore();
}

/**
 * 人脸认证: the consent, then the camera's live preview with the guide oval and the checks' guidance;
 * the photo is taken by the app when the checks hold (or on 拍照) and sent as one attempt.
 * 检测环境 runs the same checks without spending an attempt. After a failure: 重试 or 邮寄纸质资料;
 * when today's attempts are used, only 邮寄纸质资料.
 */
export default function FaceVerification({
  row,
  onClose,
  onChoosePaper,
  onPay,
}: {
  row: OrderRow | null;
  onClose: () => void;
  onChoosePaper: (row: OrderRow) => void;
  /** 去支付 straight after passing, when the order waits for payment. */
  onPay?: (row: OrderRow) => void;
}) {
  const { t, locale, status: statusLabel } = useLocale();
  const client = useQueryClient();
  const orderNo = row?.order.orderNo;
  const [phase, setPhase] = useState<Phase>('consent');
  const [agreed, setAgreed] = useState(false);
  const [device, setDevice] = useState(0);
  // The system's permission, asked after the consent (macOS shows its dialog the first time).
  const [access, setAccess] = useState<'idle' | 'asking' | 'granted'>('idle');
  const [rehearsal, setRehearsal] = useState(true);
  const [status, setStatus] = useState<CaptureStatus | null>(null);
  const [cameraError, setCameraError] = useState<string | null>(null);
  const [result, setResult] = useState<FaceAttemptView | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const lastStatus = useRef<CaptureStatus | null>(null);
  const decoding = useRef(false);
  const devices = useQuery({
    queryKey: ['camera-devices'],
    queryFn: api.cameraDevices,
    enabled: row !== null && access === 'granted',
  });
  const cameras = devices.data?.devices;
  const attempts = useQuery({
    queryKey: ['face-attempts', orderNo],
    queryFn: () => api.faceAttempts(orderNo!),
    enabled: orderNo !== undefined,
  });
  const english = locale === 'en-US';

  // Each opening starts at the consent.
  useEffect(() => {
    setPhase('consent');
    setAccess('idle');
    setAgreed(false);
    setRehearsal(true);
    setStatus(null);
    setCameraError(null);
    setResult(null);
  }, [orderNo]);

  const submit = useCallback(async () => {
    if (!orderNo) return;
    setPhase('verifying');
    try {
      const answer = await api.submitFaceAttempt(orderNo);
      setResult(answer);
      client.setQueryData<FaceAttemptsView>(['face-attempts', orderNo], answer.attempts);
      void client.invalidateQueries({ queryKey: orderKeys.all });
      setPhase(answer.passed ? 'passed' : answer.attempts.remaining === 0 ? 'exhausted' : 'failed');
    } catch (e) {
      setCameraError(errorMessage(e));
      setPhase('camera');
      void attempts.refetch();
    }
  }, [orderNo, client, attempts]);
  // The camera's effect below must not restart when `submit` changes identity (it follows queries).
  const submitRef = useRef(submit);
  submitRef.current = submit;

  // Past the consent (and on 重试 after a refusal): the system is asked for the camera, and the
  // answer awaited.
  const askAccess = useCallback(() => {
    setAccess('asking');
    api
      .requestCameraAccess()
      .then(() => setAccess('granted'))
      .catch((e) => {
        setAccess('idle');
        setCameraError(errorMessage(e));
      });
  }, []);

  // The camera chosen last time (by name), when the list arrives.
  const chosen = devices.data?.chosen;
  useEffect(() => {
    if (chosen !== undefined && chosen !== null) setDevice(chosen);
  }, [chosen]);

  // The camera runs while the camera phase is shown, as a rehearsal or as the attempt.
  const camerasReady = cameras !== undefined && cameras.length > 0;
  useEffect(() => {
    if (phase !== 'camera' || !row || cameraError || access !== 'granted' || !camerasReady) return;
    let live = true;
    setStatus(null);
    // Frames received and drawn, on the canvas's data attributes: the preview's frame rate as the
    // window sees it (`cargo xtask bench camera` reads them over WebDriver).
    let [received, drawn] = [0, 0];
    const onFrame = (jpeg: ArrayBuffer) => {
      if (!live || !canvas.current) return;
      canvas.current.dataset.framesReceived = String(++received);
      // A frame still decoding: this one is dropped rather than queued (the preview stays live).
      if (decoding.current) return;
      decoding.current = true;
      const url = URL.createObjectURL(new Blob([jpeg], { type: 'image/jpeg' }));
      const image = new Image();
      image.onload = () => {
        if (live && canvas.current) {
          draw(canvas.current, image, lastStatus.current);
          canvas.current.dataset.framesDrawn = String(++drawn);
        }
        URL.revokeObjectURL(url);
        decoding.current = false;
      };
      image.onerror = () => {
        URL.revokeObjectURL(url);
        decoding.current = false;
      };
      image.src = url;
    };
    const onStatus = (next: CaptureStatus) => {
      if (!live) return;
      lastStatus.current = next;
      setStatus(next);
      if (next.error) setCameraError(next.error);
      else if (next.captured) void submitRef.current();
    };
    api.startFaceCapture(device, rehearsal, onFrame, onStatus).catch((e) => live && setCameraError(e.message));
    return () => {
      live = false;
      void api.stopFaceCapture().catch(() => undefined);
    };
  }, [phase, row, device, rehearsal, cameraError, access, camerasReady]);

  // Leaving the screen: the camera stops and an unsent photo is forgotten.
  const close = () => {
    void api.stopFaceCapture().catch(() => undefined);
    void api.discardPhoto().catch(() => undefined);
    onClose();
  };
  const paper = () => {
    if (!row) return;
    close();
    onChoosePaper(row);
  };

  const left = attempts.data;
  const resetText = left ? left.resetsAt.replace('T', ' ').slice(0, 16) : '';
  const remainingTag = left && (
    <Tag id="face-remaining" color={left.remaining > 3 ? 'blue' : 'orange'}>
      {t('face.remaining', { remaining: left.remaining, limit: left.limit })} · {t('face.resets', { time: resetText })}
    </Tag>
  );
  const noCamera = cameras !== undefined && cameras.length === 0;
  // 重试 after an error: the permission asked again if it was refused, the cameras listed again (one
  // plugged back in, or another chosen), the capture started again.
  const retry = () => {
    setCameraError(null);
    if (access === 'granted') void devices.refetch();
    else askAccess();
  };

  return (
    <Modal
      title={t('face.title')}
      open={row !== null}
      onCancel={close}
      footer={null}
      width={720}
      mask={{ closable: false }}
      rootClassName="face-verification"
    >
      {phase === 'consent' && (
        <div id="face-consent">
          <Typography.Title level={5}>{t('face.consentTitle')}</Typography.Title>
          <Typography.Paragraph>{t('face.consentPurpose')}</Typography.Paragraph>
          <Typography.Paragraph>{t('face.consentRecipient')}</Typography.Paragraph>
          <Typography.Paragraph>{t('face.consentRetention')}</Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('face.consentRight')}</Typography.Paragraph>
          <Checkbox id="face-agree" checked={agreed} onChange={(e) => setAgreed(e.target.checked)}>
            {t('face.consentAgree')}
          </Checkbox>
          <div style={{ marginTop: 16 }}>
            <Space>
              <Button
                type="primary"
                id="face-consent-continue"
                disabled={!agreed}
                onClick={() => {
                  setPhase('camera');
                  askAccess();
                }}
              >
                {t('face.consentContinue')}
              </Button>
              <Button onClick={paper}>{t('face.paper')}</Button>
            </Space>
          </div>
        </div>
      )}
      {phase === 'camera' && (
        <div id="face-camera">
          <Space style={{ marginBottom: 8 }} wrap>
            {remainingTag}
            {(cameras?.length ?? 0) > 1 && (
              <Select
                size="small"
                value={device}
                onChange={setDevice}
                aria-label={t('face.camera')}
                options={cameras!.map((d) => ({ value: d.index, label: d.name }))}
                style={{ width: 220 }}
              />
            )}
            {status?.camera && <Typography.Text type="secondary">{status.camera}</Typography.Text>}
          </Space>
          {left?.remaining === 0 && (
            <Alert
              id="face-exhausted-notice"
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              title={t('face.exhausted', { time: resetText })}
            />
          )}
          {access === 'asking' && !cameraError ? (
            <div style={{ textAlign: 'center', padding: 48 }} id="face-asking">
              <Spin />
              <div style={{ marginTop: 16 }}>{t('face.asking')}</div>
            </div>
          ) : noCamera ? (
            <Alert
              id="face-no-camera"
              type="warning"
              showIcon
              title={t('face.noCamera')}
              action={
                <Button size="small" onClick={retry}>
                  {t('face.retry')}
                </Button>
              }
            />
          ) : cameraError ? (
            <Alert
              id="face-error"
              type="error"
              showIcon
              title={cameraError}
              action={
                <Button size="small" id="face-error-retry" onClick={retry}>
                  {t('face.retry')}
                </Button>
              }
            />
          ) : (
            <>
              <canvas
                ref={canvas}
                width={640}
                height={480}
                style={{ width: '100%', maxWidth: 560, display: 'block', margin: '0 auto', background: '#000' }}
              />
              <div style={{ textAlign: 'center', marginTop: 8, minHeight: 48 }}>
                <Typography.Text strong id="face-guidance" type={status?.guidance === 'ready' ? 'success' : 'warning'}>
                  {status ? (english ? status.messageEn : status.messageZh) : t('face.preparing')}
                </Typography.Text>
                {status?.notice && (
                  <div>
                    <Typography.Text type="danger" id="face-notice">
                      {status.notice}
                    </Typography.Text>
                  </div>
                )}
                {rehearsal && (
                  <div>
                    <Typography.Text type="secondary" id="face-rehearsing">
                      {t('face.rehearsing')}
                    </Typography.Text>
                  </div>
                )}
              </div>
            </>
          )}
          <Space style={{ marginTop: 12, display: 'flex', justifyContent: 'center' }}>
            {rehearsal ? (
              <Button
                type="primary"
                id="face-start"
                disabled={!camerasReady || access !== 'granted' || (left !== undefined && left.remaining === 0)}
                onClick={() => setRehearsal(false)}
              >
                {t('face.start')}
              </Button>
            ) : (
              <>
                <Button type="primary" id="face-shoot" onClick={() => void api.takePhoto()}>
                  {t('face.shoot')}
                </Button>
                <Button id="face-rehearse" onClick={() => setRehearsal(true)}>
                  {t('face.rehearse')}
                </Button>
              </>
            )}
            <Button id="face-paper" onClick={paper}>
              {t('face.paper')}
            </Button>
          </Space>
        </div>
      )}
      {phase === 'verifying' && (
        <div style={{ textAlign: 'center', padding: 48 }}>
          <Spin />
          <div style={{ marginTop: 16 }}>{t('face.verifying')}</div>
        </div>
      )}
      {phase === 'passed' && result && (
        <Result
          status="success"
          title={t('face.passed')}
          subTitle={t('face.passedDetail', {
            orderNo: result.row.order.orderNo,
            status: statusLabel(result.row),
          })}
          extra={
            <Space>
              <Button type={onPay && result.row.order.status.state === 'pendingPayment' ? 'default' : 'primary'} id="face-done" onClick={close}>
                {t('face.done')}
              </Button>
              {onPay && result.row.order.status.state === 'pendingPayment' && (
                <Button
                  type="primary"
                  id="face-pay"
                  onClick={() => {
                    close();
                    onPay(result.row);
                  }}
                >
                  {t('pay.action')}
                </Button>
              )}
            </Space>
          }
        />
      )}
      {phase === 'failed' && result && (
        <Result
          status="error"
          title={t('face.failed')}
          subTitle={<span id="face-failure">{t('face.failedDetail', { reason: result.reason ?? '', remaining: result.attempts.remaining })}</span>}
          extra={
            <Space>
              <Button
                type="primary"
                id="face-retry"
                onClick={() => {
                  setResult(null);
                  setRehearsal(false);
                  setPhase('camera');
                }}
              >
                {t('face.retry')}
              </Button>
              <Button id="face-paper" onClick={paper}>
                {t('face.paper')}
              </Button>
            </Space>
          }
        />
      )}
      {phase === 'exhausted' && (
        <Result
          status="warning"
          title={t('face.failed')}
          subTitle={<span id="face-exhausted">{t('face.exhausted', { time: resetText })}</span>}
          extra={
            <Button type="primary" id="face-paper" onClick={paper}>
              {t('face.paper')}
            </Button>
          }
        />
      )}
    </Modal>
  );
}
