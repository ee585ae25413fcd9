//! Images played as a camera: for the tests, the demo, and computers without one. Paced like a
//! camera (one frame per interval), looping.

use crate::{CameraError, FrameSource, PREFERRED_HEIGHT, PREFERRED_WIDTH, Result};
use image::imageops::FilterType;
use image::{Rgb, RgbImage};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct FixtureSource {
    name: String,
    frames: Vec<RgbImage>,
    next: usize,
    interval: Duration,
    due: Option<Instant>,
}

impl FixtureSource {
    pub fn new(name: &str, frames: Vec<RgbImage>, fps: u32) -> Result<FixtureSource> {
        if frames.is_empty() {
            return Err(CameraError::Fixture("没有画面".into()));
        }
        let interval = Duration::from_secs(1) / fps.max(1);
        Ok(FixtureSource { name: name.to_owned(), frames, next: 0, interval, due: None })
    }

    /// One image, or every image of a folder in name order.
    pub fn open(path: &Path, fps: u32) -> Result<FixtureSource> {
        let bad = |e: &dyn std::fmt::Display| CameraError::Fixture(format!("{}：{e}", path.display()));
        let mut files = if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| bad(&e))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| ["png", "jpg", "jpeg"].contains(&x.to_string_lossy().to_lowercase().as_str()))
                })
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_owned()]
        };
        let frames = files
            .drain(..)
            .map(|file| image::open(&file).map(|i| i.to_rgb8()).map_err(|e| bad(&e)))
            .collect::<Result<Vec<_>>>()?;
        FixtureSource::new(&format!("测试画面 {}", path.display()), frames, fps)
    }
}

impl FrameSource for FixtureSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_frame(&mut self) -> Result<RgbImage> {
        let now = Instant::now();
        if let Some(due) = self.due
            && due > now
        {
            std::thread::sleep(due - now);
        }
        self.due = Some(self.due.map_or(now, |d| d.max(now - self.interval)) + self.interval);
        let frame = self.frames[self.next].clone();
        self.next = (self.next + 1) % self.frames.len();
        Ok(frame)
    }
}

/// The built-in demo: the public-domain portrait approaching the camera over two seconds until its
/// face fills the guide oval, then held still (a moving preview whose guidance goes from 请靠近一些
/// to passing). 640×480.
pub fn demo_sequence() -> Vec<RgbImage> {
    static SEQUENCE: std::sync::OnceLock<Vec<RgbImage>> = std::sync::OnceLock::new();
    SEQUENCE.get_or_init(make_demo_sequence).clone()
}

fn make_demo_sequence() -> Vec<RgbImage> {
    static PORTRAIT: &[u8] = include_bytes!("../../../tests/fixtures/camera/astronaut.png");
    let portrait = image::load_from_memory(PORTRAIT).expect("the bundled portrait decodes").to_rgb8();
    // Where the detector sees the portrait's face, so that the sequence ends inside the oval.
    let face = certdesk_face::detect(&image::DynamicImage::ImageRgb8(portrait.clone()).to_luma8())[0];
    let (face_x, face_y) = face.centre();
    let face_w = f64::from(face.width);
    let oval = certdesk_face::checks::Oval::GUIDE;
    let oval_width = 2.0 * oval.rx * f64::from(PREFERRED_WIDTH);
    let mut frames = Vec::new();
    let approach = 24;
    for i in 0..approach + 30 {
        let t = (f64::from(i.min(approach)) / f64::from(approach)).min(1.0);
        let share = 0.25 + (0.65 - 0.25) * t;
        let scale = share * oval_width / face_w;
        let w = (f64::from(portrait.width()) * scale).round() as u32;
        let h = (f64::from(portrait.height()) * scale).round() as u32;
        let scaled = image::imageops::resize(&portrait, w, h, FilterType::Triangle);
        let mut frame = RgbImage::from_pixel(PREFERRED_WIDTH, PREFERRED_HEIGHT, Rgb([118, 120, 124]));
        let left = oval.cx * f64::from(PREFERRED_WIDTH) - face_x * scale;
        let top = oval.cy * f64::from(PREFERRED_HEIGHT) - face_y * scale;
        image::imageops::overlay(&mut frame, &scaled, left.round() as i64, top.round() as i64);
        frames.push(frame);
    }
    frames
}
