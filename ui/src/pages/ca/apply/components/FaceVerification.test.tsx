import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppProviders, createQueryClient } from '../../../../App';
import type { CaptureStatus } from '../../../../api';
import { emptyPage, orderRow } from '../../../../test/fixtures';
import FaceVerification from './FaceVerification';

const row = orderRow();

function status(guidance: CaptureStatus['guidance'], messageZh: string, more: Partial<CaptureStatus> = {}): CaptureStatus {
  return {
    camera: '演示摄像头',
    guidance,
    messageZh,
    messageEn: messageZh,
    progress: 0,
    width: 640,
    height: 480,
    notice: null,
    captured: false,
    error: null,
    ...more,
  };
}

type Channel<T> = { onmessage: (message: T) => void };

const PERMISSION_DENIED =
  '系统未允许证书办理台使用摄像头。Windows：设置 → 隐私和安全性 → 摄像头，打开“允许桌面应用访问你的摄像头”；macOS：系统设置 → 隐私与安全性 → 摄像头，勾选“CertDesk”（证书办理台）。允许后重新打开本页面';

/**
 * The app behind IPC: records the captures started, answers attempts as told; the system refuses the
 * camera `refusals` times before allowing it; `cameras` are offered with `chosen` first.
 */
function mockApp(
  answer: { passed: boolean; remaining: number },
  cameras = { devices: [{ index: 0, name: '演示摄像头' }], chosen: 0 as number | null },
  refusals = 0,
) {
  const starts: { rehearsal: boolean; device: number; status: Channel<CaptureStatus> }[] = [];
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case 'request_camera_access':
        if (refusals > 0) {
          refusals -= 1;
          throw { code: 'unavailable', message: PERMISSION_DENIED };
        }
        return null;
      case 'camera_devices':
        return cameras;
      case 'face_attempts':
        return { used: 10 - answer.remaining - 1, remaining: answer.remaining + 1, limit: 10, resetsAt: '2026-11-30T00:00:00+08:00' };
      case 'start_face_capture': {
        const request = a.request as { rehearsal: boolean; device: number };
        starts.push({ rehearsal: request.rehearsal, device: request.device, status: a.status as Channel<CaptureStatus> });
        return null;
      }
      case 'stop_face_capture':
      case 'discard_photo':
      case 'take_photo':
        return null;
      case 'submit_face_attempt':
        return {
          passed: answer.passed,
          reason: answer.passed ? null : '人脸比对不一致，请正对摄像头重试',
          attempts: { used: 10 - answer.remaining, remaining: answer.remaining, limit: 10, resetsAt: '2026-11-30T00:00:00+08:00' },
          row: answer.passed
            ? orderRow(
                { state: 'pendingPayment', verification: 'verified' },
                { statusZh: '待支付 (已认证)', statusEn: 'Pending payment (verified)' },
              )
            : row,
        };
      case 'sync_orders':
        return 0;
      case 'list_orders':
        return emptyPage;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return { starts, calls };
}

function renderFace(onChoosePaper = vi.fn(), onPay = vi.fn()) {
  render(
    <AppProviders queryClient={createQueryClient()}>
      <FaceVerification row={row} onClose={() => {}} onChoosePaper={onChoosePaper} onPay={onPay} />
    </AppProviders>,
  );
  return onChoosePaper;
}

/** Agrees to the 人脸信息处理规则 and continues to the camera. */
async function consent(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByLabelText('我已阅读并同意上述人脸信息处理规则'));
  await user.click(screen.getByRole('button', { name: '同意并继续' }));
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('人脸认证', () => {
  it('asks for consent, rehearses without spending an attempt, then verifies with the photo the app took', async () => {
    const app = mockApp({ passed: true, remaining: 9 });
    const user = userEvent.setup({ delay: null });
    renderFace();
    expect(await screen.findByText('人脸信息处理告知')).toBeTruthy();
    const go = screen.getByRole('button', { name: '同意并继续' });
    expect((go as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByLabelText('我已阅读并同意上述人脸信息处理规则'));
    await user.click(go);

    // The camera opens as a rehearsal (检测环境).
    await waitFor(() => expect(app.starts.length).toBe(1));
    expect(app.starts[0].rehearsal).toBe(true);
    expect(await screen.findByText('检测环境中：只检查画面，不会消耗认证次数')).toBeTruthy();
    expect(await screen.findByText(/今日剩余次数 10\/10/)).toBeTruthy();
    app.starts[0].status.onmessage(status('tooFar', '请靠近一些'));
    expect(await screen.findByText('请靠近一些')).toBeTruthy();

    // 开始认证: the capture starts again, for real.
    await user.click(screen.getByRole('button', { name: '开始认证' }));
    await waitFor(() => expect(app.starts.length).toBe(2));
    expect(app.starts[1].rehearsal).toBe(false);
    expect(app.calls).toContain('stop_face_capture');
    app.starts[1].status.onmessage(status('ready', '检测通过，请保持不动', { progress: 1, captured: true }));
    expect(await screen.findByText('人脸认证通过')).toBeTruthy();
    expect(screen.getByText('订单编号 159110370124321，当前状态：待支付 (已认证)')).toBeTruthy();
    expect(app.calls.filter((c) => c === 'submit_face_attempt').length).toBe(1);
  });

  it('offers 去支付 straight after passing when the order waits for payment', async () => {
    const app = mockApp({ passed: true, remaining: 9 });
    const user = userEvent.setup({ delay: null });
    const onPay = vi.fn();
    render(
      <AppProviders queryClient={createQueryClient()}>
        <FaceVerification row={row} onClose={() => {}} onChoosePaper={vi.fn()} onPay={onPay} />
      </AppProviders>,
    );
    await consent(user);
    // 开始认证 waits for the camera (the rehearsal) to be running.
    await waitFor(() => expect(app.starts.length).toBe(1));
    await user.click(await screen.findByRole('button', { name: '开始认证' }));
    await waitFor(() => expect(app.starts.length).toBe(2));
    app.starts[1].status.onmessage(status('ready', '检测通过，请保持不动', { progress: 1, captured: true }));
    expect(await screen.findByText('人脸认证通过')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: '去支付' }));
    expect(onPay).toHaveBeenCalledWith(expect.objectContaining({ statusZh: '待支付 (已认证)' }));
  });

  it('after a failure offers 重试 and 邮寄纸质资料', async () => {
    const app = mockApp({ passed: false, remaining: 9 });
    const user = userEvent.setup({ delay: null });
    const onChoosePaper = renderFace();
    await consent(user);
    // 开始认证 waits for the camera (the rehearsal) to be running.
    await waitFor(() => expect(app.starts.length).toBe(1));
    await user.click(await screen.findByRole('button', { name: '开始认证' }));
    await waitFor(() => expect(app.starts.length).toBe(2));
    app.starts[1].status.onmessage(status('ready', '检测通过，请保持不动', { captured: true }));
    expect(await screen.findByText('人脸认证未通过')).toBeTruthy();
    expect(screen.getByText('人脸比对不一致，请正对摄像头重试（今日剩余 9 次）')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: '重 试' }));
    await waitFor(() => expect(app.starts.length).toBe(3));
    expect(app.starts[2].rehearsal).toBe(false);
    await user.click(screen.getByRole('button', { name: '邮寄纸质资料' }));
    expect(onChoosePaper).toHaveBeenCalledWith(row);
  });

  it('when today’s attempts are used offers only 邮寄纸质资料', async () => {
    const app = mockApp({ passed: false, remaining: 0 });
    const user = userEvent.setup({ delay: null });
    renderFace();
    await consent(user);
    // 开始认证 waits for the camera (the rehearsal) to be running.
    await waitFor(() => expect(app.starts.length).toBe(1));
    await user.click(await screen.findByRole('button', { name: '开始认证' }));
    await waitFor(() => expect(app.starts.length).toBe(2));
    app.starts[1].status.onmessage(status('ready', '检测通过，请保持不动', { captured: true }));
    expect(await screen.findByText(/今日认证次数已用完，2026-11-30 00:00 后可再次认证/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: '重 试' })).toBeNull();
    expect(screen.getByRole('button', { name: '邮寄纸质资料' })).toBeTruthy();
  });

  it('explains a camera that cannot be used', async () => {
    const app = mockApp({ passed: true, remaining: 9 });
    const user = userEvent.setup({ delay: null });
    renderFace();
    await consent(user);
    await waitFor(() => expect(app.starts.length).toBe(1));
    app.starts[0].status.onmessage(
      status('noFace', '', { error: '摄像头正被其他程序使用：请关闭其他使用摄像头的程序（如视频会议软件）后重试' }),
    );
    expect(await screen.findByText(/摄像头正被其他程序使用/)).toBeTruthy();
  });

  it('asks the system for the camera only after the consent, then lists and opens it', async () => {
    const app = mockApp({ passed: true, remaining: 9 });
    const user = userEvent.setup({ delay: null });
    renderFace();
    await user.click(await screen.findByLabelText('我已阅读并同意上述人脸信息处理规则'));
    expect(app.calls).not.toContain('request_camera_access');
    expect(app.calls).not.toContain('camera_devices');
    await user.click(screen.getByRole('button', { name: '同意并继续' }));
    await waitFor(() => expect(app.starts.length).toBe(1));
    const order = ['request_camera_access', 'camera_devices', 'start_face_capture'].map((c) => app.calls.indexOf(c));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(order[0]).toBeGreaterThanOrEqual(0);
  });

  it('says where to allow a refused camera, and 重试 asks the system again', async () => {
    const app = mockApp({ passed: true, remaining: 9 }, undefined, 1);
    const user = userEvent.setup({ delay: null });
    renderFace();
    await consent(user);
    expect(await screen.findByText(/允许桌面应用访问你的摄像头/)).toBeTruthy();
    expect(app.starts.length).toBe(0);
    await user.click(screen.getByRole('button', { name: '重 试' }));
    await waitFor(() => expect(app.starts.length).toBe(1));
    expect(app.calls.filter((c) => c === 'request_camera_access').length).toBe(2);
  });

  it('starts with the camera chosen last time when there are several', async () => {
    const cameras = {
      devices: [
        { index: 0, name: 'Integrated Camera' },
        { index: 1, name: 'Logitech C920' },
      ],
      chosen: 1,
    };
    const app = mockApp({ passed: true, remaining: 9 }, cameras);
    const user = userEvent.setup({ delay: null });
    renderFace();
    await consent(user);
    await waitFor(() => expect(app.starts[app.starts.length - 1]?.device).toBe(1));
    expect(await screen.findByText('Logitech C920')).toBeTruthy();
  });

  it('after a camera was unplugged, 重试 lists the cameras again and reopens one', async () => {
    const app = mockApp({ passed: true, remaining: 9 });
    const user = userEvent.setup({ delay: null });
    renderFace();
    await consent(user);
    await waitFor(() => expect(app.starts.length).toBe(1));
    app.starts[0].status.onmessage(status('noFace', '', { error: '摄像头已断开：请重新连接摄像头后重试' }));
    expect(await screen.findByText(/摄像头已断开/)).toBeTruthy();
    const listed = app.calls.filter((c) => c === 'camera_devices').length;
    await user.click(screen.getByRole('button', { name: '重 试' }));
    await waitFor(() => expect(app.starts.length).toBe(2));
    expect(app.calls.filter((c) => c === 'camera_devices').length).toBeGreaterThan(listed);
  });
});
