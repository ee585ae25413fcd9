//! The documented configuration file parses, and means what it says.

use certdesk_platform::PlatformConfig;
use certdesk_platform::face::FaceProviderConfig;

#[test]
fn the_example_configuration_parses_with_the_documented_values() {
    let text = include_str!("../../platform.example.toml");
    let config: PlatformConfig = toml::from_str(text).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.max_quantity, 20);
    assert_eq!(config.paper_documents_address, "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司");
    assert!(matches!(config.face, FaceProviderConfig::Sandbox { ref fail_id_numbers } if fail_id_numbers.len() == 1));
    assert_eq!(config.payments.sandbox_gateway.as_deref(), Some("embedded"));
    assert_eq!((config.payments.reconcile_every_seconds, config.payments.expire_after_minutes), (Some(60.0), Some(30)));
    assert!(config.payments.alipay.is_none() && config.payments.wechat.is_none());
    assert!(config.hsm.is_none() && config.public_url.is_none());

    // The commented [hsm] section means what it says once uncommented, and its PIN is never printed.
    let hsm = &text[text.find("# [hsm]").unwrap()..];
    let uncommented: String = hsm.lines().map(|l| l.trim_start_matches("# ").to_owned() + "\n").collect();
    let config: PlatformConfig = toml::from_str(&uncommented).unwrap();
    let hsm = config.hsm.unwrap();
    assert_eq!((hsm.token_label.as_str(), hsm.pin_env.as_str()), ("certdesk-ca", "CERTDESK_HSM_PIN"));
    assert_eq!(hsm.providers, ["zjhx"]);
    let with_pin = certdesk_platform::HsmConfig { pin: Some("24681357".into()), ..hsm };
    assert!(!format!("{with_pin:?}").contains("24681357"));
}

/// Real merchant credentials are read at start; a key that cannot be used stops the start in Chinese.
#[tokio::test]
async fn merchant_credentials_are_read_at_start_and_a_bad_one_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = certdesk_pay::generate_key_pair().unwrap();
    std::fs::write(dir.path().join("merchant.pem"), private).unwrap();
    std::fs::write(dir.path().join("gateway.pub.pem"), public).unwrap();
    let text = |api_v3_key: &str| {
        format!(
            "[payments.alipay]\ngateway_url = \"https://openapi.alipay.com/gateway.do\"\napp_id = \"2021000000000000\"\nseller_id = \"2088000000000000\"\n\
             private_key = \"{dir}/merchant.pem\"\nalipay_public_key = \"{dir}/gateway.pub.pem\"\n\
             [payments.wechat]\nbase_url = \"https://api.mch.weixin.qq.com\"\napp_id = \"wx1\"\nmerchant_id = \"1900000001\"\n\
             merchant_serial = \"AB\"\nprivate_key = \"{dir}/merchant.pem\"\nplatform_serial = \"CD\"\n\
             platform_public_key = \"{dir}/gateway.pub.pem\"\napi_v3_key = \"{api_v3_key}\"\n",
            dir = dir.path().display()
        )
    };
    let database_url = crate::fresh_database();
    let start = |text: String| {
        let mut config: PlatformConfig = toml::from_str(&text).unwrap();
        config.database_url = database_url.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.data_dir = dir.path().join("data");
        certdesk_platform::Platform::start(config)
    };
    let platform = start(text("0123456789abcdef0123456789abcdef")).await.unwrap();
    platform.shutdown().await.unwrap();
    let Err(refused) = start(text("too-short")).await else { panic!("a 9-character APIv3 key was accepted") };
    assert!(refused.to_string().contains("APIv3 密钥"), "{refused}");
    std::fs::write(dir.path().join("merchant.pem"), "not a key").unwrap();
    let Err(refused) = start(text("0123456789abcdef0123456789abcdef")).await else {
        panic!("a broken key was accepted")
    };
    assert!(refused.to_string().contains("商户私钥"), "{refused}");
}

#[test]
fn an_unknown_key_is_refused_rather_than_ignored() {
    let error = toml::from_str::<PlatformConfig>("max_quantty = 5").unwrap_err();
    assert!(error.to_string().contains("max_quantty"), "{error}");
    let error = toml::from_str::<PlatformConfig>("[face]\nprovider = \"tencent\"\nsecret_id = \"x\"").unwrap_err();
    assert!(error.to_string().contains("secret_key"), "{error}");
}

#[tokio::test]
async fn beyond_loopback_the_demo_parts_are_refused_unless_the_demo_is_public_on_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PlatformConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        database_url: crate::fresh_database(),
        ..PlatformConfig::embedded(dir.path())
    };
    let Err(refused) = certdesk_platform::Platform::start(config.clone()).await else {
        panic!("demo data, the sandbox face verifier and payments were served on every address")
    };
    let message = refused.to_string();
    for part in ["0.0.0.0", "演示数据", "沙箱人脸认证", "沙箱支付网关", "public_demo = true"] {
        assert!(message.contains(part), "{part} not named in: {message}");
    }
    // Only what is still a demo is named.
    config.demo_data = false;
    config.payments.sandbox_gateway = None;
    let Err(refused) = certdesk_platform::Platform::start(config.clone()).await else {
        panic!("the sandbox face verifier was served")
    };
    assert!(refused.to_string().contains("沙箱人脸认证") && !refused.to_string().contains("演示数据"), "{refused}");
    // A public demonstration on purpose starts.
    config.public_demo = true;
    certdesk_platform::Platform::start(config).await.unwrap().shutdown().await.unwrap();
}
