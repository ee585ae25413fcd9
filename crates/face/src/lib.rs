//! Face detection for 人脸认证, with no camera and no I/O: the app checks frames with it before an
//! attempt is spent, and the platform's sandbox verifier checks that an uploaded photo holds a face.
//!
//! The detector is SeetaFace's frontal cascade through `rustface`; its model (BSD-2-Clause,
//! `model/LICENSE-SeetaFace`) is compiled into the binary so nothing is read from disk.

pub mod checks;

use image::{DynamicImage, GrayImage};
use std::sync::OnceLock;

/// SeetaFace Engine 1 frontal face model, shipped inside the `rustface` crate and vendored here.
const MODEL: &[u8] = include_bytes!("../model/seeta_fd_frontal_v1.0.bin");

/// Faces smaller than this (pixels, side of the box) are not looked for: a face that small could not
/// pass a match against the ID photo anyway.
pub const MIN_FACE_SIZE: u32 = 40;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaceError {
    /// The bytes are not a JPEG (or PNG) image this crate can decode.
    #[error("照片无法识别，请重新拍摄")]
    Undecodable,
    /// The image is far larger than a camera frame: refused before decoding.
    #[error("照片尺寸过大（{width}×{height}），请使用不超过{max}像素宽高的照片")]
    TooLarge { width: u32, height: u32, max: u32 },
}

/// A detected face: its box in image pixels and the detector's confidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub score: f64,
}

impl Face {
    pub fn centre(&self) -> (f64, f64) {
        (f64::from(self.x) + f64::from(self.width) / 2.0, f64::from(self.y) + f64::from(self.height) / 2.0)
    }
}

/// The largest width or height accepted: 4K frames and below.
pub const MAX_SIDE: u32 = 4096;

/// Decodes an uploaded photo, refusing huge dimensions before allocating for them.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, FaceError> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| FaceError::Undecodable)?;
    let (width, height) = reader.into_dimensions().map_err(|_| FaceError::Undecodable)?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(FaceError::TooLarge { width, height, max: MAX_SIDE });
    }
    image::load_from_memory(bytes).map_err(|_| FaceError::Undecodable)
}

fn model() -> &'static rustface::Model {
    static MODEL_PARSED: OnceLock<rustface::Model> = OnceLock::new();
    MODEL_PARSED.get_or_init(|| rustface::read_model(MODEL).expect("the vendored SeetaFace model parses"))
}

/// How hard the detector looks: the smallest face, the step between pyramid levels and between
/// windows. Fewer levels and a longer step cost a little recall and save most of the time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorSettings {
    pub min_face_size: u32,
    pub pyramid_scale: f32,
    pub window_step: u32,
}

impl DetectorSettings {
    /// For an uploaded photo, looked at once (the platform's check).
    pub const THOROUGH: DetectorSettings =
        DetectorSettings { min_face_size: MIN_FACE_SIZE, pyramid_scale: 0.8, window_step: 4 };
    /// For live frames, many a second, scaled down first (the camera's checks): ≈3× faster.
    pub const LIVE: DetectorSettings = DetectorSettings { min_face_size: 32, pyramid_scale: 0.75, window_step: 6 };
}

/// Finds frontal faces in a grey image, most confident first, looking thoroughly.
pub fn detect(image: &GrayImage) -> Vec<Face> {
    detect_with(image, DetectorSettings::THOROUGH)
}

/// Finds frontal faces with the given effort. Each call builds its own detector from the shared
/// parsed model (the detector keeps per-run state and is not `Send`).
pub fn detect_with(image: &GrayImage, settings: DetectorSettings) -> Vec<Face> {
    if image.width() < settings.min_face_size || image.height() < settings.min_face_size {
        return Vec::new();
    }
    let mut detector = rustface::create_detector_with_model(model().clone());
    detector.set_min_face_size(settings.min_face_size);
    detector.set_score_thresh(2.0);
    detector.set_pyramid_scale_factor(settings.pyramid_scale);
    detector.set_slide_window_step(settings.window_step, settings.window_step);
    let data = rustface::ImageData::new(image.as_raw(), image.width(), image.height());
    let mut faces: Vec<Face> = detector
        .detect(&data)
        .into_iter()
        .map(|f| {
            let b = f.bbox();
            Face { x: b.x(), y: b.y(), width: b.width(), height: b.height(), score: f.score() }
        })
        .collect();
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    faces
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../tests/fixtures/camera/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn the_portrait_holds_exactly_one_face_near_its_centre() {
        let image = decode(&fixture("astronaut.png")).unwrap();
        let faces = detect(&image.to_luma8());
        assert_eq!(faces.len(), 1, "{faces:?}");
        let (cx, cy) = faces[0].centre();
        // The astronaut's face is in the upper middle of the 512×512 portrait.
        assert!((150.0..350.0).contains(&cx) && (50.0..250.0).contains(&cy), "{faces:?}");
        assert!(faces[0].width >= 80, "{faces:?}");
    }

    #[test]
    fn a_coffee_cup_holds_none() {
        let image = decode(&fixture("coffee.png")).unwrap();
        assert_eq!(detect(&image.to_luma8()), vec![]);
    }

    #[test]
    fn two_portraits_side_by_side_hold_two_faces() {
        let portrait = decode(&fixture("astronaut.png")).unwrap().to_luma8();
        let mut pair = GrayImage::new(portrait.width() * 2, portrait.height());
        image::imageops::replace(&mut pair, &portrait, 0, 0);
        image::imageops::replace(&mut pair, &portrait, i64::from(portrait.width()), 0);
        assert_eq!(detect(&pair).len(), 2);
    }

    #[test]
    fn a_jpeg_decodes_and_garbage_or_a_huge_image_is_refused_clearly() {
        let portrait = decode(&fixture("astronaut.png")).unwrap();
        let mut jpeg = Vec::new();
        portrait.to_rgb8().write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        assert_eq!(detect(&decode(&jpeg).unwrap().to_luma8()).len(), 1);
        assert_eq!(decode(b"not an image").unwrap_err(), FaceError::Undecodable);
        assert_eq!(decode(&jpeg[..20]).unwrap_err(), FaceError::Undecodable);
        let huge = GrayImage::new(MAX_SIDE + 1, 8);
        let mut png = Vec::new();
        huge.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert!(matches!(decode(&png), Err(FaceError::TooLarge { width: 4097, .. })));
    }
}
