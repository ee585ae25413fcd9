//! Frames for 人脸认证, with no window and no tauri: a webcam through nokhwa, or a fixture source that
//! plays images (tests, demos, computers without a camera), both behind [`FrameSource`]; and
//! [`CaptureSession`], which checks every frame with `certdesk-face`, guides the applicant, and takes
//! the photo only from frames that pass, so an attempt is never spent on one that could not.
//!
//! The chosen photo is encoded as JPEG in memory and handed back; nothing here writes a frame to disk.

mod capture;
mod decode;
mod error;
mod fixture;
pub mod labelled;
mod system;
mod webcam;

pub use capture::{CaptureSession, CaptureStep, PHOTO_QUALITY, PREVIEW_QUALITY, TakeRefused, encode_jpeg};
pub use decode::{decode_frame, rgb_to_yuyv};
pub use error::CameraError;
pub use fixture::{FixtureSource, demo_sequence};
pub use system::request_access;
pub use webcam::{WebcamSource, list_devices};

use image::RgbImage;
use std::path::PathBuf;

pub type Result<T, E = CameraError> = std::result::Result<T, E>;

/// The size asked of a webcam (the nearest it offers is taken).
pub const PREFERRED_WIDTH: u32 = 640;
pub const PREFERRED_HEIGHT: u32 = 480;
/// Frames per second asked of a webcam and played by a fixture source.
pub const PREFERRED_FPS: u32 = 30;

/// Where frames come from: a webcam, or images played as one. Not `Send`: nokhwa's cameras stay on
/// the thread that opened them, so a capture thread opens its own source (see [`SourceConfig`]).
pub trait FrameSource {
    /// The camera's name as the applicant knows it.
    fn name(&self) -> &str;
    /// Blocks until the next frame and returns it as RGB.
    fn next_frame(&mut self) -> Result<RgbImage>;
}

/// A camera the computer has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    pub index: u32,
    pub name: String,
}

/// The camera to start with when there are several (a laptop's own and a USB one): the one chosen
/// last time, found by its name because indices change as cameras come and go; else the first.
pub fn preferred_device(devices: &[DeviceInfo], remembered: Option<&str>) -> Option<u32> {
    remembered.and_then(|name| devices.iter().find(|d| d.name == name)).or_else(|| devices.first()).map(|d| d.index)
}

/// Which source the app uses, from `CERTDESK_CAMERA`: unset for the webcam, `demo` for the built-in
/// sequence (a face moving into the oval), or `fixture:PATH` for an image or a folder of images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceConfig {
    Webcam,
    Demo,
    Fixture(PathBuf),
}

impl SourceConfig {
    pub fn from_env() -> SourceConfig {
        SourceConfig::parse(std::env::var("CERTDESK_CAMERA").ok().as_deref())
    }

    pub fn parse(value: Option<&str>) -> SourceConfig {
        match value.map(str::trim) {
            Some("demo") => SourceConfig::Demo,
            Some(v) if v.starts_with("fixture:") => SourceConfig::Fixture(PathBuf::from(&v["fixture:".len()..])),
            _ => SourceConfig::Webcam,
        }
    }

    /// The cameras to offer: the webcams found, or the one fixture source.
    pub fn devices(&self) -> Result<Vec<DeviceInfo>> {
        match self {
            SourceConfig::Webcam => list_devices(),
            SourceConfig::Demo => Ok(vec![DeviceInfo { index: 0, name: "演示摄像头".into() }]),
            SourceConfig::Fixture(path) => {
                Ok(vec![DeviceInfo { index: 0, name: format!("测试画面 {}", path.display()) }])
            }
        }
    }

    /// Asks the system for the camera where it asks the user (macOS), after 人脸认证's consent; the
    /// demo and fixture sources need no permission.
    pub fn request_access(&self) -> Result<()> {
        match self {
            SourceConfig::Webcam => request_access(),
            SourceConfig::Demo | SourceConfig::Fixture(_) => Ok(()),
        }
    }

    /// Opens camera `index` of this configuration.
    pub fn open(&self, index: u32) -> Result<Box<dyn FrameSource>> {
        Ok(match self {
            SourceConfig::Webcam => Box::new(WebcamSource::open(index)?),
            SourceConfig::Demo => Box::new(FixtureSource::new("演示摄像头", demo_sequence(), PREFERRED_FPS)?),
            SourceConfig::Fixture(path) => Box::new(FixtureSource::open(path, PREFERRED_FPS)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_camera_chosen_last_time_is_found_by_name_wherever_it_is_now() {
        let built_in = DeviceInfo { index: 0, name: "Integrated Camera".into() };
        let usb = DeviceInfo { index: 1, name: "Logitech C920".into() };
        assert_eq!(preferred_device(&[built_in.clone(), usb.clone()], Some("Logitech C920")), Some(1));
        // Plugged in again after the built-in one was disabled: the same camera at another index.
        assert_eq!(preferred_device(&[DeviceInfo { index: 0, ..usb.clone() }], Some("Logitech C920")), Some(0));
        assert_eq!(preferred_device(&[built_in.clone(), usb], Some("a camera since removed")), Some(0));
        assert_eq!(preferred_device(&[built_in], None), Some(0));
        assert_eq!(preferred_device(&[], Some("Logitech C920")), None);
    }
}
