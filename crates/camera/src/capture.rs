//! One capture: frames from a source, each checked, the preview and the guidance for the screen,
//! and the photo taken when the checks have held (or on 拍照, from a frame that passed).

use crate::{CameraError, FrameSource, Result};
use certdesk_face::checks::{AutoCapture, FrameChecker, FrameVerdict, Guidance, Oval};
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use std::time::{Duration, Instant};

/// JPEG quality of the preview frames sent to the window (small, fast) and of the photo sent to the
/// platform (detail for the match).
pub const PREVIEW_QUALITY: u8 = 70;
pub const PHOTO_QUALITY: u8 = 92;

/// How long the checks must hold before the photo is taken by itself.
const HOLD: Duration = Duration::from_millis(700);
/// How recent a passing frame must be for 拍照 to use it.
const RECENT: Duration = Duration::from_secs(1);

/// What one step of the capture shows and, perhaps, took.
#[derive(Debug, Clone)]
pub struct CaptureStep {
    /// The frame as JPEG, for the preview.
    pub preview_jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub verdict: FrameVerdict,
    /// How far the current run of passing frames is towards the automatic photo, 0.0 to 1.0.
    pub progress: f64,
    /// The photo, as JPEG, when the checks held long enough.
    pub photo: Option<Vec<u8>>,
}

pub struct CaptureSession {
    source: Box<dyn FrameSource>,
    checker: FrameChecker,
    auto: AutoCapture<RgbImage>,
    /// The sharpest passing frame of the last second, for 拍照.
    recent: Option<(Instant, f64, RgbImage)>,
    last_guidance: Guidance,
}

impl CaptureSession {
    pub fn new(source: Box<dyn FrameSource>) -> CaptureSession {
        CaptureSession {
            source,
            checker: FrameChecker::new(Oval::GUIDE),
            auto: AutoCapture::new(HOLD),
            recent: None,
            last_guidance: Guidance::NoFace,
        }
    }

    pub fn camera_name(&self) -> &str {
        self.source.name()
    }

    /// Takes the next frame and checks it. With `take` false (检测环境, the rehearsal) nothing is
    /// ever taken.
    pub fn step(&mut self, take: bool) -> Result<CaptureStep> {
        let frame = self.source.next_frame()?;
        let verdict = self.checker.check(&image::imageops::grayscale(&frame));
        self.last_guidance = verdict.guidance;
        let preview_jpeg = encode_jpeg(&frame, PREVIEW_QUALITY)?;
        let (width, height) = frame.dimensions();
        if verdict.passes()
            && self.recent.as_ref().is_none_or(|(at, s, _)| at.elapsed() > RECENT || verdict.sharpness > *s)
        {
            self.recent = Some((Instant::now(), verdict.sharpness, frame.clone()));
        }
        let chosen = self.auto.offer(&verdict, frame, Instant::now());
        let photo = match chosen {
            Some(photo) if take => Some(encode_jpeg(&photo, PHOTO_QUALITY)?),
            _ => None,
        };
        Ok(CaptureStep { preview_jpeg, width, height, progress: self.auto.progress(), verdict, photo })
    }

    /// 拍照: the sharpest frame that passed in the last second, or what to fix first when none did.
    pub fn take_now(&mut self) -> std::result::Result<Vec<u8>, TakeRefused> {
        match self.recent.take() {
            Some((at, _, frame)) if at.elapsed() <= RECENT => {
                encode_jpeg(&frame, PHOTO_QUALITY).map_err(TakeRefused::Camera)
            }
            _ => Err(TakeRefused::NotReady(self.last_guidance)),
        }
    }
}

/// Why 拍照 took nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeRefused {
    /// No frame passed lately: the guidance says what to fix.
    NotReady(Guidance),
    Camera(CameraError),
}

/// A frame as JPEG in memory.
pub fn encode_jpeg(frame: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut jpeg = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode_image(frame)
        .map_err(|e| CameraError::Unreadable(format!("JPEG：{e}")))?;
    Ok(jpeg)
}
