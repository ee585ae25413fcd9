//! The webcam through nokhwa: the native backend of each OS (V4L2, Media Foundation, AVFoundation).

use crate::error::Stage;
use crate::{
    CameraError, DeviceInfo, FrameSource, PREFERRED_FPS, PREFERRED_HEIGHT, PREFERRED_WIDTH, Result, decode_frame,
};
use image::RgbImage;
use nokhwa::Camera;
use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

/// The formats taken, best first: MJPEG is what most webcams send at 640×480 and above.
const FORMATS: [FrameFormat; 2] = [FrameFormat::MJPEG, FrameFormat::YUYV];

/// The webcams the computer has; none is not an error here (the screen offers 邮寄纸质资料).
pub fn list_devices() -> Result<Vec<DeviceInfo>> {
    let found = match nokhwa::query(ApiBackend::Auto) {
        Ok(found) => found,
        Err(e) => {
            return match CameraError::from_nokhwa(&e, Stage::Open) {
                // No V4L2 folder, no camera subsystem: no cameras.
                CameraError::NoCamera => Ok(Vec::new()),
                other => Err(other),
            };
        }
    };
    Ok(found
        .into_iter()
        .filter_map(|info| {
            let index = info.index().as_index().ok()?;
            Some(DeviceInfo { index, name: info.human_name() })
        })
        .collect())
}

/// A webcam, streaming from when it is opened until it is dropped.
pub struct WebcamSource {
    // An `Option` so that Drop can take it: nokhwa's own Drop unwraps `stop_stream`, which panics
    // for a camera that was unplugged; such a camera is forgotten instead.
    camera: Option<Camera>,
    name: String,
}

impl WebcamSource {
    /// Opens camera `index` at 640×480 (or the nearest it offers) and starts it.
    pub fn open(index: u32) -> Result<WebcamSource> {
        let wanted = CameraFormat::new_from(PREFERRED_WIDTH, PREFERRED_HEIGHT, FrameFormat::MJPEG, PREFERRED_FPS);
        let format = RequestedFormat::with_formats(RequestedFormatType::Closest(wanted), &FORMATS);
        let camera =
            Camera::new(CameraIndex::Index(index), format).map_err(|e| CameraError::from_nokhwa(&e, Stage::Open))?;
        WebcamSource::from_camera(camera)
    }

    /// Starts an already made camera: the tests make one over a custom backend
    /// (`Camera::with_custom`), so this path runs without a physical camera.
    pub fn from_camera(mut camera: Camera) -> Result<WebcamSource> {
        camera.open_stream().map_err(|e| CameraError::from_nokhwa(&e, Stage::Open))?;
        let name = camera.info().human_name();
        let format = camera.camera_format();
        tracing::info!(camera = %name, format = %format, "camera opened");
        Ok(WebcamSource { camera: Some(camera), name })
    }
}

impl FrameSource for WebcamSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_frame(&mut self) -> Result<RgbImage> {
        let camera = self.camera.as_mut().ok_or(CameraError::Disconnected)?;
        let buffer = camera.frame().map_err(|e| CameraError::from_nokhwa(&e, Stage::Read))?;
        let resolution = buffer.resolution();
        decode_frame(buffer.source_frame_format(), resolution.width(), resolution.height(), buffer.buffer())
    }
}

impl Drop for WebcamSource {
    fn drop(&mut self) {
        if let Some(mut camera) = self.camera.take() {
            match camera.stop_stream() {
                Ok(()) => drop(camera),
                Err(e) => {
                    tracing::warn!(error = %e, "camera did not stop (unplugged?); released without stopping");
                    std::mem::forget(camera);
                }
            }
        }
    }
}
