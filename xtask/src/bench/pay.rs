//! `cargo xtask bench pay`: the cryptography of one payment (criterion).

use super::{criterion_mean_nanos, last_run, write_section};
use crate::exec::{Step, root};
use anyhow::Result;
use std::process::Command;

pub fn pay() -> Result<()> {
    Step::new("benchmark the payment signatures (criterion, release)")
        .run(Command::new("cargo").current_dir(root()).args(["bench", "-p", "certdesk-pay", "--bench", "protocol"]))?;
    let rows = [
        ("alipay_sign_page_pay", "支付宝: sign a page pay request (RSA2, ring)"),
        ("alipay_verify_notification", "支付宝: verify a notification (RSA2, rsa)"),
        ("wechat_sign_request", "微信支付: sign a request (SHA256withRSA, ring)"),
        ("wechat_open_callback", "微信支付: verify and decrypt a callback (rsa, AES-256-GCM)"),
    ];
    let mut body = String::from(
        "## Payment signatures\n\nWritten by `cargo xtask bench pay` (criterion, release build): the cryptography of one\n\
         payment, with 2048-bit keys (the size Alipay and WeChat Pay issue). Opening a payment signs once; a\n\
         notification is verified once per delivery, so one core checks the figure in the last column\n\
         each second.\n\n",
    );
    body.push_str(&format!("{}\n\n| what | mean | per second, one core |\n| --- | ---: | ---: |\n", last_run()?));
    for (id, what) in rows {
        let nanos = criterion_mean_nanos(id)?;
        body.push_str(&format!("| {what} | {:.2} ms | {:.0} |\n", nanos / 1e6, 1e9 / nanos));
    }
    write_section(&root().join("docs/benchmarks.md"), "pay", &body)
}
