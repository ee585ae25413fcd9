//! 身份证原件核验: what the service counter reads from a walk-in's second-generation ID card
//! (二代身份证). Readers are sold with a vendor library speaking the Ministry's SDT interface
//! (`sdtapi.dll` and its look-alikes), loaded at run time so the app starts on computers without a
//! reader; tests and demos use [`FixtureReader`] behind the same [`IdCardReader`] trait.
//!
//! Only the text of the card is read. The card's photo is never decoded or kept (the library
//! insists on a buffer for it, which is zeroed and dropped).

mod sdt;

pub use sdt::{SdtReader, parse_base_message};

use certdesk_core::IdNumber;

/// What the card says, as printed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCard {
    pub name: String,
    /// 男 or 女.
    pub sex: String,
    /// 民族, by name (汉, 回, …).
    pub nation: String,
    /// `YYYYMMDD`.
    pub birth_date: String,
    pub address: String,
    /// Checked with the same rules as the application form's; `{:?}` masks it.
    pub id_number: IdNumber,
    /// 签发机关.
    pub issuer: String,
    /// 有效期限: `YYYYMMDD`, and `YYYYMMDD` or 长期.
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdCardError {
    /// The vendor's library is not installed (every computer without a reader).
    #[error("未找到身份证阅读器驱动（{library}），请安装阅读器厂商提供的驱动程序后重试")]
    LibraryMissing { library: String },
    /// The library is there but is not the SDT interface.
    #[error("身份证阅读器驱动（{library}）不是标准接口：缺少 {symbol}")]
    NotSdt { library: String, symbol: String },
    #[error("未连接身份证阅读器，请检查阅读器的连接后重试")]
    NoReader,
    #[error("未检测到身份证，请将身份证原件放在阅读器上")]
    NoCard,
    /// The card was found but could not be read; the reader wants it lifted off and put back.
    #[error("身份证读取失败（代码 {0:#x}），请将身份证拿起后重新放置再读")]
    ReadFailed(i32),
    /// What was read is not a valid card (a damaged card, or a library returning garbage).
    #[error("读取到的身份证信息无效：{0}")]
    Invalid(String),
}

pub type Result<T, E = IdCardError> = std::result::Result<T, E>;

/// A second-generation ID card reader. Reading blocks (the reader searches for the card, then reads
/// it over RF), so callers run it off the async threads.
pub trait IdCardReader: Send + Sync {
    /// What the counter staff see as the reader's name.
    fn name(&self) -> String;
    /// Reads the card lying on the reader now.
    fn read(&self) -> Result<IdCard>;
}

/// Stands in for a reader in tests and demos: returns the card it holds, or no card.
#[derive(Debug, Clone)]
pub struct FixtureReader {
    card: Option<IdCard>,
}

impl FixtureReader {
    pub fn new(card: Option<IdCard>) -> Self {
        FixtureReader { card }
    }

    /// The demo walk-in's card (the number is the example of GB 11643, a valid check digit).
    pub fn demo() -> Self {
        FixtureReader::new(Some(demo_card()))
    }
}

/// The card the demo reader holds: 王窗口, 11010519491231002X.
pub fn demo_card() -> IdCard {
    IdCard {
        name: "王窗口".into(),
        sex: "女".into(),
        nation: "汉".into(),
        birth_date: "19491231".into(),
        address: "北京市朝阳区建国路1号".into(),
        id_number: IdNumber::parse("11010519491231002X").expect("the standard's example is valid"),
        issuer: "北京市公安局朝阳分局".into(),
        valid_from: "20200101".into(),
        valid_until: "长期".into(),
    }
}

impl IdCardReader for FixtureReader {
    fn name(&self) -> String {
        "演示身份证阅读器".into()
    }

    fn read(&self) -> Result<IdCard> {
        self.card.clone().ok_or(IdCardError::NoCard)
    }
}

/// Which reader the counter uses, from `CERTDESK_ID_READER`: `demo` for the fixture's card,
/// `sdt` (or unset) for the vendor's `sdtapi.dll`, `sdt:PATH` for a library at PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderConfig {
    Demo,
    Sdt(Option<std::path::PathBuf>),
}

impl ReaderConfig {
    pub fn parse(value: Option<&str>) -> ReaderConfig {
        match value.map(str::trim) {
            Some("demo") => ReaderConfig::Demo,
            Some(v) if v.starts_with("sdt:") => ReaderConfig::Sdt(Some(v["sdt:".len()..].into())),
            _ => ReaderConfig::Sdt(None),
        }
    }

    pub fn open(&self) -> Box<dyn IdCardReader> {
        match self {
            ReaderConfig::Demo => Box::new(FixtureReader::demo()),
            ReaderConfig::Sdt(path) => Box::new(SdtReader::new(path.clone())),
        }
    }
}
