//! Camera frames to RGB: MJPEG through `image`'s pure-Rust JPEG decoder, YUYV (4:2:2) here.

use crate::{CameraError, Result};
use image::RgbImage;
use nokhwa::utils::FrameFormat;

/// Decodes one frame as the camera delivered it.
pub fn decode_frame(format: FrameFormat, width: u32, height: u32, data: &[u8]) -> Result<RgbImage> {
    let bad = |why: String| CameraError::Unreadable(format!("{format}：{why}"));
    let image = match format {
        FrameFormat::MJPEG => image::load_from_memory_with_format(data, image::ImageFormat::Jpeg)
            .map_err(|e| bad(e.to_string()))?
            .to_rgb8(),
        FrameFormat::YUYV => yuyv_to_rgb(width, height, data).ok_or_else(|| bad("帧长度不符".into()))?,
        FrameFormat::RAWRGB => {
            RgbImage::from_raw(width, height, data.to_vec()).ok_or_else(|| bad("帧长度不符".into()))?
        }
        FrameFormat::GRAY => {
            let gray =
                image::GrayImage::from_raw(width, height, data.to_vec()).ok_or_else(|| bad("帧长度不符".into()))?;
            image::DynamicImage::ImageLuma8(gray).to_rgb8()
        }
        other => return Err(CameraError::Unreadable(format!("不支持的画面格式 {other}"))),
    };
    if image.width() == 0 || image.height() == 0 {
        return Err(bad("空画面".into()));
    }
    Ok(image)
}

/// YUYV 4:2:2: each 4 bytes are Y0 U Y1 V for two pixels; BT.601 limited range to RGB.
fn yuyv_to_rgb(width: u32, height: u32, data: &[u8]) -> Option<RgbImage> {
    let expected = (width as usize).checked_mul(height as usize)?.checked_mul(2)?;
    if !width.is_multiple_of(2) || data.len() < expected {
        return None;
    }
    let mut rgb = Vec::with_capacity(expected / 2 * 3);
    for chunk in data[..expected].chunks_exact(4) {
        let (y0, u, y1, v) = (chunk[0], chunk[1], chunk[2], chunk[3]);
        for y in [y0, y1] {
            let c = 298 * (i32::from(y) - 16);
            let d = i32::from(u) - 128;
            let e = i32::from(v) - 128;
            let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
            rgb.extend_from_slice(&[clamp(c + 409 * e), clamp(c - 100 * d - 208 * e), clamp(c + 516 * d)]);
        }
    }
    RgbImage::from_raw(width, height, rgb)
}

/// RGB to YUYV, the inverse of the decoder above; the tests' fake camera speaks YUYV with it.
pub fn rgb_to_yuyv(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.as_raw().len() / 3 * 2);
    for pair in image.as_raw().chunks_exact(6) {
        let yuv = |r: u8, g: u8, b: u8| {
            let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
            let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
            let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
            let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
            (y.clamp(0, 255) as u8, u.clamp(0, 255), v.clamp(0, 255))
        };
        let (y0, u0, v0) = yuv(pair[0], pair[1], pair[2]);
        let (y1, u1, v1) = yuv(pair[3], pair[4], pair[5]);
        out.extend_from_slice(&[y0, ((u0 + u1) / 2) as u8, y1, ((v0 + v1) / 2) as u8]);
    }
    out
}
