//! 邮寄纸质资料's cover sheet: a PDF whose text (in a CJK font) carries the order number, the
//! organisation and the mailing address, and whose QR code reads back as the order number.

use crate::{register, spawn_platform, spawn_platform_with, valid_order};
use certdesk_platform::documents::qr_modules;

/// The PDF's text as `pdftotext` (poppler-utils, installed by `cargo xtask test`) extracts it.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by `cargo xtask test`");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_cover_sheet_is_a_pdf_with_the_order_number_the_organisation_and_the_address() {
    let p = spawn_platform().await;
    let (status, order) = p.post_json(&p.http, "/v1/orders", &valid_order()).await;
    assert_eq!(status, 201, "{order}");
    let number = order["orderNo"].as_str().unwrap();
    let res = p.http.get(p.url(&format!("/v1/orders/{number}/cover-sheet"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Only the glyphs used are embedded: far smaller than the font.
    assert!(pdf.len() < 400_000, "{} bytes", pdf.len());
    let text = pdf_text(&pdf);
    for expected in [
        format!("订单编号：{number}"),
        "申领单位：晨安入驻供应商".to_owned(),
        "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司".to_owned(),
        "申领人身份证复印件".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected} not in:\n{text}");
    }

    // Another organisation cannot have it.
    let other = register(&p.handle.url(), "另一家公司", "91110000600037341L", "other").await;
    let res = other.get(p.url(&format!("/v1/orders/{number}/cover-sheet"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn the_qr_code_reads_back_as_the_order_number() {
    let (size, dark) = qr_modules("179594631257600").unwrap();
    // Drawn as the sheet draws it (4 modules of quiet zone), then read by a QR decoder.
    let scale = 8;
    let side = (size + 8) * scale;
    let mut image = image::GrayImage::from_pixel(side as u32, side as u32, image::Luma([255]));
    for (x, y) in dark {
        for dy in 0..scale {
            for dx in 0..scale {
                image.put_pixel(((x + 4) * scale + dx) as u32, ((y + 4) * scale + dy) as u32, image::Luma([0]));
            }
        }
    }
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0].decode().unwrap().1, "179594631257600");
}

#[tokio::test]
async fn a_missing_configured_font_is_a_clear_503() {
    let p = spawn_platform_with(|c| c.cover_sheet_font = Some("/nonexistent/font.ttc#2".into())).await;
    let (_, order) = p.post_json(&p.http, "/v1/orders", &valid_order()).await;
    let number = order["orderNo"].as_str().unwrap();
    let res = p.http.get(p.url(&format!("/v1/orders/{number}/cover-sheet"))).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["message"], "文档字体无法读取：/nonexistent/font.ttc");
}
