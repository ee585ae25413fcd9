//! What one payment costs in signatures: signing a page pay request and a WeChat Pay request, and
//! checking a notification of each (RSA verification, and for WeChat Pay the AES-GCM opening).
//! `cargo xtask bench pay` writes the figures to docs/benchmarks.md.

use certdesk_pay::{RsaSigner, RsaVerifier, alipay, wechat};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const KEY: &str = include_str!("../tests/vectors/test-app-key.pk8.pem");
const PUBLIC: &str = include_str!("../tests/vectors/test-app-public.pem");

fn protocol(c: &mut Criterion) {
    let signer = RsaSigner::from_pkcs8_pem(KEY).unwrap();
    let verifier = RsaVerifier::from_public_key_pem(PUBLIC).unwrap();
    let page_pay = alipay::PagePay {
        app_id: "2021000000000000",
        out_trade_no: "179595726007000P01",
        total_fen: 30_000,
        subject: "CA数字证书（浙江汇信CA，订单179595726007000）",
        return_url: "certdesk://pay/return",
        notify_url: "https://zcy.example/v1/payments/alipay/notify",
        timestamp: "2026-11-29 10:00:00",
    };
    let mut notification = vec![
        ("app_id", "2021000000000000".to_owned()),
        ("out_trade_no", "179595726007000P01".to_owned()),
        ("trade_no", "2026112922001400000000000001".to_owned()),
        ("total_amount", "300.00".to_owned()),
        ("trade_status", "TRADE_SUCCESS".to_owned()),
        ("sign_type", "RSA2".to_owned()),
    ];
    let sign = alipay::sign_notification(&signer, notification.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
    notification.push(("sign", sign));

    let merchant = wechat::Merchant {
        merchant_id: "1900000001".into(),
        certificate_serial: "AB".into(),
        signer: RsaSigner::from_pkcs8_pem(KEY).unwrap(),
    };
    let order = wechat::NativeOrder {
        app_id: "wx0000000000000000",
        merchant_id: "1900000001",
        description: "CA数字证书",
        out_trade_no: "179595726007000P02",
        total_fen: 30_000,
        notify_url: "https://zcy.example/v1/payments/wechat/notify",
    }
    .body();
    let api_v3_key = [7u8; 32];
    let transaction = r#"{"mchid":"1900000001","appid":"wx0000000000000000","out_trade_no":"179595726007000P02","transaction_id":"4200000001","trade_state":"SUCCESS","amount":{"total":30000}}"#;
    let resource = wechat::EncryptedResource::seal(&api_v3_key, "0123456789ab", "transaction", transaction).unwrap();
    let body = serde_json::json!({"id": "EV-1", "event_type": "TRANSACTION.SUCCESS", "resource": resource}).to_string();
    let timestamp = 1_795_946_312;
    let signature = wechat::sign_callback(&signer, timestamp, "nonce", &body).unwrap();
    let timestamp_text = timestamp.to_string();
    let headers =
        wechat::CallbackHeaders { timestamp: &timestamp_text, nonce: "nonce", signature: &signature, serial: "AB" };

    c.bench_function("alipay_sign_page_pay", |b| b.iter(|| black_box(&page_pay).signed_params(&signer).unwrap()));
    c.bench_function("alipay_verify_notification", |b| {
        b.iter(|| {
            alipay::verify_notification(&verifier, black_box(&notification).iter().map(|(k, v)| (*k, v.as_str())))
        })
    });
    c.bench_function("wechat_sign_request", |b| {
        b.iter(|| {
            let request = wechat::SignedRequest {
                method: "POST",
                url: wechat::NATIVE_ORDER_PATH,
                timestamp,
                nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
                body: black_box(&order),
            };
            merchant.authorization(&request).unwrap()
        })
    });
    c.bench_function("wechat_open_callback", |b| {
        b.iter(|| {
            let keys = |serial: &str| (serial == "AB").then_some(&verifier);
            wechat::verify_callback(keys, &headers, black_box(&body), timestamp).unwrap();
            wechat::Notification::parse(&body).unwrap().decrypt(&api_v3_key).unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = protocol
}
criterion_main!(benches);
