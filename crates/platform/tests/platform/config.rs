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
}

#[test]
fn an_unknown_key_is_refused_rather_than_ignored() {
    let error = toml::from_str::<PlatformConfig>("max_quantty = 5").unwrap_err();
    assert!(error.to_string().contains("max_quantty"), "{error}");
    let error = toml::from_str::<PlatformConfig>("[face]\nprovider = \"tencent\"\nsecret_id = \"x\"").unwrap_err();
    assert!(error.to_string().contains("secret_key"), "{error}");
}
