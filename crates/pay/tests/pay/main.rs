//! The signers against signatures OpenSSL made (tests/vectors/README.md), and the verifiers against
//! forged, altered and misplaced signatures.

use certdesk_pay::{PayError, RsaSigner, RsaVerifier, alipay, bill, wechat};

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn signer() -> RsaSigner {
    RsaSigner::from_pkcs8_pem(&vector("test-app-key.pk8.pem")).unwrap()
}

fn verifier() -> RsaVerifier {
    RsaVerifier::from_public_key_pem(&vector("test-app-public.pem")).unwrap()
}

fn page_pay_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("version", "1.0"),
        ("app_id", "2021000000000000"),
        ("method", "alipay.trade.page.pay"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2026-11-29 10:00:00"),
        ("notify_url", "https://zcy.example/v1/payments/alipay/notify"),
        ("return_url", "certdesk://pay/return"),
        // Empty values are not signed.
        ("app_auth_token", ""),
        (
            "biz_content",
            r#"{"out_trade_no":"CD179594631257600","product_code":"FAST_INSTANT_TRADE_PAY","subject":"CA数字证书","total_amount":"300.00"}"#,
        ),
    ]
}

#[test]
fn an_alipay_request_is_signed_over_the_sorted_raw_parameters_exactly_as_openssl_signs_them() {
    assert_eq!(alipay::request_content(page_pay_params()).unwrap(), vector("alipay-page-pay.content"));
    let sign = alipay::sign_request(&signer(), page_pay_params()).unwrap();
    assert_eq!(sign, vector("alipay-page-pay.sig").trim());
    // A `sign` already among the parameters is not signed over.
    let mut with_sign = page_pay_params();
    with_sign.push(("sign", "whatever"));
    assert_eq!(alipay::sign_request(&signer(), with_sign).unwrap(), sign);
}

#[test]
fn an_alipay_notification_verifies_only_untouched() {
    let mut notification = vec![
        ("notify_time", "2026-11-29 10:01:02"),
        ("notify_type", "trade_status_sync"),
        ("app_id", "2021000000000000"),
        ("out_trade_no", "CD179594631257600"),
        ("trade_no", "2026112922001400000000000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "300.00"),
    ];
    // The gateway signs without sign and sign_type.
    let sign = signer().sign_base64(alipay::notification_content(notification.clone()).unwrap().as_bytes()).unwrap();
    notification.push(("sign_type", "RSA2"));
    notification.push(("sign", &sign));
    let verified = alipay::verify_notification(&verifier(), notification.clone()).unwrap();
    assert_eq!(verified.get("total_amount"), Ok("300.00"));

    let altered: Vec<_> =
        notification.iter().map(|&(k, v)| if k == "total_amount" { (k, "0.01") } else { (k, v) }).collect();
    assert_eq!(alipay::verify_notification(&verifier(), altered), Err(PayError::BadSignature));
    // A key given twice is refused before any signature is checked, whichever copy was signed.
    for extra in [("out_trade_no", "CD000000000000001"), ("total_amount", "300.00"), ("sign", sign.as_str())] {
        let mut doubled = vec![extra];
        doubled.extend(notification.iter().copied());
        let refused = alipay::verify_notification(&verifier(), doubled);
        assert_eq!(refused, Err(PayError::Duplicated(extra.0.into())), "{extra:?}");
        let mut appended = notification.clone();
        appended.push(extra);
        assert_eq!(alipay::verify_notification(&verifier(), appended), Err(PayError::Duplicated(extra.0.into())));
    }
    let form = serde_urlencoded::to_string(&notification).unwrap();
    assert!(alipay::verify_notification_form(&verifier(), &form).is_ok());
    let polluted = format!("out_trade_no=CD000000000000001&total_amount=300.00&{form}");
    assert_eq!(
        alipay::verify_notification_form(&verifier(), &polluted),
        Err(PayError::Duplicated("out_trade_no".into()))
    );
    let unsigned: Vec<_> = notification.iter().copied().filter(|(k, _)| *k != "sign").collect();
    assert_eq!(alipay::verify_notification(&verifier(), unsigned), Err(PayError::Missing("sign")));
    let garbage: Vec<_> =
        notification.iter().map(|&(k, v)| if k == "sign" { (k, "not base64!") } else { (k, v) }).collect();
    assert_eq!(alipay::verify_notification(&verifier(), garbage), Err(PayError::BadSignature));
}

#[test]
fn a_wechat_request_is_signed_as_openssl_signs_its_message() {
    let request = wechat::SignedRequest {
        method: "GET",
        url: "/v3/certificates",
        timestamp: 1554208460,
        nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
        body: "",
    };
    let message = request.message();
    assert_eq!(message, vector("wechat-request.message"));
    let merchant = wechat::Merchant {
        merchant_id: "1900009191".into(),
        certificate_serial: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
        signer: signer(),
    };
    let header = merchant.authorization(&request).unwrap();
    assert_eq!(
        header,
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",signature=\"{}\",timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\"",
            vector("wechat-request.sig").trim()
        )
    );
    assert_eq!(verifier().verify_base64(message.as_bytes(), vector("wechat-request.sig").trim()), Ok(()));
}

#[test]
fn keys_that_are_not_keys_are_refused_in_chinese() {
    assert!(matches!(
        RsaSigner::from_pkcs8_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
        Err(PayError::Key(_))
    ));
    assert!(matches!(RsaSigner::from_pkcs8_pem("no pem here"), Err(PayError::Key(_))));
    assert!(matches!(RsaVerifier::from_public_key_pem("no pem"), Err(PayError::Key(_))));
    assert!(PayError::Key("x".into()).to_string().starts_with("密钥无法读取"));
}

fn callback() -> (String, String, String, String) {
    let headers = vector("wechat-callback.headers");
    let (timestamp, nonce) = headers.split_once(' ').unwrap();
    (
        vector("wechat-callback.body"),
        timestamp.to_owned(),
        nonce.to_owned(),
        vector("wechat-callback.sig").trim().to_owned(),
    )
}

#[test]
fn a_wechat_callback_is_verified_by_its_serial_and_timestamp_and_decrypted_with_the_apiv3_key() {
    let (body, timestamp, nonce, signature) = callback();
    let platform = verifier();
    let keys = |serial: &str| (serial == "5157F09EFDC096DE15EBE81A47057A7232F1B8E1").then_some(&platform);
    let headers = wechat::CallbackHeaders {
        timestamp: &timestamp,
        nonce: &nonce,
        signature: &signature,
        serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    };
    let now: i64 = timestamp.parse().unwrap();
    assert_eq!(wechat::verify_callback(keys, &headers, &body, now + 299), Ok(()));
    // Stale either way, an unknown certificate, a changed body, a changed nonce.
    assert_eq!(wechat::verify_callback(keys, &headers, &body, now + 301), Err(PayError::Stale));
    assert_eq!(wechat::verify_callback(keys, &headers, &body, now - 301), Err(PayError::Stale));
    let other_serial = wechat::CallbackHeaders { serial: "000000", ..headers };
    assert_eq!(wechat::verify_callback(keys, &other_serial, &body, now), Err(PayError::UnknownSerial("000000".into())));
    let forged = body.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ");
    assert_eq!(wechat::verify_callback(keys, &headers, &forged, now), Err(PayError::BadSignature));
    let replayed_nonce = wechat::CallbackHeaders { nonce: "another", ..headers };
    assert_eq!(wechat::verify_callback(keys, &replayed_nonce, &body, now), Err(PayError::BadSignature));

    let notification = wechat::Notification::parse(&body).unwrap();
    assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
    let key: [u8; 32] = std::fs::read(format!("{}/tests/vectors/wechat-callback.key", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(notification.decrypt(&key).unwrap(), vector("wechat-callback.plaintext"));
}

#[test]
fn a_wechat_callback_with_a_bad_tag_or_the_wrong_key_does_not_decrypt() {
    let (body, ..) = callback();
    let key: [u8; 32] = std::fs::read(format!("{}/tests/vectors/wechat-callback.key", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .try_into()
        .unwrap();
    let mut notification = wechat::Notification::parse(&body).unwrap();
    assert_eq!(notification.decrypt(&[7; 32]), Err(PayError::Decrypt));
    // Flip the last byte of the tag.
    let mut raw =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &notification.resource.ciphertext).unwrap();
    *raw.last_mut().unwrap() ^= 1;
    notification.resource.ciphertext = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &raw);
    assert_eq!(notification.decrypt(&key), Err(PayError::Decrypt));
    // The associated data is authenticated too.
    let mut other_aad = wechat::Notification::parse(&body).unwrap();
    other_aad.resource.associated_data = "refund".into();
    assert_eq!(other_aad.decrypt(&key), Err(PayError::Decrypt));
    assert!(matches!(wechat::Notification::parse("{}"), Err(PayError::Malformed(_))));
}

#[test]
fn alipay_amounts_go_to_and_from_fen_exactly() {
    assert_eq!(alipay::amount(30000), "300.00");
    assert_eq!(alipay::amount(1), "0.01");
    assert_eq!(alipay::amount(12345), "123.45");
    for (text, fen) in [("300.00", 30000), ("300.5", 30050), ("300", 30000), ("0.01", 1), ("123.45", 12345)] {
        assert_eq!(alipay::parse_amount(text), Ok(fen), "{text}");
    }
    for bad in ["", "abc", "1.234", "-1.00", "1e3", ".5", "1.-5"] {
        assert!(alipay::parse_amount(bad).is_err(), "{bad}");
    }
}

#[test]
fn an_alipay_notification_pays_only_for_its_app_its_trade_and_its_amount() {
    use alipay::NotificationVerdict;
    let paid = vec![
        ("app_id", "2021000000000000"),
        ("seller_id", "2088000000000001"),
        ("out_trade_no", "CD179594631257600"),
        ("trade_no", "2026112922001400000000000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "300.00"),
    ];
    // Signed by the gateway and verified, as the merchant only ever sees them.
    let check = |params: Vec<(&str, &str)>, fen| {
        let mut params = params;
        let sign = alipay::sign_notification(&signer(), params.clone()).unwrap();
        params.push(("sign", &sign));
        let verified = alipay::verify_notification(&verifier(), params).unwrap();
        let expected = alipay::Expected {
            app_id: "2021000000000000",
            seller_id: "2088000000000001",
            out_trade_no: "CD179594631257600",
            total_fen: fen,
        };
        alipay::check_notification(&verified, &expected)
    };
    assert_eq!(
        check(paid.clone(), 30000),
        Ok(NotificationVerdict::Paid { trade_no: "2026112922001400000000000001".into() })
    );
    let finished: Vec<_> =
        paid.iter().map(|&(k, v)| if k == "trade_status" { (k, "TRADE_FINISHED") } else { (k, v) }).collect();
    assert!(matches!(check(finished, 30000), Ok(NotificationVerdict::Paid { .. })));
    let waiting: Vec<_> =
        paid.iter().map(|&(k, v)| if k == "trade_status" { (k, "WAIT_BUYER_PAY") } else { (k, v) }).collect();
    assert_eq!(check(waiting, 30000), Ok(NotificationVerdict::NotPaid { status: "WAIT_BUYER_PAY".into() }));
    // The wrong amount, another app, another trade: refused.
    assert!(check(paid.clone(), 29999).is_err());
    let other_app: Vec<_> =
        paid.iter().map(|&(k, v)| if k == "app_id" { (k, "2021999999999999") } else { (k, v) }).collect();
    assert!(check(other_app, 30000).is_err());
    let other_seller: Vec<_> =
        paid.iter().map(|&(k, v)| if k == "seller_id" { (k, "2088999999999999") } else { (k, v) }).collect();
    assert!(check(other_seller, 30000).is_err());
    let no_seller: Vec<_> = paid.iter().copied().filter(|(k, _)| *k != "seller_id").collect();
    assert_eq!(check(no_seller, 30000), Err(PayError::Missing("seller_id")));
    let other_trade: Vec<_> =
        paid.iter().map(|&(k, v)| if k == "out_trade_no" { (k, "CD000000000000000") } else { (k, v) }).collect();
    assert!(check(other_trade, 30000).is_err());
    let no_amount: Vec<_> = paid.iter().copied().filter(|(k, _)| *k != "total_amount").collect();
    assert_eq!(check(no_amount, 30000), Err(PayError::Missing("total_amount")));
}

#[test]
fn a_page_pay_request_carries_the_parameters_and_the_signature_openssl_made() {
    let request = alipay::PagePay {
        app_id: "2021000000000000",
        out_trade_no: "CD179594631257600",
        total_fen: 30000,
        subject: "CA数字证书",
        return_url: "certdesk://pay/return",
        notify_url: "https://zcy.example/v1/payments/alipay/notify",
        timestamp: "2026-11-29 10:00:00",
    };
    let params = request.signed_params(&signer()).unwrap();
    let unsigned: Vec<(&str, &str)> =
        params.iter().filter(|(k, _)| k != "sign").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(alipay::request_content(unsigned).unwrap(), vector("alipay-page-pay.content"));
    let sign = &params.iter().find(|(k, _)| k == "sign").unwrap().1;
    assert_eq!(sign, vector("alipay-page-pay.sig").trim());
}

#[test]
fn an_alipay_answer_is_verified_over_its_exact_text() {
    let raw = vector("alipay-query-response.json");
    let answer = alipay::verify_response(&verifier(), &raw, "alipay.trade.query").unwrap();
    assert_eq!(answer["trade_status"], "TRADE_SUCCESS");
    assert_eq!(answer["total_amount"], "300.00");
    // The same object with a space added is the same JSON but not the signed text.
    let spaced = raw.replacen("{\"code\":", "{ \"code\":", 1);
    assert_ne!(spaced, raw);
    assert_eq!(alipay::verify_response(&verifier(), &spaced, "alipay.trade.query"), Err(PayError::BadSignature));
    let altered = raw.replacen("300.00", "0.01", 1);
    assert_eq!(alipay::verify_response(&verifier(), &altered, "alipay.trade.query"), Err(PayError::BadSignature));
    assert_eq!(alipay::verify_response(&verifier(), &raw, "alipay.trade.refund"), Err(PayError::Missing("response")));
}

#[test]
fn a_generated_key_pair_signs_with_ring_and_verifies_with_rsa() {
    let (private, public) = certdesk_pay::generate_key_pair().unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
    let signer = RsaSigner::from_pkcs8_pem(&private).unwrap();
    let verifier = RsaVerifier::from_public_key_pem(&public).unwrap();
    let signature = signer.sign_base64(b"app_id=2021000000000000").unwrap();
    assert_eq!(verifier.verify_base64(b"app_id=2021000000000000", &signature), Ok(()));
    assert_eq!(verifier.verify_base64(b"app_id=2021000000000001", &signature), Err(PayError::BadSignature));
    // Another pair's key does not verify it.
    let (_, other) = certdesk_pay::generate_key_pair().unwrap();
    let other = RsaVerifier::from_public_key_pem(&other).unwrap();
    assert_eq!(other.verify_base64(b"app_id=2021000000000000", &signature), Err(PayError::BadSignature));
}

#[test]
fn a_native_order_is_signed_over_its_exact_body_and_its_code_url_read() {
    let order = wechat::NativeOrder {
        app_id: "wxd678efh567hg6787",
        merchant_id: "1900009191",
        description: "CA数字证书",
        out_trade_no: "CD179594631257600",
        total_fen: 30000,
        notify_url: "https://zcy.example/v1/payments/wechat/notify",
    };
    let body = order.body();
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["amount"]["total"], 30000);
    assert_eq!(parsed["amount"]["currency"], "CNY");
    assert_eq!(parsed["mchid"], "1900009191");
    let request = wechat::SignedRequest {
        method: "POST",
        url: wechat::NATIVE_ORDER_PATH,
        timestamp: 1796000000,
        nonce: "n0nce",
        body: &body,
    };
    let merchant = wechat::Merchant {
        merchant_id: "1900009191".into(),
        certificate_serial: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
        signer: signer(),
    };
    let header = merchant.authorization(&request).unwrap();
    let signature = header.split("signature=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(verifier().verify_base64(request.message().as_bytes(), signature), Ok(()));
    assert_eq!(
        wechat::code_url(r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#).unwrap(),
        "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"
    );
    assert!(matches!(wechat::code_url("{}"), Err(PayError::Malformed(_))));
}

#[test]
fn a_decrypted_transaction_pays_only_for_its_merchant_app_trade_and_amount() {
    let transaction = wechat::Transaction::parse(&vector("wechat-callback.plaintext")).unwrap();
    let check = |fen| transaction.is_paid_for("1900009191", "wxd678efh567hg6787", "CD179594631257600", fen);
    assert_eq!(check(30000), Ok(true));
    assert!(check(100).is_err());
    assert!(transaction.is_paid_for("1900009192", "wxd678efh567hg6787", "CD179594631257600", 30000).is_err());
    let not_paid = wechat::Transaction { trade_state: "NOTPAY".into(), ..transaction.clone() };
    assert_eq!(not_paid.is_paid_for("1900009191", "wxd678efh567hg6787", "CD179594631257600", 30000), Ok(false));
}

// The gateway's side: what the sandbox gateway signs and seals must be what the platform's side
// verifies and opens, and match the vectors where the result is deterministic.

#[test]
fn the_gateway_signs_a_callback_as_openssl_did_and_seals_it_as_the_vector() {
    let (body, timestamp, nonce, signature) = callback();
    let signed = wechat::sign_callback(&signer(), timestamp.parse().unwrap(), &nonce, &body).unwrap();
    assert_eq!(signed, signature);

    let notification = wechat::Notification::parse(&body).unwrap();
    let key: [u8; 32] = std::fs::read(format!("{}/tests/vectors/wechat-callback.key", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .try_into()
        .unwrap();
    let resource = &notification.resource;
    let sealed = wechat::EncryptedResource::seal(
        &key,
        &resource.nonce,
        &resource.associated_data,
        &vector("wechat-callback.plaintext"),
    )
    .unwrap();
    assert_eq!(&sealed, resource);
    assert!(matches!(wechat::EncryptedResource::seal(&key, "short", "", "{}"), Err(PayError::Malformed(_))));
}

#[test]
fn the_gateway_reads_back_a_merchants_authorization_and_refuses_it_altered_or_stale() {
    let merchant = wechat::Merchant {
        merchant_id: "1900000001".into(),
        certificate_serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        signer: signer(),
    };
    let body = r#"{"appid":"wx1"}"#;
    let request = wechat::SignedRequest {
        method: "POST",
        url: wechat::NATIVE_ORDER_PATH,
        timestamp: 1_795_946_312,
        nonce: "593BEC0C930BF1AFEB40B4A08C8FB242",
        body,
    };
    let header = merchant.authorization(&request).unwrap();
    let read = wechat::Authorization::parse(&header).unwrap();
    assert_eq!(read.merchant_id, "1900000001");
    assert_eq!(read.serial, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
    let now = request.timestamp + 10;
    assert_eq!(read.verify(&verifier(), "POST", wechat::NATIVE_ORDER_PATH, body, now), Ok(()));
    assert_eq!(
        read.verify(&verifier(), "POST", wechat::NATIVE_ORDER_PATH, r#"{"appid":"wx2"}"#, now),
        Err(PayError::BadSignature)
    );
    assert_eq!(read.verify(&verifier(), "GET", wechat::NATIVE_ORDER_PATH, body, now), Err(PayError::BadSignature));
    assert_eq!(read.verify(&verifier(), "POST", wechat::NATIVE_ORDER_PATH, body, now + 400), Err(PayError::Stale));
    assert!(matches!(wechat::Authorization::parse("Bearer abc"), Err(PayError::Malformed(_))));
    assert_eq!(
        wechat::Authorization::parse("WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\""),
        Err(PayError::Missing("signature"))
    );
}

#[test]
fn what_the_gateway_signs_for_alipay_the_merchant_verifies_and_the_reverse() {
    // A page pay request: signed by the merchant, verified by the gateway.
    let signed = alipay::PagePay {
        app_id: "2021000000000000",
        out_trade_no: "CDP1",
        total_fen: 30_000,
        subject: "CA数字证书",
        return_url: "certdesk://pay/return",
        notify_url: "http://127.0.0.1:1/notify",
        timestamp: "2026-11-29 10:00:00",
    }
    .signed_params(&signer())
    .unwrap();
    let borrowed = || signed.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    assert!(alipay::verify_request(&verifier(), borrowed()).is_ok());
    let tampered: Vec<(&str, &str)> =
        borrowed().map(|(k, v)| if k == "biz_content" { (k, r#"{"total_amount":"0.01"}"#) } else { (k, v) }).collect();
    assert_eq!(alipay::verify_request(&verifier(), tampered), Err(PayError::BadSignature));

    // A notification: signed by the gateway (sign_type is not covered), verified by the merchant.
    let mut notification = vec![
        ("app_id", "2021000000000000"),
        ("out_trade_no", "CDP1"),
        ("trade_no", "2026112922001400000000000001"),
        ("total_amount", "300.00"),
        ("trade_status", "TRADE_SUCCESS"),
        ("sign_type", "RSA2"),
    ];
    let sign = alipay::sign_notification(&signer(), notification.clone()).unwrap();
    notification.push(("sign", &sign));
    assert!(alipay::verify_notification(&verifier(), notification.clone()).is_ok());

    // An answer: signed over the response object's exact text.
    let response =
        serde_json::json!({"code": "10000", "msg": "Success", "out_trade_no": "CDP1", "trade_status": "TRADE_SUCCESS"});
    let body = alipay::signed_response(&signer(), "alipay.trade.query", &response).unwrap();
    assert_eq!(alipay::verify_response(&verifier(), &body, "alipay.trade.query").unwrap(), response);
    let forged = body.replace("TRADE_SUCCESS", "TRADE_FINISHED");
    assert_eq!(alipay::verify_response(&verifier(), &forged, "alipay.trade.query"), Err(PayError::BadSignature));
}

fn line(kind: bill::BillKind, out_trade_no: &str, out_request_no: Option<&str>, fen: i64) -> bill::BillLine {
    bill::BillLine { kind, out_trade_no: out_trade_no.into(), out_request_no: out_request_no.map(Into::into), fen }
}

#[test]
fn a_wechat_trade_bill_as_wechat_pay_writes_it_is_read_into_payments_and_refunds() {
    use bill::BillKind::{Payment, Refund};
    // Written by hand in the documented layout: backticks, CRLF, the totals after the rows.
    let text = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n\
`2026-12-01 10:00:01,`wx8888888888888888,`1900000109,`0,`,`4200000001202612010000000001,`179616309101400P01,`oUser,`NATIVE,`SUCCESS,`OTHERS,`CNY,`600.00,`0.00,`0,`0,`0.00,`0.00,`,`,`CA数字证书,`,`3.60,`0.60%,`600.00,`0.00,`\r\n\
`2026-12-01 11:30:00,`wx8888888888888888,`1900000109,`0,`,`4200000001202612010000000002,`179616309101400P02,`oUser,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000012026120100000001,`179616309101400P02R,`600.00,`0.00,`ORIGINAL,`SUCCESS,`CA数字证书,`,`0.00,`0.60%,`0.00,`600.00,`\r\n\
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n\
`2,`600.00,`600.00,`0.00,`3.60,`600.00,`600.00\r\n";
    assert_eq!(
        bill::parse_wechat_bill(text).unwrap(),
        [
            line(Payment, "179616309101400P01", None, 60_000),
            line(Refund, "179616309101400P02", Some("179616309101400P02R"), 60_000)
        ]
    );
    // What the sandbox writes reads back the same.
    let lines = bill::parse_wechat_bill(text).unwrap();
    let rows: Vec<_> = lines
        .iter()
        .map(|l| bill::WechatBillRow {
            at: "2026-12-01 10:00:01",
            app_id: "wx1",
            merchant_id: "1900000109",
            transaction_id: "42",
            line: l,
            refund_id: "503",
            description: "CA数字证书",
        })
        .collect();
    assert_eq!(bill::parse_wechat_bill(&bill::write_wechat_bill(&rows)).unwrap(), lines);
    assert!(bill::parse_wechat_bill("").is_err());
    assert!(bill::parse_wechat_bill("交易时间,公众账号ID,商户号\r\n`x,`y,`z\r\n").is_err(), "no 交易状态 column");
}

#[test]
fn an_alipay_business_bill_is_read_into_payments_and_refunds() {
    use bill::BillKind::{Payment, Refund};
    let text = "#支付宝业务明细查询\r\n#账号：[20880000000000000156]\r\n#起始日期：[2026年12月01日 00:00:00]   终止日期：[2026年12月02日 00:00:00]\r\n\
#-----------------------------------------业务明细列表----------------------------------------\r\n\
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注\r\n\
2026120122001400000000000001\t,179616309101400P01\t,交易,CA数字证书\t,2026-12-01 10:00:00,2026-12-01 10:00:09,\t,\t,\t,\t,buyer@example.com\t,600.00,600.00,0.00,0.00,0.00,0.00,0.00,\t,0.00,0.00,\t,-3.60,0.00,\t\r\n\
2026120122001400000000000001\t,179616309101400P01\t,退款,CA数字证书\t,2026-12-01 10:00:00,2026-12-01 15:20:00,\t,\t,\t,\t,buyer@example.com\t,-600.00,-600.00,0.00,0.00,0.00,0.00,0.00,\t,0.00,0.00,179616309101400P01R\t,3.60,0.00,\t\r\n\
#-----------------------------------------业务明细列表结束------------------------------------\r\n#交易合计：1笔，商家实收共600.00元\r\n#退款合计：1笔，商家实收退款共-600.00元\r\n";
    let lines = bill::parse_alipay_bill(text).unwrap();
    assert_eq!(
        lines,
        [
            line(Payment, "179616309101400P01", None, 60_000),
            line(Refund, "179616309101400P01", Some("179616309101400P01R"), 60_000)
        ]
    );
    let rows: Vec<_> = lines
        .iter()
        .map(|l| bill::AlipayBillRow {
            trade_no: "2026120122001400000000000001",
            line: l,
            subject: "CA数字证书",
            at: "2026-12-01 10:00:00",
        })
        .collect();
    assert_eq!(bill::parse_alipay_bill(&bill::write_alipay_bill("2088", "20261201", &rows)).unwrap(), lines);
    // As downloaded: zipped, in GBK.
    let zipped = bill::zip_alipay_bill("2088", "20261201", text).unwrap();
    assert_eq!(&zipped[..2], b"PK");
    assert!(!zipped.windows("业务类型".len()).any(|w| w == "业务类型".as_bytes()), "not UTF-8 inside");
    assert_eq!(bill::unzip_alipay_bill(&zipped).unwrap(), lines);
    assert!(bill::unzip_alipay_bill(b"not a zip").is_err());
}

#[test]
fn comparing_a_bill_with_the_platforms_records_reports_every_kind_of_difference() {
    use bill::BillKind::{Payment, Refund};
    use bill::Difference;
    let bill = [
        line(Payment, "A", None, 60_000),
        line(Payment, "B", None, 60_000),
        line(Payment, "C", None, 30_000),
        line(Refund, "A", Some("AR"), 60_000),
    ];
    let ours = [
        line(Payment, "A", None, 60_000),
        line(Payment, "C", None, 60_000),
        line(Payment, "D", None, 60_000),
        line(Refund, "A", Some("AR"), 60_000),
        line(Refund, "E", Some("ER"), 10_000),
    ];
    assert_eq!(
        bill::compare(&bill, &ours),
        [
            Difference::ThereNotHere(line(Payment, "B", None, 60_000)),
            Difference::AmountDiffers { there: line(Payment, "C", None, 30_000), here_fen: 60_000 },
            Difference::HereNotThere(line(Payment, "D", None, 60_000)),
            Difference::HereNotThere(line(Refund, "E", Some("ER"), 10_000)),
        ]
    );
    assert!(bill::compare(&bill, &bill).is_empty());
}
