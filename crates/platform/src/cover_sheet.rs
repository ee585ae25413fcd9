//! 邮寄纸质资料's cover sheet: an A4 PDF the applicant prints and sends with the documents, with the
//! order number in large type and as a QR code (the counter scans it on arrival), the address, and
//! what to enclose. The text is set in a CJK font of the system (Noto Sans CJK on Linux, Microsoft
//! YaHei on Windows, PingFang or STHeiti on macOS) or the one configured; krilla embeds only the
//! glyphs used.

use crate::{PlatformError, Result};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// CJK fonts looked for when none is configured, with the face to use in a collection (Simplified
/// Chinese where the collection has several).
const SYSTEM_FONTS: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\simsun.ttc", 0),
    ("/System/Library/Fonts/STHeiti Light.ttc", 0),
    ("/System/Library/Fonts/Hiragino Sans GB.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
];

/// What the sheet says.
pub struct CoverSheet<'a> {
    pub order_no: &'a str,
    pub organisation_name: &'a str,
    pub applicant_name: &'a str,
    pub address: &'a str,
}

fn load(path: &Path, index: u32) -> Option<Font> {
    let font = Font::new(std::fs::read(path).ok()?.into(), index)?;
    tracing::info!(font = %path.display(), index, "cover sheet font");
    Some(font)
}

/// The font: `configured` (a file, and the face in a collection) or the first system font found
/// (looked for once).
fn font(configured: Option<&(PathBuf, u32)>) -> Result<Font> {
    if let Some((path, index)) = configured {
        return load(path, *index)
            .ok_or_else(|| PlatformError::NoFont(format!("封面字体无法读取：{}", path.display())));
    }
    static SYSTEM: OnceLock<Option<Font>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| SYSTEM_FONTS.iter().find_map(|(path, index)| load(Path::new(path), *index)))
        .clone()
        .ok_or_else(|| {
            PlatformError::NoFont(
                "未找到中文字体，无法生成封面：请安装 Noto Sans CJK（fonts-noto-cjk），或在配置中设置 cover_sheet_font"
                    .into(),
            )
        })
}

/// Splits text into lines of at most `width` characters (CJK text has no spaces to break at).
fn lines(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width.max(1)).map(|c| c.iter().collect()).collect()
}

/// The QR code of `text` as dark modules: (size in modules, dark cells).
pub fn qr_modules(text: &str) -> Result<(usize, Vec<(usize, usize)>)> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| PlatformError::Internal(format!("QR code: {e}")))?;
    let width = code.width();
    let dark = code
        .to_colors()
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == qrcode::Color::Dark)
        .map(|(i, _)| (i % width, i / width))
        .collect();
    Ok((width, dark))
}

/// Renders the sheet as PDF bytes.
pub fn render(sheet: &CoverSheet<'_>, configured_font: Option<&(PathBuf, u32)>) -> Result<Vec<u8>> {
    let font = font(configured_font)?;
    let (page_w, page_h) = (595.0f32, 842.0f32); // A4 in points
    let margin = 56.0f32;
    let mut document = Document::new();
    let mut page = document.start_page_with(PageSettings::from_wh(page_w, page_h).expect("A4 is a valid page"));
    let mut surface = page.surface();
    let black = Fill { paint: rgb::Color::new(0, 0, 0).into(), opacity: NormalizedF32::ONE, rule: Default::default() };
    let grey =
        Fill { paint: rgb::Color::new(90, 90, 90).into(), opacity: NormalizedF32::ONE, rule: Default::default() };
    let text = |surface: &mut krilla::surface::Surface<'_>, y: f32, size: f32, line: &str| {
        surface.draw_text(Point::from_xy(margin, y), font.clone(), size, line, false, TextDirection::Auto);
    };

    surface.set_fill(Some(black.clone()));
    text(&mut surface, margin + 24.0, 24.0, "CA证书申领 · 纸质资料邮寄封面");
    text(&mut surface, margin + 70.0, 16.0, &format!("订单编号：{}", sheet.order_no));
    text(&mut surface, margin + 98.0, 13.0, &format!("申领单位：{}", sheet.organisation_name));
    text(&mut surface, margin + 122.0, 13.0, &format!("申领人：{}", sheet.applicant_name));

    // The order number as a QR code, top right, 4 modules of quiet zone.
    let (modules, dark) = qr_modules(sheet.order_no)?;
    let size = 130.0f32;
    let cell = size / (modules as f32 + 8.0);
    let (qx, qy) = (page_w - margin - size, margin);
    let mut qr = PathBuilder::new();
    for (x, y) in dark {
        let rect = Rect::from_xywh(qx + (x as f32 + 4.0) * cell, qy + (y as f32 + 4.0) * cell, cell, cell)
            .expect("a module is a valid rectangle");
        qr.push_rect(rect);
    }
    if let Some(path) = qr.finish() {
        surface.draw_path(&path);
    }

    let mut y = margin + 190.0;
    text(&mut surface, y, 15.0, "邮寄地址");
    y += 26.0;
    for line in lines(sheet.address, 34) {
        text(&mut surface, y, 13.0, &line);
        y += 20.0;
    }
    y += 20.0;
    text(&mut surface, y, 15.0, "请随本封面寄送");
    y += 26.0;
    for item in ["1. 加盖公章的CA证书申领资料", "2. 申领人身份证复印件（正反面）", "3. 本封面（请勿折叠二维码）"]
    {
        text(&mut surface, y, 13.0, item);
        y += 20.0;
    }
    surface.set_fill(Some(grey));
    y += 30.0;
    for line in [
        "平台收到纸质资料后开始审核，审核进度可在证书办理台【CA证书申领】中查看。",
        "请在信封上注明订单编号，以便平台收件后及时处理。",
    ] {
        text(&mut surface, y, 11.0, line);
        y += 18.0;
    }
    surface.finish();
    page.finish();
    document.finish().map_err(|e| PlatformError::Internal(format!("PDF: {e:?}")))
}

/// `path#index` (the face in a collection), as the configuration writes it.
pub fn parse_font_setting(value: &str) -> (PathBuf, u32) {
    match value.rsplit_once('#') {
        Some((path, index)) if index.parse::<u32>().is_ok() => (Path::new(path).to_owned(), index.parse().unwrap_or(0)),
        _ => (PathBuf::from(value), 0),
    }
}
