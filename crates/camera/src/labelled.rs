//! The labelled frames the checks are measured against: 640×480 frames of each kind an applicant
//! shows the camera (one face in the oval, too far, off-centre, two faces, none, dark, blurred), each
//! with the guidance a person looking at it would give. `cargo xtask bench camera` times the checks
//! on them and tabulates their verdicts against the labels; the tests require every label be met, so
//! a faster check cannot buy its speed with a different answer.
//!
//! Made from the two public-domain fixtures at first use, the same way every time (no randomness).

use crate::{PREFERRED_HEIGHT, PREFERRED_WIDTH};
use certdesk_face::checks::{Guidance, Oval};
use image::imageops::FilterType;
use image::{Rgb, RgbImage};
use std::sync::OnceLock;

/// One frame and what it shows.
#[derive(Debug, Clone)]
pub struct LabelledFrame {
    /// The kind, as the table names it (`one face in the oval`, `two faces`…).
    pub kind: &'static str,
    /// What makes this frame different from the others of its kind.
    pub variant: String,
    pub frame: RgbImage,
    /// The guidance the checks must give this frame on its own.
    pub label: Guidance,
}

static PORTRAIT: &[u8] = include_bytes!("../../../tests/fixtures/camera/astronaut.png");
static COFFEE: &[u8] = include_bytes!("../../../tests/fixtures/camera/coffee.png");

struct Portrait {
    image: RgbImage,
    /// The face's centre and width in the portrait, as the thorough detector finds it.
    face_centre: (f64, f64),
    face_width: f64,
}

fn portrait() -> &'static Portrait {
    static LOADED: OnceLock<Portrait> = OnceLock::new();
    LOADED.get_or_init(|| {
        let image = image::load_from_memory(PORTRAIT).expect("the bundled portrait decodes").to_rgb8();
        let face = certdesk_face::detect(&image::DynamicImage::ImageRgb8(image.clone()).to_luma8())[0];
        Portrait { face_centre: face.centre(), face_width: f64::from(face.width), image }
    })
}

/// A frame on a plain background (`grey`) holding the portrait once per `(share, (x, y))`: its face
/// `share` of the guide oval's width, centred at `(x, y)` (fractions of the frame).
fn frame_with_faces(grey: u8, faces: &[(f64, (f64, f64))]) -> RgbImage {
    let p = portrait();
    let (width, height) = (f64::from(PREFERRED_WIDTH), f64::from(PREFERRED_HEIGHT));
    let mut frame = RgbImage::from_pixel(
        PREFERRED_WIDTH,
        PREFERRED_HEIGHT,
        Rgb([grey, grey.saturating_add(2), grey.saturating_add(6)]),
    );
    for &(share, (x, y)) in faces {
        let scale = share * 2.0 * Oval::GUIDE.rx * width / p.face_width;
        let w = (f64::from(p.image.width()) * scale).round() as u32;
        let h = (f64::from(p.image.height()) * scale).round() as u32;
        let scaled = image::imageops::resize(&p.image, w, h, FilterType::Triangle);
        let left = x * width - p.face_centre.0 * scale;
        let top = y * height - p.face_centre.1 * scale;
        image::imageops::overlay(&mut frame, &scaled, left.round() as i64, top.round() as i64);
    }
    frame
}

/// Lays just the portrait's head (a square twice the face's width) over `frame`: a second person
/// whose whole portrait would cover the first.
fn add_head(frame: &mut RgbImage, share: f64, (x, y): (f64, f64)) {
    let p = portrait();
    let side = (2.0 * p.face_width).min(f64::from(p.image.width())) as u32;
    let left = (p.face_centre.0 - f64::from(side) / 2.0).max(0.0) as u32;
    let top = (p.face_centre.1 - f64::from(side) / 2.0).max(0.0) as u32;
    let head = image::imageops::crop_imm(&p.image, left, top, side, side).to_image();
    let scale = share * 2.0 * Oval::GUIDE.rx * f64::from(PREFERRED_WIDTH) / p.face_width;
    let size = (f64::from(side) * scale).round() as u32;
    let head = image::imageops::resize(&head, size, size, FilterType::Triangle);
    let at_x = x * f64::from(PREFERRED_WIDTH) - (p.face_centre.0 - f64::from(left)) * scale;
    let at_y = y * f64::from(PREFERRED_HEIGHT) - (p.face_centre.1 - f64::from(top)) * scale;
    image::imageops::overlay(frame, &head, at_x.round() as i64, at_y.round() as i64);
}

fn in_oval(share: f64) -> RgbImage {
    frame_with_faces(118, &[(share, (Oval::GUIDE.cx, Oval::GUIDE.cy))])
}

fn map(frame: &RgbImage, f: impl Fn(f64) -> f64) -> RgbImage {
    let mut out = frame.clone();
    for p in out.pixels_mut() {
        for c in &mut p.0 {
            *c = f(f64::from(*c)).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// The whole set, 37 frames, in the table's order.
pub fn labelled_frames() -> &'static [LabelledFrame] {
    static FRAMES: OnceLock<Vec<LabelledFrame>> = OnceLock::new();
    FRAMES.get_or_init(make)
}

fn make() -> Vec<LabelledFrame> {
    let mut frames = Vec::new();
    let mut add = |kind: &'static str, variant: String, frame: RgbImage, label: Guidance| {
        frames.push(LabelledFrame { kind, variant, frame, label });
    };
    let (cx, cy) = (Oval::GUIDE.cx, Oval::GUIDE.cy);

    for share in [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8] {
        add("one face in the oval", format!("face {:.0}% of the oval", share * 100.0), in_oval(share), Guidance::Ready);
    }
    for (dx, dy) in [(0.04, 0.0), (-0.04, 0.03)] {
        let frame = frame_with_faces(118, &[(0.65, (cx + dx, cy + dy))]);
        add("one face in the oval", format!("moved by ({dx}, {dy})"), frame, Guidance::Ready);
    }
    for grey in [60, 200] {
        let frame = frame_with_faces(grey, &[(0.65, (cx, cy))]);
        add("one face in the oval", format!("background {grey}"), frame, Guidance::Ready);
    }

    for share in [0.30, 0.33, 0.36] {
        add("too far", format!("face {:.0}% of the oval", share * 100.0), in_oval(share), Guidance::TooFar);
    }
    add("too close", "face 110% of the oval".into(), in_oval(1.1), Guidance::TooClose);

    for (x, y) in [(0.18, 0.30), (0.80, 0.46), (0.50, 0.80), (0.25, 0.65)] {
        let frame = frame_with_faces(118, &[(0.6, (x, y))]);
        add("off-centre", format!("face at ({x}, {y})"), frame, Guidance::OutsideOval);
    }

    for (share, left, right) in [(0.38, 0.27, 0.73), (0.42, 0.25, 0.75), (0.34, 0.3, 0.7)] {
        let frame = frame_with_faces(118, &[(share, (left, 0.46)), (share, (right, 0.46))]);
        add("two faces", format!("side by side, each {:.0}%", share * 100.0), frame, Guidance::MultipleFaces);
    }
    let mut frame = in_oval(0.6);
    add_head(&mut frame, 0.34, (0.87, 0.22));
    add("two faces", "someone behind, to the right".into(), frame, Guidance::MultipleFaces);
    let mut frame = in_oval(0.55);
    add_head(&mut frame, 0.38, (0.14, 0.75));
    add("two faces", "someone beside, lower left".into(), frame, Guidance::MultipleFaces);

    let coffee = image::load_from_memory(COFFEE).expect("the bundled coffee photo decodes").to_rgb8();
    let coffee = image::imageops::resize(&coffee, PREFERRED_WIDTH, PREFERRED_HEIGHT, FilterType::Triangle);
    add("none", "a coffee cup".into(), coffee, Guidance::NoFace);
    for grey in [128, 90] {
        let plain = RgbImage::from_pixel(PREFERRED_WIDTH, PREFERRED_HEIGHT, Rgb([grey, grey, grey]));
        add("none", format!("an empty wall, {grey}"), plain, Guidance::NoFace);
    }
    let gradient = RgbImage::from_fn(PREFERRED_WIDTH, PREFERRED_HEIGHT, |x, y| {
        let v = (60 + x * 120 / PREFERRED_WIDTH + y * 60 / PREFERRED_HEIGHT) as u8;
        Rgb([v, v, v.saturating_add(10)])
    });
    add("none", "a lit wall (gradient)".into(), gradient, Guidance::NoFace);

    let good = in_oval(0.65);
    for factor in [0.2, 0.3] {
        add("dark", format!("light ×{factor}"), map(&good, |v| v * factor), Guidance::TooDark);
    }
    add("dark", "a covered lens".into(), map(&good, |v| v * 0.08), Guidance::TooDark);
    add("too bright", "washed by light".into(), map(&good, |v| 190.0 + v * 0.3), Guidance::TooBright);
    add("low contrast", "flat light".into(), map(&good, |v| 128.0 + (v - 128.0) * 0.25), Guidance::LowContrast);

    for sigma in [2.0, 2.5, 3.0, 4.0] {
        let frame = image::imageops::blur(&good, sigma);
        add("blurred", format!("Gaussian σ {sigma}"), frame, Guidance::Blurry);
    }
    frames
}
