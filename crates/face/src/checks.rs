//! The checks every camera frame passes before an attempt is spent: exactly one face, inside the
//! guide oval and of the right size, enough light and contrast, sharp, and held still. Each frame
//! gets one [`Guidance`] (the first thing to fix, in the order a person would fix them), and
//! [`AutoCapture`] takes the sharpest frame once the checks have held for a moment.
//!
//! Pure functions of the pixels: the camera crate feeds them, the benchmarks time them.

use crate::{DetectorSettings, Face, detect_with};
use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::GrayImage;

/// The guide oval drawn over the preview, as fractions of the frame's width and height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Oval {
    pub cx: f64,
    pub cy: f64,
    pub rx: f64,
    pub ry: f64,
}

impl Oval {
    /// The oval the app draws: a head-and-shoulders framing for a 4:3 frame.
    pub const GUIDE: Oval = Oval { cx: 0.5, cy: 0.46, rx: 0.23, ry: 0.40 };
}

/// What the applicant should do next, one thing at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Guidance {
    /// Every check passes: hold still while the photo is taken.
    Ready,
    NoFace,
    MultipleFaces,
    OutsideOval,
    TooFar,
    TooClose,
    TooDark,
    TooBright,
    LowContrast,
    Blurry,
    Moving,
}

impl Guidance {
    /// The words shown under the preview.
    pub fn message_zh(self) -> &'static str {
        match self {
            Guidance::Ready => "检测通过，请保持不动",
            Guidance::NoFace | Guidance::OutsideOval => "请将面部置于框内",
            Guidance::MultipleFaces => "检测到多张人脸，请确保画面中只有申领人",
            Guidance::TooFar => "请靠近一些",
            Guidance::TooClose => "请离远一些",
            Guidance::TooDark => "光线太暗，请到光线充足处",
            Guidance::TooBright => "光线太亮，请避开强光",
            Guidance::LowContrast => "面部光线不均匀，请面向光源",
            Guidance::Blurry => "画面模糊，请保持不动或擦拭镜头",
            Guidance::Moving => "请保持不动",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            Guidance::Ready => "All checks passed: hold still",
            Guidance::NoFace | Guidance::OutsideOval => "Place your face inside the oval",
            Guidance::MultipleFaces => "More than one face: only the applicant may be in the picture",
            Guidance::TooFar => "Move closer",
            Guidance::TooClose => "Move back a little",
            Guidance::TooDark => "Too dark: find more light",
            Guidance::TooBright => "Too bright: avoid strong light",
            Guidance::LowContrast => "Uneven light on your face: face the light",
            Guidance::Blurry => "The picture is blurred: hold still or clean the lens",
            Guidance::Moving => "Hold still",
        }
    }
}

/// The thresholds, in one place so the benchmarks and the docs can name them.
pub mod limits {
    /// Mean luma (0–255) of the whole frame below which nothing can be seen.
    pub const FRAME_TOO_DARK: f64 = 35.0;
    /// Mean luma of the face below and above which the match would be unreliable.
    pub const FACE_TOO_DARK: f64 = 60.0;
    pub const FACE_TOO_BRIGHT: f64 = 215.0;
    /// Standard deviation of the face's luma below which features are washed out.
    pub const MIN_CONTRAST: f64 = 18.0;
    /// Variance of the Laplacian of the face (scaled to [`super::SHARPNESS_WIDTH`]), per unit of the
    /// face's own luma variance, ×100, below which it is blurred.
    pub const MIN_SHARPNESS: f64 = 1.6;
    /// The face box's width as a share of the oval's width.
    pub const MIN_FACE_SHARE: f64 = 0.40;
    pub const MAX_FACE_SHARE: f64 = 0.95;
    /// How far the face's centre may be from the oval's, in the oval's own radii.
    pub const MAX_OFF_CENTRE: f64 = 0.35;
    /// Movement of the face's centre between two frames, as a share of the face's width.
    pub const MAX_MOVEMENT: f64 = 0.08;
}

/// Faces are looked for in a copy of the frame this wide (with [`DetectorSettings::LIVE`]): a face
/// too small to be found there (under ≈85 px of a 640 px frame) is far too small to pass anyway.
pub const DETECTION_WIDTH: u32 = 240;
/// The face is scaled to this width before its sharpness is measured, so distance does not count.
pub const SHARPNESS_WIDTH: u32 = 128;

/// One frame's measurements and the one thing to do about them.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameVerdict {
    pub guidance: Guidance,
    /// The face, in the frame's pixels, when exactly one was found.
    pub face: Option<Face>,
    /// Mean luma of the face (of the frame when there is none), 0–255.
    pub brightness: f64,
    /// Standard deviation of the face's luma.
    pub contrast: f64,
    /// Variance of the Laplacian of the face relative to its contrast; higher is sharper.
    pub sharpness: f64,
}

impl FrameVerdict {
    pub fn passes(&self) -> bool {
        self.guidance == Guidance::Ready
    }
}

/// Checks frames one after another; remembers the last face to tell whether the applicant moved.
#[derive(Debug, Clone)]
pub struct FrameChecker {
    oval: Oval,
    previous: Option<Face>,
}

impl FrameChecker {
    pub fn new(oval: Oval) -> FrameChecker {
        FrameChecker { oval, previous: None }
    }

    pub fn check(&mut self, frame: &GrayImage) -> FrameVerdict {
        let mut verdict = check_frame(frame, self.oval);
        let previous = std::mem::replace(&mut self.previous, verdict.face);
        if verdict.passes()
            && let (Some(now), Some(before)) = (verdict.face, previous)
        {
            let (x1, y1) = now.centre();
            let (x0, y0) = before.centre();
            let moved = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt() / f64::from(now.width.max(1));
            if moved > limits::MAX_MOVEMENT {
                verdict.guidance = Guidance::Moving;
            }
        }
        verdict
    }
}

/// The checks of one frame on its own (no stillness: see [`FrameChecker`]).
pub fn check_frame(frame: &GrayImage, oval: Oval) -> FrameVerdict {
    let whole = luma_stats(frame, 0, 0, frame.width(), frame.height());
    let nothing = |guidance| FrameVerdict {
        guidance,
        face: None,
        brightness: whole.mean,
        contrast: whole.std_dev,
        sharpness: 0.0,
    };
    if whole.mean < limits::FRAME_TOO_DARK {
        return nothing(Guidance::TooDark);
    }
    let faces = detect_scaled(frame);
    let face = match faces.as_slice() {
        [] => return nothing(Guidance::NoFace),
        [face] => *face,
        _ => return nothing(Guidance::MultipleFaces),
    };
    let (fx, fy, fw, fh) = clamp_box(&face, frame);
    let stats = luma_stats(frame, fx, fy, fw, fh);
    let sharpness = sharpness(frame, fx, fy, fw, fh);
    let (width, height) = (f64::from(frame.width()), f64::from(frame.height()));
    let (cx, cy) = face.centre();
    let off_centre = (((cx / width - oval.cx) / oval.rx).powi(2) + ((cy / height - oval.cy) / oval.ry).powi(2)).sqrt();
    let share = f64::from(face.width) / (2.0 * oval.rx * width);
    let guidance = if off_centre > limits::MAX_OFF_CENTRE {
        Guidance::OutsideOval
    } else if share < limits::MIN_FACE_SHARE {
        Guidance::TooFar
    } else if share > limits::MAX_FACE_SHARE {
        Guidance::TooClose
    } else if stats.mean < limits::FACE_TOO_DARK {
        Guidance::TooDark
    } else if stats.mean > limits::FACE_TOO_BRIGHT {
        Guidance::TooBright
    } else if stats.std_dev < limits::MIN_CONTRAST {
        Guidance::LowContrast
    } else if sharpness < limits::MIN_SHARPNESS {
        Guidance::Blurry
    } else {
        Guidance::Ready
    };
    FrameVerdict { guidance, face: Some(face), brightness: stats.mean, contrast: stats.std_dev, sharpness }
}

/// Takes a photo by itself once the checks have held for a moment (`hold`, and at least
/// [`AutoCapture::MIN_FRAMES`] frames): the sharpest frame of that run. Any failing frame starts the
/// run again. Time is passed in, so a slow computer holds as long as a fast one and tests need no clock.
#[derive(Debug)]
pub struct AutoCapture<T> {
    hold: std::time::Duration,
    started: Option<std::time::Instant>,
    frames: usize,
    progress: f64,
    best: Option<(f64, T)>,
}

impl<T> AutoCapture<T> {
    /// Fewer passing frames than this are not a run, however slowly they came.
    pub const MIN_FRAMES: usize = 3;

    pub fn new(hold: std::time::Duration) -> AutoCapture<T> {
        AutoCapture { hold, started: None, frames: 0, progress: 0.0, best: None }
    }

    /// Offers a frame taken at `now` with its verdict; returns the chosen frame when the run is long enough.
    pub fn offer(&mut self, verdict: &FrameVerdict, frame: T, now: std::time::Instant) -> Option<T> {
        if !verdict.passes() {
            *self = AutoCapture::new(self.hold);
            return None;
        }
        let started = *self.started.get_or_insert(now);
        self.frames += 1;
        if self.best.as_ref().is_none_or(|(sharpest, _)| verdict.sharpness > *sharpest) {
            self.best = Some((verdict.sharpness, frame));
        }
        let held = now.saturating_duration_since(started);
        let by_time = if self.hold.is_zero() { 1.0 } else { held.as_secs_f64() / self.hold.as_secs_f64() };
        let by_frames = self.frames as f64 / Self::MIN_FRAMES as f64;
        self.progress = by_time.min(by_frames).min(1.0);
        if held >= self.hold && self.frames >= Self::MIN_FRAMES {
            let chosen = self.best.take().map(|(_, frame)| frame);
            *self = AutoCapture::new(self.hold);
            return chosen;
        }
        None
    }

    /// How far the current run is, 0.0 to 1.0, for the ring around the oval.
    pub fn progress(&self) -> f64 {
        self.progress
    }
}

fn detect_scaled(frame: &GrayImage) -> Vec<Face> {
    let settings = DetectorSettings::LIVE;
    if frame.width() <= DETECTION_WIDTH {
        return detect_with(frame, settings);
    }
    let scale = f64::from(frame.width()) / f64::from(DETECTION_WIDTH);
    let height = ((f64::from(frame.height()) / scale).round() as u32).max(settings.min_face_size);
    let small = resized(frame, (0, 0, frame.width(), frame.height()), DETECTION_WIDTH, height);
    detect_with(&small, settings)
        .into_iter()
        .map(|f| Face {
            x: (f64::from(f.x) * scale).round() as i32,
            y: (f64::from(f.y) * scale).round() as i32,
            width: (f64::from(f.width) * scale).round() as u32,
            height: (f64::from(f.height) * scale).round() as u32,
            score: f.score,
        })
        .collect()
}

/// The `(x, y, w, h)` part of `frame` scaled to `width`×`height` with the triangle (bilinear) filter,
/// as `image`'s `resize` would, in SIMD: the two resizes were half the time of a frame's checks.
/// Typed as grey (`resize_typed::<U8>`): the untyped `resize` dispatches on the pixel type at run
/// time, which compiled all thirteen kinds into the app (2 MiB of its binary).
fn resized(frame: &GrayImage, (x, y, w, h): (u32, u32, u32, u32), width: u32, height: u32) -> GrayImage {
    let source = TypedImageRef::<U8>::from_buffer(frame.width(), frame.height(), frame.as_raw())
        .expect("a GrayImage's buffer holds width × height bytes");
    let mut pixels = vec![0u8; width as usize * height as usize];
    let mut target =
        TypedImage::<U8>::from_buffer(width, height, &mut pixels).expect("the buffer holds width × height bytes");
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)).crop(
        f64::from(x),
        f64::from(y),
        f64::from(w),
        f64::from(h),
    );
    Resizer::new().resize_typed(&source, &mut target, &options).expect("the crop inside the frame");
    GrayImage::from_raw(width, height, pixels).expect("the resized buffer holds width × height bytes")
}

/// The face's box cut to the frame (a detection may reach past an edge).
fn clamp_box(face: &Face, frame: &GrayImage) -> (u32, u32, u32, u32) {
    let x = face.x.clamp(0, frame.width() as i32 - 1) as u32;
    let y = face.y.clamp(0, frame.height() as i32 - 1) as u32;
    let w = face.width.min(frame.width() - x).max(1);
    let h = face.height.min(frame.height() - y).max(1);
    (x, y, w, h)
}

struct LumaStats {
    mean: f64,
    std_dev: f64,
}

fn luma_stats(frame: &GrayImage, x: u32, y: u32, w: u32, h: u32) -> LumaStats {
    let n = u64::from(w) * u64::from(h);
    if n == 0 {
        return LumaStats { mean: 0.0, std_dev: 0.0 };
    }
    // Whole rows as slices, integer sums: exact, and several times faster than a pixel at a time.
    let stride = frame.width() as usize;
    let (mut sum, mut squares) = (0u64, 0u64);
    for row in frame.as_raw().chunks_exact(stride).skip(y as usize).take(h as usize) {
        for &v in &row[x as usize..(x + w) as usize] {
            sum += u64::from(v);
            squares += u64::from(v) * u64::from(v);
        }
    }
    let mean = sum as f64 / n as f64;
    LumaStats { mean, std_dev: (squares as f64 / n as f64 - mean * mean).max(0.0).sqrt() }
}

/// Variance of the 4-neighbour Laplacian over the face scaled to [`SHARPNESS_WIDTH`], relative to the
/// variance of the face's own luma (×100): a blurred face has few strong second differences, and
/// dividing by the contrast keeps a dim but sharp face from counting as blurred.
fn sharpness(frame: &GrayImage, x: u32, y: u32, w: u32, h: u32) -> f64 {
    let height = ((f64::from(h) * f64::from(SHARPNESS_WIDTH) / f64::from(w)).round() as u32).max(3);
    let face = resized(frame, (x, y, w, h), SHARPNESS_WIDTH, height);
    let (w, h) = face.dimensions();
    let at = |c: u32, r: u32| f64::from(face.get_pixel(c, r).0[0]);
    let LumaStats { std_dev, .. } = luma_stats(&face, 0, 0, w, h);
    if std_dev < 1.0 {
        return 0.0;
    }
    let (mut sum, mut squares, mut n) = (0f64, 0f64, 0f64);
    for r in 1..h - 1 {
        for c in 1..w - 1 {
            let l = at(c - 1, r) + at(c + 1, r) + at(c, r - 1) + at(c, r + 1) - 4.0 * at(c, r);
            sum += l;
            squares += l * l;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    (squares / n - mean * mean) / (std_dev * std_dev) * 100.0
}
