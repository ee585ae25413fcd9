//! What each system does differently with a camera, one module per system. Each module's pure part
//! (reading the system's errors, its permission states) compiles and is tested everywhere; only the
//! calls into the system are behind `cfg(target_os)`.
//!
//! - `macos`: AVFoundation asks the user for the camera once; [`request_access`] asks (through
//!   nokhwa's `nokhwa_initialize`) after 人脸认证's consent and waits for the answer.
//! - `windows`: Media Foundation's HRESULTs (the privacy switch, a camera held elsewhere, one
//!   unplugged).
//! - `linux`: V4L2's errno names and numbers.

pub(crate) mod linux;
pub(crate) mod macos;
pub(crate) mod windows;

use crate::CameraError;

/// What a system's error says happened to the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The user or the system's privacy settings do not allow this app the camera.
    Denied,
    /// Parental controls or device management forbid the camera (macOS says so before asking).
    #[cfg_attr(not(target_os = "macos"), allow(dead_code))]
    Restricted,
    /// Another program holds the camera.
    InUse,
    /// The camera is not there (never was, or was unplugged).
    Gone,
}

/// Reads an error's text (lower case) with every system's reader: their patterns do not overlap, and
/// a message does not say which system wrote it.
pub(crate) fn failure_in(text: &str) -> Option<Failure> {
    windows::failure_in(text).or_else(|| macos::failure_in(text)).or_else(|| linux::failure_in(text))
}

/// Asks the system for the camera, when it asks the user (macOS), and waits for the answer; where
/// it does not, the camera's own open says whether it may be used.
pub fn request_access() -> Result<(), CameraError> {
    #[cfg(target_os = "macos")]
    return macos::request_access();
    #[cfg(not(target_os = "macos"))]
    Ok(())
}
