//! 人脸认证 from the app: the camera's preview and guidance while the applicant frames their face,
//! the photo taken only from a frame that passes every check, sent once to the platform, and then
//! forgotten. The photo never reaches the window or the disk: the capture thread keeps it in memory
//! until `submit_face_attempt` sends it.

use crate::{Desk, DeskError, lock};
use certdesk_api::{ApiError, ErrorCode, FaceAttemptResult, FaceAttemptsView};
use certdesk_camera::{CameraError, CaptureSession, DeviceInfo, TakeRefused};
use certdesk_face::checks::Guidance;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the screen shows under the preview, sent after every frame.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CaptureStatus {
    /// The camera's name.
    pub camera: String,
    pub guidance: Guidance,
    pub message_zh: String,
    pub message_en: String,
    /// How far towards the automatic photo, 0 to 1.
    pub progress: f64,
    pub width: u32,
    pub height: u32,
    /// 拍照 was pressed but no frame had passed: what to fix first.
    pub notice: Option<String>,
    /// The photo is taken (and held for `submit_face_attempt`); the capture has stopped.
    pub captured: bool,
    /// The camera failed, in Chinese; the capture has stopped.
    pub error: Option<String>,
}

impl CaptureStatus {
    fn new(camera: &str, guidance: Guidance) -> CaptureStatus {
        CaptureStatus {
            camera: camera.to_owned(),
            guidance,
            message_zh: guidance.message_zh().to_owned(),
            message_en: guidance.message_en().to_owned(),
            progress: 0.0,
            width: 0,
            height: 0,
            notice: None,
            captured: false,
            error: None,
        }
    }
}

/// The cameras to choose from, and the one to start with (the one chosen last time, when it is
/// still there). No cameras means 邮寄纸质资料 is the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CameraChoice {
    pub devices: Vec<DeviceInfo>,
    pub chosen: Option<u32>,
}

/// One attempt's answer, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FaceAttemptView {
    pub passed: bool,
    /// Why it failed, in Chinese.
    pub reason: Option<String>,
    pub attempts: FaceAttemptsView,
    /// The order after the attempt.
    pub row: crate::OrderRow,
}

/// Where a capture sends its preview frames (JPEG) and its status; each returns false once the
/// window stopped listening, which ends the capture.
pub struct CaptureSink {
    pub frame: Box<dyn FnMut(Vec<u8>) -> bool + Send>,
    pub status: Box<dyn FnMut(CaptureStatus) -> bool + Send>,
}

/// At most this often a preview frame goes to the window (50 fps): a 30 fps camera's every frame
/// (its JPEG is encoded for each step anyway), a faster camera's thinned. The window drops a frame
/// that comes while it still decodes the last, so a slow computer previews fewer without a queue.
/// (At 50 ms, every other frame of a 30 fps camera was dropped: 15 fps, measured by
/// `cargo xtask bench camera`.)
const PREVIEW_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);
/// A status that says nothing new is sent at most this often (the ring's progress moves smoothly).
const STATUS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

struct Running {
    stop: Arc<AtomicBool>,
    take: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The capture running now (at most one), and the photo it took.
#[derive(Default)]
pub(crate) struct CaptureSlot {
    running: Mutex<Option<Running>>,
    photo: Arc<Mutex<Option<Vec<u8>>>>,
}

impl Drop for CaptureSlot {
    fn drop(&mut self) {
        if let Some(running) = lock(&self.running).take() {
            running.stop.store(true, Ordering::Relaxed);
            let _ = running.thread.join();
        }
    }
}

fn camera_error(e: CameraError) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, e.to_string())
}

impl Desk {
    /// Asks the system for the camera (macOS shows its dialog the first time) and waits for the
    /// answer: called after 人脸认证's consent, never at start. Blocks; run it off the window's thread.
    pub fn request_camera_access(&self) -> Result<(), ApiError> {
        self.camera.request_access().map_err(camera_error)
    }

    /// The cameras to choose from, with the one chosen last time.
    pub fn camera_devices(&self) -> Result<CameraChoice, ApiError> {
        let devices = self.camera.devices().map_err(camera_error)?;
        let remembered =
            certdesk_store::preference(&self.store(), certdesk_store::PREFERRED_CAMERA).map_err(DeskError::from)?;
        let chosen = certdesk_camera::preferred_device(&devices, remembered.as_deref());
        Ok(CameraChoice { devices, chosen })
    }

    /// Remembers camera `device` (by its name) for the next 人脸认证.
    fn remember_camera(&self, device: u32) -> Result<(), ApiError> {
        let devices = self.camera.devices().map_err(camera_error)?;
        if let Some(chosen) = devices.iter().find(|d| d.index == device) {
            certdesk_store::set_preference(&self.store(), certdesk_store::PREFERRED_CAMERA, &chosen.name)
                .map_err(DeskError::from)?;
        }
        Ok(())
    }

    /// Starts the camera and checks every frame. A rehearsal (检测环境) only guides and never takes
    /// a photo; otherwise the photo is taken when the checks have held, or on [`Desk::take_photo`].
    pub fn start_capture(&self, device: u32, rehearsal: bool, mut sink: CaptureSink) -> Result<(), ApiError> {
        self.stop_capture();
        self.remember_camera(device)?;
        *lock(&self.capture.photo) = None;
        let stop = Arc::new(AtomicBool::new(false));
        let take = Arc::new(AtomicBool::new(false));
        let config = self.camera.clone();
        let photo_slot = self.capture.photo.clone();
        let (stop_flag, take_flag) = (stop.clone(), take.clone());
        let thread = std::thread::Builder::new()
            .name("face-capture".into())
            .spawn(move || {
                // nokhwa's cameras stay on the thread that opened them: the source is opened here.
                let source = match config.open(device) {
                    Ok(source) => source,
                    Err(e) => {
                        let mut status = CaptureStatus::new("", Guidance::NoFace);
                        status.error = Some(e.to_string());
                        (sink.status)(status);
                        return;
                    }
                };
                let mut session = CaptureSession::new(source);
                let camera = session.camera_name().to_owned();
                let (mut frame_sent, mut status_sent) = (None::<std::time::Instant>, None::<std::time::Instant>);
                let mut last_guidance = None;
                let keep = |photo: Vec<u8>, sink: &mut CaptureSink, mut status: CaptureStatus| {
                    *lock(&photo_slot) = Some(photo);
                    status.captured = true;
                    (sink.status)(status);
                };
                while !stop_flag.load(Ordering::Relaxed) {
                    let step = match session.step(!rehearsal) {
                        Ok(step) => step,
                        Err(e) => {
                            tracing::warn!(error = %e, "the camera stopped");
                            let mut status = CaptureStatus::new(&camera, Guidance::NoFace);
                            status.error = Some(e.to_string());
                            (sink.status)(status);
                            return;
                        }
                    };
                    let mut status = CaptureStatus::new(&camera, step.verdict.guidance);
                    (status.progress, status.width, status.height) = (step.progress, step.width, step.height);
                    if frame_sent.is_none_or(|at| at.elapsed() >= PREVIEW_INTERVAL) {
                        frame_sent = Some(std::time::Instant::now());
                        if !(sink.frame)(step.preview_jpeg) {
                            return;
                        }
                    }
                    if let Some(photo) = step.photo {
                        keep(photo, &mut sink, status);
                        return;
                    }
                    if take_flag.swap(false, Ordering::Relaxed) && !rehearsal {
                        match session.take_now() {
                            Ok(photo) => {
                                keep(photo, &mut sink, status);
                                return;
                            }
                            Err(TakeRefused::NotReady(guidance)) => {
                                status.notice = Some(format!("暂未拍到合格画面：{}", guidance.message_zh()));
                            }
                            Err(TakeRefused::Camera(e)) => status.error = Some(e.to_string()),
                        }
                    }
                    let news =
                        last_guidance != Some(status.guidance) || status.notice.is_some() || status.error.is_some();
                    if news || status_sent.is_none_or(|at| at.elapsed() >= STATUS_INTERVAL) {
                        last_guidance = Some(status.guidance);
                        status_sent = Some(std::time::Instant::now());
                        if !(sink.status)(status) {
                            return;
                        }
                    }
                }
            })
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("无法启动摄像头：{e}")))?;
        *lock(&self.capture.running) = Some(Running { stop, take, thread });
        Ok(())
    }

    /// 拍照: the sharpest frame that passed in the last second; when none did, the status says what to fix.
    pub fn take_photo(&self) {
        if let Some(running) = lock(&self.capture.running).as_ref() {
            running.take.store(true, Ordering::Relaxed);
        }
    }

    /// Stops the camera (leaving the screen, or before another capture). A photo already taken is
    /// kept for [`Desk::submit_face_attempt`].
    pub fn stop_capture(&self) {
        let running = lock(&self.capture.running).take();
        if let Some(running) = running {
            running.stop.store(true, Ordering::Relaxed);
            if running.thread.join().is_err() {
                tracing::error!("the capture thread panicked");
            }
        }
    }

    /// Forgets a photo that will not be sent (重拍, or leaving the screen).
    pub fn discard_photo(&self) {
        *lock(&self.capture.photo) = None;
    }

    /// 今日剩余次数 and when they reset.
    pub async fn face_attempts(&self, order_no: &str) -> Result<FaceAttemptsView, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        Ok(self.client.face_attempts(&number).await.map_err(DeskError::from)?)
    }

    /// Sends the photo the capture took as one attempt; the photo is gone from memory afterwards,
    /// whatever the answer.
    pub async fn submit_face_attempt(&self, order_no: &str) -> Result<FaceAttemptView, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        let photo = lock(&self.capture.photo)
            .take()
            .ok_or_else(|| ApiError::new(ErrorCode::Conflict, "尚未拍照：请先完成拍照"))?;
        let result = self.client.verify_face(&number, photo).await.map_err(DeskError::from)?;
        certdesk_store::upsert_order(&mut self.store(), &self.owner()?, &result.order).map_err(DeskError::from)?;
        tracing::info!(order_no = %number, passed = result.passed, remaining = result.attempts.remaining, "face attempt");
        let FaceAttemptResult { passed, reason, attempts, order } = result;
        Ok(FaceAttemptView { passed, reason, attempts, row: order.into() })
    }
}
