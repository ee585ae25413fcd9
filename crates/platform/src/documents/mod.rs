//! The printed papers, as A4 PDFs the app opens to print: 邮寄纸质资料's cover sheet, the counter's
//! 受理回执 and production's 邮寄清单. Text is set in a CJK font of the system ([`fonts`]: Noto Sans
//! CJK on Linux, Microsoft YaHei or SimSun on Windows, PingFang or STHeiti on macOS) or the one
//! configured; krilla embeds only the glyphs used.

pub mod counter_receipt;
pub mod cover_sheet;
pub mod fonts;
pub mod invoice;
pub mod pin_slip;
pub mod shipping_list;

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

fn load(path: &Path, index: u32) -> Option<Font> {
    let font = Font::new(std::fs::read(path).ok()?.into(), index)?;
    tracing::info!(font = %path.display(), index, "document font");
    Some(font)
}

/// The font: `configured` (a file, and the face in a collection) or the first system font found
/// (looked for once).
fn font(configured: Option<&(PathBuf, u32)>) -> Result<Font> {
    if let Some((path, index)) = configured {
        return load(path, *index)
            .ok_or_else(|| PlatformError::NoFont(format!("文档字体无法读取：{}", path.display())));
    }
    static SYSTEM: OnceLock<Option<Font>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let (path, index) = fonts::find(&fonts::folders(), fonts::candidates())?;
            load(&path, index)
        })
        .clone()
        .ok_or_else(|| PlatformError::NoFont(fonts::missing_message().into()))
}

/// `path#index` (the face in a collection), as the configuration writes it.
pub fn parse_font_setting(value: &str) -> (PathBuf, u32) {
    match value.rsplit_once('#') {
        Some((path, index)) if index.parse::<u32>().is_ok() => (Path::new(path).to_owned(), index.parse().unwrap_or(0)),
        _ => (PathBuf::from(value), 0),
    }
}

/// Splits text into lines of at most `width` characters (CJK text has no spaces to break at).
pub(crate) fn lines(text: &str, width: usize) -> Vec<String> {
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

/// A4 in points, and the margin every paper keeps.
pub(crate) const PAGE: (f32, f32) = (595.0, 842.0);
pub(crate) const MARGIN: f32 = 56.0;

/// A document of A4 pages in one font, written top to bottom: what each paper draws on.
pub(crate) struct Papers {
    document: Document,
    font: Font,
    pages: Vec<Vec<Mark>>,
}

/// What a page holds, drawn when the document is finished (krilla's page borrows the document).
enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        grey: bool,
        text: String,
    },
    Qr {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rule {
        y: f32,
    },
    /// A rectangle's outline, for the invoice's boxes.
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

impl Papers {
    pub(crate) fn new(configured_font: Option<&(PathBuf, u32)>) -> Result<Papers> {
        Ok(Papers { document: Document::new(), font: font(configured_font)?, pages: vec![Vec::new()] })
    }

    fn page(&mut self) -> &mut Vec<Mark> {
        self.pages.last_mut().expect("there is always a page")
    }

    /// Text with its baseline at `y`, from the left margin plus `x`.
    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        let text = text.into();
        self.page().push(Mark::Text { x: MARGIN + x, y, size, grey: false, text });
    }

    /// Text in grey, for notes.
    pub(crate) fn note(&mut self, y: f32, size: f32, text: impl Into<String>) {
        let text = text.into();
        self.page().push(Mark::Text { x: MARGIN, y, size, grey: true, text });
    }

    /// `text` as a QR code `size` points wide at the top right, its top at `y`.
    pub(crate) fn qr_top_right(&mut self, y: f32, size: f32, text: &str) {
        let x = PAGE.0 - MARGIN - size;
        self.page().push(Mark::Qr { x, y, size, text: text.to_owned() });
    }

    /// A thin line across the page at `y`.
    pub(crate) fn rule(&mut self, y: f32) {
        self.page().push(Mark::Rule { y });
    }

    /// A thin outline `w` × `h` with its top left at `x` (from the left margin), `y`.
    pub(crate) fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.page().push(Mark::Frame { x: MARGIN + x, y, w, h });
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
    }

    /// The PDF's bytes.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>> {
        let fill = |r, g, b| Fill {
            paint: rgb::Color::new(r, g, b).into(),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        };
        for marks in std::mem::take(&mut self.pages) {
            let settings = PageSettings::from_wh(PAGE.0, PAGE.1).expect("A4 is a valid page");
            let mut page = self.document.start_page_with(settings);
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text { x, y, size, grey, text } => {
                        surface.set_fill(Some(if grey { fill(90, 90, 90) } else { fill(0, 0, 0) }));
                        let at = Point::from_xy(x, y);
                        surface.draw_text(at, self.font.clone(), size, &text, false, TextDirection::Auto);
                    }
                    Mark::Qr { x, y, size, text } => {
                        surface.set_fill(Some(fill(0, 0, 0)));
                        // 4 modules of quiet zone on each side.
                        let (modules, dark) = qr_modules(&text)?;
                        let cell = size / (modules as f32 + 8.0);
                        let mut qr = PathBuilder::new();
                        for (mx, my) in dark {
                            let rect =
                                Rect::from_xywh(x + (mx as f32 + 4.0) * cell, y + (my as f32 + 4.0) * cell, cell, cell)
                                    .expect("a module is a valid rectangle");
                            qr.push_rect(rect);
                        }
                        if let Some(path) = qr.finish() {
                            surface.draw_path(&path);
                        }
                    }
                    Mark::Frame { x, y, w, h } => {
                        surface.set_fill(Some(fill(120, 120, 120)));
                        let mut outline = PathBuilder::new();
                        for (rx, ry, rw, rh) in
                            [(x, y, w, 0.6), (x, y + h, w, 0.6), (x, y, 0.6, h), (x + w, y, 0.6, h + 0.6)]
                        {
                            outline.push_rect(
                                Rect::from_xywh(rx, ry, rw, rh).expect("a frame's side is a valid rectangle"),
                            );
                        }
                        if let Some(path) = outline.finish() {
                            surface.draw_path(&path);
                        }
                    }
                    Mark::Rule { y } => {
                        surface.set_fill(Some(fill(160, 160, 160)));
                        let rect = Rect::from_xywh(MARGIN, y, PAGE.0 - 2.0 * MARGIN, 0.6)
                            .expect("a rule is a valid rectangle");
                        let mut line = PathBuilder::new();
                        line.push_rect(rect);
                        if let Some(path) = line.finish() {
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        self.document.finish().map_err(|e| PlatformError::Internal(format!("PDF: {e:?}")))
    }
}
