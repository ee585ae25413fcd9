//! Media Foundation (nokhwa's backend on Windows): its errors reach us as windows-rs text, "message
//! (0x80070005)", the message in the user's language; the HRESULT is what is read.

use super::Failure;

/// E_ACCESSDENIED: Settings → 隐私和安全性 → 摄像头, "允许桌面应用访问你的摄像头" is off (or the
/// app's own switch).
const E_ACCESSDENIED: u32 = 0x8007_0005;
/// The camera could not start streaming: another program holds it.
const MF_E_HW_MFT_FAILED_START_STREAMING: u32 = 0xC00D_3704;
/// Another program took the camera while we streamed.
const MF_E_VIDEO_RECORDING_DEVICE_PREEMPTED: u32 = 0xC00D_3EA3;
/// The camera is locked (another program has it exclusively).
const MF_E_VIDEO_DEVICE_LOCKED: u32 = 0xC00D_4E24;
/// HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION), HRESULT_FROM_WIN32(ERROR_BUSY).
const SHARING_VIOLATION: u32 = 0x8007_0020;
const BUSY: u32 = 0x8007_00AA;
/// The camera went away while streaming (a USB camera unplugged).
const MF_E_VIDEO_RECORDING_DEVICE_INVALIDATED: u32 = 0xC00D_3EA2;
/// The media source was shut down under us (what follows an unplug).
const MF_E_SHUTDOWN: u32 = 0xC00D_3E85;
/// HRESULT_FROM_WIN32(ERROR_DEVICE_NOT_CONNECTED), HRESULT_FROM_WIN32(ERROR_DEVICE_REMOVED).
const DEVICE_NOT_CONNECTED: u32 = 0x8007_048F;
const DEVICE_REMOVED: u32 = 0x8007_0651;
/// No capture device at all.
const MF_E_NO_CAPTURE_DEVICES_AVAILABLE: u32 = 0xC00D_ABE0;

pub(crate) fn failure_of(hresult: u32) -> Option<Failure> {
    Some(match hresult {
        E_ACCESSDENIED => Failure::Denied,
        MF_E_HW_MFT_FAILED_START_STREAMING
        | MF_E_VIDEO_RECORDING_DEVICE_PREEMPTED
        | MF_E_VIDEO_DEVICE_LOCKED
        | SHARING_VIOLATION
        | BUSY => Failure::InUse,
        MF_E_VIDEO_RECORDING_DEVICE_INVALIDATED
        | MF_E_SHUTDOWN
        | DEVICE_NOT_CONNECTED
        | DEVICE_REMOVED
        | MF_E_NO_CAPTURE_DEVICES_AVAILABLE => Failure::Gone,
        _ => return None,
    })
}

/// The first HRESULT (`0x` and eight hex digits) in the text that says something known.
pub(crate) fn failure_in(text: &str) -> Option<Failure> {
    text.match_indices("0x").find_map(|(at, _)| {
        let digits = text.get(at + 2..at + 10)?;
        let hresult = u32::from_str_radix(digits, 16).ok()?;
        failure_of(hresult)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_rs_texts_are_read_by_their_hresult_in_any_language() {
        // windows-rs formats an error as "{message} ({code:#010X})".
        let cases = [
            ("拒绝访问。 (0x80070005)", Some(Failure::Denied)),
            ("Access is denied. (0x80070005)", Some(Failure::Denied)),
            (
                "Hardware MFT failed to start streaming due to lack of hardware resources. (0xC00D3704)",
                Some(Failure::InUse),
            ),
            ("视频录制设备已被抢占。 (0xC00D3EA3)", Some(Failure::InUse)),
            (
                "The process cannot access the file because it is being used by another process. (0x80070020)",
                Some(Failure::InUse),
            ),
            ("视频录制设备不再存在。 (0xC00D3EA2)", Some(Failure::Gone)),
            ("The object was shut down. (0xC00D3E85)", Some(Failure::Gone)),
            ("(0x8007048F)", Some(Failure::Gone)),
            ("The parameter is incorrect. (0x80070057)", None),
            ("no hex here", None),
            ("0xC00D", None),
        ];
        for (text, expected) in cases {
            assert_eq!(failure_in(&text.to_lowercase()), expected, "{text}");
        }
    }
}
