//! V4L2 (nokhwa's backend on Linux): its errors carry the errno's text and number.

use super::Failure;

pub(crate) fn failure_in(text: &str) -> Option<Failure> {
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["permission denied", "os error 13"]) {
        Some(Failure::Denied)
    } else if has(&["device or resource busy", "os error 16"]) {
        Some(Failure::InUse)
    } else if has(&["no such device", "os error 19", "os error 2)", "no such file"]) {
        Some(Failure::Gone)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_texts_are_read() {
        let cases = [
            ("could not open device /dev/video0: permission denied (os error 13)", Some(Failure::Denied)),
            ("failed to start stream: device or resource busy (os error 16)", Some(Failure::InUse)),
            ("could not capture a frame: no such device (os error 19)", Some(Failure::Gone)),
            ("could not open /dev/video2: no such file or directory (os error 2)", Some(Failure::Gone)),
            ("invalid argument (os error 22)", None),
        ];
        for (text, expected) in cases {
            assert_eq!(failure_in(text), expected, "{text}");
        }
    }
}
