//! The frame checks on frames made from the two fixtures: a good frame passes, and each kind of bad
//! frame gets its own guidance.

use certdesk_face::checks::{AutoCapture, FrameChecker, Guidance, Oval, check_frame};
use certdesk_face::{Face, decode, detect};
use image::imageops::FilterType;
use image::{GrayImage, Luma};
use std::sync::OnceLock;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;

fn fixture(name: &str) -> GrayImage {
    let path = format!("{}/../../tests/fixtures/camera/{name}", env!("CARGO_MANIFEST_DIR"));
    decode(&std::fs::read(path).unwrap()).unwrap().to_luma8()
}

fn portrait() -> &'static (GrayImage, Face) {
    static PORTRAIT: OnceLock<(GrayImage, Face)> = OnceLock::new();
    PORTRAIT.get_or_init(|| {
        let image = fixture("astronaut.png");
        let face = detect(&image)[0];
        (image, face)
    })
}

/// A 640×480 frame on a plain background holding the portrait scaled so that its face is `share`
/// of the guide oval's width, the face's centre at `at` (fractions of the frame).
fn frame_with_faces(faces: &[(f64, (f64, f64))]) -> GrayImage {
    let (image, face) = portrait();
    let mut canvas = GrayImage::from_pixel(WIDTH, HEIGHT, Luma([110]));
    for &(share, (x, y)) in faces {
        let scale = share * 2.0 * Oval::GUIDE.rx * f64::from(WIDTH) / f64::from(face.width);
        let w = (f64::from(image.width()) * scale).round() as u32;
        let h = (f64::from(image.height()) * scale).round() as u32;
        let scaled = image::imageops::resize(image, w, h, FilterType::Triangle);
        let (fx, fy) = face.centre();
        let left = x * f64::from(WIDTH) - fx * scale;
        let top = y * f64::from(HEIGHT) - fy * scale;
        image::imageops::overlay(&mut canvas, &scaled, left.round() as i64, top.round() as i64);
    }
    canvas
}

fn good() -> GrayImage {
    frame_with_faces(&[(0.65, (Oval::GUIDE.cx, Oval::GUIDE.cy))])
}

fn map(frame: &GrayImage, f: impl Fn(f64) -> f64) -> GrayImage {
    let mut out = frame.clone();
    for p in out.pixels_mut() {
        p.0[0] = f(f64::from(p.0[0])).round().clamp(0.0, 255.0) as u8;
    }
    out
}

fn guidance(frame: &GrayImage) -> Guidance {
    check_frame(frame, Oval::GUIDE).guidance
}

#[test]
fn a_well_framed_face_passes_every_check() {
    let verdict = check_frame(&good(), Oval::GUIDE);
    assert_eq!(verdict.guidance, Guidance::Ready, "{verdict:?}");
    let face = verdict.face.unwrap();
    let (cx, cy) = face.centre();
    assert!((cx - 320.0).abs() < 40.0 && (cy - 221.0).abs() < 40.0, "{face:?}");
}

#[test]
fn no_face_and_two_faces_are_told_apart() {
    let coffee = image::imageops::resize(&fixture("coffee.png"), WIDTH, HEIGHT, FilterType::Triangle);
    assert_eq!(guidance(&coffee), Guidance::NoFace);
    assert_eq!(guidance(&GrayImage::from_pixel(WIDTH, HEIGHT, Luma([128]))), Guidance::NoFace);
    let two = frame_with_faces(&[(0.38, (0.27, 0.46)), (0.38, (0.73, 0.46))]);
    assert_eq!(guidance(&two), Guidance::MultipleFaces);
}

#[test]
fn position_and_size_are_guided() {
    assert_eq!(guidance(&frame_with_faces(&[(0.65, (0.18, 0.3))])), Guidance::OutsideOval);
    assert_eq!(guidance(&frame_with_faces(&[(0.3, (Oval::GUIDE.cx, Oval::GUIDE.cy))])), Guidance::TooFar);
    assert_eq!(guidance(&frame_with_faces(&[(1.1, (Oval::GUIDE.cx, Oval::GUIDE.cy))])), Guidance::TooClose);
}

#[test]
fn light_contrast_and_sharpness_are_guided() {
    let good = good();
    assert_eq!(guidance(&map(&good, |v| v * 0.2)), Guidance::TooDark);
    assert_eq!(guidance(&map(&good, |v| 190.0 + v * 0.3)), Guidance::TooBright);
    // Washed out: the contrast a quarter of the good frame's.
    assert_eq!(guidance(&map(&good, |v| 128.0 + (v - 128.0) * 0.25)), Guidance::LowContrast);
    // Dimmer but sharp still passes: sharpness is measured against the face's own contrast.
    assert_eq!(guidance(&map(&good, |v| 128.0 + (v - 128.0) * 0.5)), Guidance::Ready);
    assert_eq!(guidance(&image::imageops::blur(&good, 2.0)), Guidance::Blurry);
    assert_eq!(guidance(&image::imageops::blur(&good, 0.5)), Guidance::Ready);
}

#[test]
fn movement_between_frames_asks_to_hold_still() {
    let mut checker = FrameChecker::new(Oval::GUIDE);
    assert_eq!(checker.check(&good()).guidance, Guidance::Ready);
    assert_eq!(checker.check(&good()).guidance, Guidance::Ready);
    let moved = frame_with_faces(&[(0.65, (Oval::GUIDE.cx + 0.06, Oval::GUIDE.cy))]);
    assert_eq!(checker.check(&moved).guidance, Guidance::Moving);
    assert_eq!(checker.check(&moved).guidance, Guidance::Ready);
}

#[test]
fn the_sharpest_frame_of_a_held_run_is_taken_and_a_failure_restarts_the_run() {
    let good = good();
    let soft = image::imageops::blur(&good, 0.8);
    let sharp = check_frame(&good, Oval::GUIDE);
    let softer = check_frame(&soft, Oval::GUIDE);
    assert!(softer.passes() && softer.sharpness < sharp.sharpness, "{softer:?} {sharp:?}");
    let failing = check_frame(&map(&good, |v| v * 0.2), Oval::GUIDE);

    let t0 = std::time::Instant::now();
    let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
    let mut capture = AutoCapture::new(std::time::Duration::from_millis(600));
    assert_eq!(capture.offer(&softer, "soft 1", at(0)), None);
    assert_eq!(capture.offer(&failing, "dark", at(100)), None);
    assert_eq!(capture.progress(), 0.0);
    assert_eq!(capture.offer(&softer, "soft 2", at(200)), None);
    assert_eq!(capture.offer(&sharp, "sharp", at(500)), None);
    assert!((capture.progress() - 0.5).abs() < 1e-9, "{}", capture.progress());
    assert_eq!(capture.offer(&softer, "soft 3", at(800)), Some("sharp"));
    assert_eq!(capture.progress(), 0.0);

    // However long it took, two frames are not a run.
    let mut slow = AutoCapture::new(std::time::Duration::from_millis(600));
    assert_eq!(slow.offer(&sharp, 1, at(0)), None);
    assert_eq!(slow.offer(&sharp, 2, at(5000)), None);
    assert_eq!(slow.offer(&softer, 3, at(5100)), Some(1));
}

#[test]
fn every_guidance_has_chinese_and_english_words() {
    for g in [
        Guidance::Ready,
        Guidance::NoFace,
        Guidance::MultipleFaces,
        Guidance::OutsideOval,
        Guidance::TooFar,
        Guidance::TooClose,
        Guidance::TooDark,
        Guidance::TooBright,
        Guidance::LowContrast,
        Guidance::Blurry,
        Guidance::Moving,
    ] {
        assert!(g.message_zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{g:?}");
        assert!(g.message_en().is_ascii(), "{g:?}");
    }
    assert_eq!(Guidance::OutsideOval.message_zh(), "请将面部置于框内");
    assert_eq!(Guidance::TooFar.message_zh(), "请靠近一些");
    assert_eq!(Guidance::Moving.message_zh(), "请保持不动");
}
