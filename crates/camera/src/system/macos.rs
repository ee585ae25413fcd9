//! AVFoundation (nokhwa's backend on macOS). The camera is the user's to allow: the first time,
//! `AVCaptureDevice requestAccessForMediaType:` shows the system's dialog (with the bundle's
//! `NSCameraUsageDescription`), and nothing opens before it is answered. nokhwa asks only through
//! `nokhwa_initialize`, which the app calls after 人脸认证's consent, never at start.

use super::Failure;

/// `AVAuthorizationStatus`, as AVFoundation numbers it. (Read only on macOS; tested everywhere.)
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Authorization {
    NotDetermined,
    Restricted,
    Denied,
    Authorized,
}

#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
impl Authorization {
    pub(crate) fn from_raw(status: isize) -> Authorization {
        match status {
            3 => Authorization::Authorized,
            2 => Authorization::Denied,
            1 => Authorization::Restricted,
            // 0, and any state a later macOS adds: ask.
            _ => Authorization::NotDetermined,
        }
    }

    /// What the status means before asking: allowed, refused for good, or ask the user.
    pub(crate) fn failure(self) -> Option<Failure> {
        match self {
            Authorization::Denied => Some(Failure::Denied),
            Authorization::Restricted => Some(Failure::Restricted),
            Authorization::Authorized | Authorization::NotDetermined => None,
        }
    }
}

/// AVFoundation's errors as nokhwa passes them on (`NSError`'s description).
pub(crate) fn failure_in(text: &str) -> Option<Failure> {
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["not authorized", "not authorised", "averrorapplicationisnotauthorizedtousedevice"]) {
        Some(Failure::Denied)
    } else if has(&["in use by another application", "averrordeviceinusebyanotherapplication"]) {
        Some(Failure::InUse)
    } else if has(&["device was disconnected", "averrordevicewasdisconnected", "averrordevicenotconnected"]) {
        Some(Failure::Gone)
    } else {
        None
    }
}

#[cfg(target_os = "macos")]
pub(crate) fn request_access() -> Result<(), crate::CameraError> {
    let status = nokhwa_bindings_macos::current_authorization_status() as isize;
    let authorization = Authorization::from_raw(status);
    if let Some(failure) = authorization.failure() {
        return Err(crate::CameraError::from_failure(failure, crate::error::Stage::Open));
    }
    if authorization == Authorization::Authorized {
        return Ok(());
    }
    // The dialog's answer comes on a queue of AVFoundation's; this thread (not the window's) waits.
    let (answer, answered) = std::sync::mpsc::channel();
    nokhwa::nokhwa_initialize(move |granted| {
        let _ = answer.send(granted);
    });
    match answered.recv() {
        Ok(true) => Ok(()),
        _ => Err(crate::CameraError::PermissionDenied),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_states_map_to_ask_allow_or_the_reason() {
        assert_eq!(Authorization::from_raw(0).failure(), None, "not asked yet: ask");
        assert_eq!(Authorization::from_raw(3), Authorization::Authorized);
        assert_eq!(Authorization::from_raw(3).failure(), None);
        assert_eq!(Authorization::from_raw(2).failure(), Some(Failure::Denied));
        assert_eq!(Authorization::from_raw(1).failure(), Some(Failure::Restricted));
        assert_eq!(Authorization::from_raw(7), Authorization::NotDetermined);
    }

    #[test]
    fn avfoundation_texts_are_read() {
        let cases = [
            ("the application is not authorized to use the camera", Some(Failure::Denied)),
            ("cannot use facetime hd camera: the device is in use by another application", Some(Failure::InUse)),
            ("the device was disconnected", Some(Failure::Gone)),
            ("the operation could not be completed", None),
        ];
        for (text, expected) in cases {
            assert_eq!(failure_in(text), expected, "{text}");
        }
    }
}
