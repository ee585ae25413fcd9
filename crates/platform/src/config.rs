use crate::face::FaceProviderConfig;
use certdesk_core::FeeSchedule;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// How the platform runs. Every field has a default that works out of the box on loopback.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformConfig {
    /// Address to listen on; port 0 picks a free port (the embedded default).
    pub listen: SocketAddr,
    /// Folder for `platform.db`.
    pub data_dir: PathBuf,
    /// Seed the clearly-labelled demo CA providers when the database has none.
    pub demo_data: bool,
    /// The most certificates one application may ask for (申领数量).
    pub max_quantity: u32,
    /// Where applicants mail paper documents (邮寄纸质资料) when face verification is not possible.
    pub paper_documents_address: String,
    /// A working-day calendar file replacing the one CertDesk ships (format: `certdesk-core`'s
    /// `data/calendar.txt`), so the yearly schedule can be updated without a new release.
    pub calendar: Option<PathBuf>,
    /// Fee waivers (`[fees]` in the file): free certificates per application, waived authorities.
    pub fees: FeeSchedule,
    /// Who verifies faces (`[face]`): `provider = "sandbox"` (the default, with `fail_id_numbers`)
    /// or `provider = "tencent"` with `secret_id`, `secret_key` and optionally `endpoint`,
    /// `region` and `min_similarity`.
    pub face: FaceProviderConfig,
    /// The CJK font of 邮寄纸质资料's cover sheet (`path`, or `path#index` for a face in a font
    /// collection); unset, a system font is looked for (Noto Sans CJK, Microsoft YaHei, STHeiti…).
    pub cover_sheet_font: Option<String>,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("platform-data"),
            demo_data: true,
            max_quantity: certdesk_core::DEFAULT_MAX_QUANTITY,
            // The address the guide gives; a deployment configures its own.
            paper_documents_address: "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司".into(),
            calendar: None,
            fees: FeeSchedule::default(),
            face: FaceProviderConfig::default(),
            cover_sheet_font: None,
        }
    }
}

impl PlatformConfig {
    /// The embedded platform: loopback, a free port, demo data, its database under `data_dir`.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        PlatformConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            ..PlatformConfig::default()
        }
    }
}
