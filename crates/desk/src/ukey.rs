//! The organisation's UKey at 制证 and 现场发证: the UKeys plugged in, and writing a certificate
//! onto one — 检测UKey → 输入PIN → 生成密钥 → 签发证书 → 写入证书 → 校验 — after which the UKey gets
//! a new random PIN for the 密码信封. The PIN the clerk types is used and dropped, never stored.
//!
//! Token work blocks and a token is bound to its thread: the whole of it runs on one blocking
//! thread, which reaches the platform through the runtime's handle.

use crate::staff::parse;
use crate::{Desk, DeskError};
use certdesk_api::{ApiError, CaKeyAlgorithm, CertificateRecord, CertificateRequest, ErrorCode};
use certdesk_pki::OrganisationSubject;
use certdesk_token::{KeyKind, Token, TokenError, TokenInfo, TokenSource};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Where UKeys are looked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UkeyConfig {
    /// The UKey vendor's PKCS#11 module (SoftHSM2's in the demo).
    pub pkcs11_module: Option<PathBuf>,
    /// The SM2 UKey vendor's SKF library and the application on the key.
    pub skf: Option<(PathBuf, String)>,
    /// A software SM2 UKey for the demo (演示CA issues SM2 certificates; no software PKCS#11 token
    /// does SM2).
    pub demo_software_token: bool,
    /// The PKCS#11 module is the demo's SoftHSM2: a blank 演示UKey is made there when it has none,
    /// and 插入新的演示UKey makes another (a blank UKey for each order walked through).
    pub demo_pkcs11: bool,
}

/// The demo's software UKey.
pub const DEMO_SOFT_UKEY_SERIAL: &str = "SOFT-SM2-0001";
/// Its PIN, and the demo SoftHSM2 UKey's, as a new UKey's leaflet would print it.
pub const DEMO_UKEY_PIN: &str = "12345678";
/// The demo SoftHSM2 UKeys' security officer PIN (a vendor's, never an organisation's).
const DEMO_SO_PIN: &str = "87654321";
/// What the demo's SoftHSM2 UKeys are labelled, before their number.
pub const DEMO_PKCS11_LABEL: &str = "演示UKey";

impl UkeyConfig {
    /// `CERTDESK_PKCS11_MODULE`, `CERTDESK_SKF_LIBRARY` (with `CERTDESK_SKF_APPLICATION`, by default
    /// `CertDesk`); in the demo, SoftHSM2 when `SOFTHSM2_CONF` points at its tokens (as `cargo xtask
    /// run` sets up) and the software SM2 UKey.
    pub fn from_env(demo: bool) -> UkeyConfig {
        let non_empty = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        let vendor = non_empty("CERTDESK_PKCS11_MODULE").map(PathBuf::from);
        let demo_pkcs11 = demo && vendor.is_none() && non_empty("SOFTHSM2_CONF").is_some();
        let pkcs11_module = vendor.or_else(|| demo_pkcs11.then(certdesk_token::softhsm::module).flatten());
        let skf = non_empty("CERTDESK_SKF_LIBRARY").map(|library| {
            (PathBuf::from(library), non_empty("CERTDESK_SKF_APPLICATION").unwrap_or_else(|| "CertDesk".into()))
        });
        UkeyConfig {
            demo_pkcs11: demo_pkcs11 && pkcs11_module.is_some(),
            pkcs11_module,
            skf,
            demo_software_token: demo,
        }
    }
}

/// Points this process's SoftHSM2 at the demo's UKey folder, `data_dir/softhsm`, when the app
/// runs its embedded platform, SoftHSM2 is installed and nothing else was chosen
/// (`CERTDESK_PKCS11_MODULE`, `SOFTHSM2_CONF`); [`UkeyConfig::from_env`] then finds it.
///
/// # Safety
/// Sets an environment variable: call at the start of `main`, before any other thread runs.
pub unsafe fn prepare_demo_softhsm(data_dir: &std::path::Path) {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("CERTDESK_PLATFORM_URL") || set("CERTDESK_PKCS11_MODULE") || set("SOFTHSM2_CONF") {
        return;
    }
    if certdesk_token::softhsm::module().is_none() {
        return;
    }
    match certdesk_token::softhsm::SoftHsm::at(&data_dir.join("softhsm")) {
        // SAFETY: the caller guarantees no other thread runs yet.
        Ok(hsm) => unsafe { hsm.use_in_this_process() },
        Err(e) => tracing::warn!(error = %e, "the demo SoftHSM2 UKey folder could not be made"),
    }
}

/// The UKey drivers, loaded at first use (a PKCS#11 module initialises once per process).
pub(crate) struct Ukeys {
    config: UkeyConfig,
    loaded: OnceLock<Vec<Loaded>>,
    soft: certdesk_token::soft::SoftTokenSource,
}

enum Loaded {
    /// Kept as itself: the demo makes blank tokens on it.
    Pkcs11(certdesk_token::pkcs11::Pkcs11Source),
    Source(&'static str, Box<dyn TokenSource>),
    /// A driver that did not load: said beside the list, not hidden.
    Failed(String),
}

impl Ukeys {
    pub(crate) fn new(config: UkeyConfig) -> Ukeys {
        let soft = certdesk_token::soft::SoftTokenSource::new();
        if config.demo_software_token {
            soft.plug("演示SM2 UKey", DEMO_SOFT_UKEY_SERIAL, DEMO_UKEY_PIN, 4);
        }
        Ukeys { config, loaded: OnceLock::new(), soft }
    }

    fn sources(&self) -> &[Loaded] {
        self.loaded.get_or_init(|| {
            let mut out = Vec::new();
            if let Some(module) = &self.config.pkcs11_module {
                out.push(match certdesk_token::pkcs11::Pkcs11Source::load(module) {
                    Ok(source) => {
                        if self.config.demo_pkcs11
                            && source.tokens().is_ok_and(|t| t.is_empty())
                            && let Err(e) = plug_demo_pkcs11(&source)
                        {
                            tracing::warn!(error = %e, "no demo UKey could be made on SoftHSM2");
                        }
                        Loaded::Pkcs11(source)
                    }
                    Err(e) => Loaded::Failed(e.to_string()),
                });
            }
            if let Some((library, application)) = &self.config.skf {
                out.push(match certdesk_token::skf::SkfSource::load(library, application) {
                    Ok(source) => Loaded::Source("SKF", Box::new(source)),
                    Err(e) => Loaded::Failed(e.to_string()),
                });
            }
            if self.config.demo_software_token {
                out.push(Loaded::Source("软件", Box::new(self.soft.clone())));
            }
            out
        })
    }

    /// Each driver that loaded, with its kind as the list says it.
    fn loaded_sources(&self) -> impl Iterator<Item = (&'static str, &dyn TokenSource)> {
        self.sources().iter().filter_map(|loaded| match loaded {
            Loaded::Pkcs11(source) => Some(("PKCS#11", source as &dyn TokenSource)),
            Loaded::Source(kind, source) => Some((*kind, source.as_ref())),
            Loaded::Failed(_) => None,
        })
    }

    pub(crate) fn list(&self) -> UkeyList {
        let mut list =
            UkeyList { ukeys: Vec::new(), problems: Vec::new(), demo_can_plug: self.demo_pkcs11().is_some() };
        for loaded in self.sources() {
            if let Loaded::Failed(problem) = loaded {
                list.problems.push(problem.clone());
            }
        }
        for (kind, source) in self.loaded_sources() {
            match source.tokens() {
                Ok(tokens) => list.ukeys.extend(tokens.into_iter().map(|t| UkeyView::of(kind, t))),
                Err(e) => list.problems.push(e.to_string()),
            }
        }
        list
    }

    pub(crate) fn open(&self, serial: &str) -> Result<Box<dyn Token>, TokenError> {
        for (_, source) in self.loaded_sources() {
            match source.open(serial) {
                Err(TokenError::NotPresent) => continue,
                other => return other,
            }
        }
        Err(TokenError::NotPresent)
    }

    /// The demo's SoftHSM2, when the app runs one.
    fn demo_pkcs11(&self) -> Option<&certdesk_token::pkcs11::Pkcs11Source> {
        if !self.config.demo_pkcs11 {
            return None;
        }
        self.sources().iter().find_map(|loaded| match loaded {
            Loaded::Pkcs11(source) => Some(source),
            _ => None,
        })
    }
}

/// A blank 演示UKey on the demo's SoftHSM2, numbered after those there, with [`DEMO_UKEY_PIN`];
/// its serial.
fn plug_demo_pkcs11(source: &certdesk_token::pkcs11::Pkcs11Source) -> Result<String, TokenError> {
    let number = source.tokens()?.len() + 1;
    source.init_token(&format!("{DEMO_PKCS11_LABEL} {number}"), DEMO_SO_PIN, DEMO_UKEY_PIN)
}

/// A UKey as the clerk sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UkeyView {
    /// `PKCS#11`, `SKF` or `软件`.
    pub driver: String,
    pub label: String,
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    /// Free space in KiB, where the UKey says.
    pub free_kib: Option<u32>,
    /// What to say about the PIN before it is typed (最后一次机会, 已锁定…), if anything.
    pub pin_note: Option<String>,
    pub locked: bool,
    /// The keys it makes: `P-256`, `SM2`.
    pub key_kinds: Vec<String>,
}

impl UkeyView {
    fn of(driver: &str, info: TokenInfo) -> UkeyView {
        let pin = info.pin;
        let pin_note = if pin.locked {
            Some("UKey已锁定，请联系CA服务商解锁".to_owned())
        } else if pin.final_try {
            Some("PIN码仅剩最后一次尝试机会".to_owned())
        } else if let (true, Some(n)) = (pin.count_low, pin.tries_left) {
            Some(format!("PIN码曾输错，还可尝试{n}次"))
        } else if pin.count_low {
            Some("PIN码曾输错，请谨慎输入".to_owned())
        } else {
            None
        };
        UkeyView {
            driver: driver.to_owned(),
            label: info.label,
            serial: info.serial,
            manufacturer: info.manufacturer,
            model: info.model,
            free_kib: info.free_bytes.map(|b| u32::try_from(b / 1024).unwrap_or(u32::MAX)),
            pin_note,
            locked: pin.locked,
            key_kinds: info
                .kinds
                .iter()
                .map(|k| match k {
                    KeyKind::EcdsaP256 => "P-256".to_owned(),
                    KeyKind::Sm2 => "SM2".to_owned(),
                })
                .collect(),
        }
    }
}

/// The UKeys plugged in, and the drivers that could not load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UkeyList {
    pub ukeys: Vec<UkeyView>,
    pub problems: Vec<String>,
    /// The demo can plug in another blank UKey (插入新的演示UKey).
    pub demo_can_plug: bool,
}

/// One step of writing a certificate onto a UKey, as the progress shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum UkeyStep {
    /// 检测UKey.
    Detect,
    /// 输入PIN: the PIN checked on the UKey.
    Pin,
    /// 生成密钥 on the UKey.
    GenerateKey,
    /// 签发证书: the CSR to the platform, the certificate back.
    Issue,
    /// 写入证书 and the chain.
    Write,
    /// 校验: read back, the certificate's key is the UKey's.
    Verify,
}

/// A certificate on a UKey: what the platform issued and the UKey's new PIN, for the 密码信封.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UkeyIssued {
    pub certificate: CertificateRecord,
    pub ukey_serial: String,
    /// The random user PIN the UKey now has. Shown once and printed on the 密码信封; not kept.
    pub new_pin: String,
}

pub(crate) fn token_error(e: TokenError) -> ApiError {
    let code = match e {
        TokenError::WrongPin { .. } | TokenError::PinRejected(_) => ErrorCode::Validation,
        TokenError::Locked | TokenError::Full | TokenError::Unsupported(_) => ErrorCode::Conflict,
        TokenError::NotPresent | TokenError::Module { .. } => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

/// What the 密码信封 names besides the PIN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PinSlipRequest {
    pub order_no: String,
    pub organisation_name: String,
    pub ukey_serial: String,
    pub certificate_serial: String,
    pub pin: String,
}

impl Desk {
    /// Saves the 密码信封 (PDF) in `folder`, made here: the PIN goes nowhere else.
    pub async fn save_pin_slip(&self, request: PinSlipRequest, folder: &std::path::Path) -> Result<PathBuf, ApiError> {
        let number = parse(&request.order_no)?;
        let printed_at = certdesk_core::now_shanghai().format("%Y-%m-%d %H:%M:%S").to_string();
        let serial: String = request.ukey_serial.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let name = format!("UKey密码信封-{serial}.pdf");
        let pdf = tokio::task::spawn_blocking(move || {
            let slip = certdesk_platform::documents::pin_slip::PinSlip {
                order_no: number.as_str(),
                organisation_name: &request.organisation_name,
                ukey_serial: &request.ukey_serial,
                certificate_serial: &request.certificate_serial,
                pin: &request.pin,
                printed_at: &printed_at,
            };
            certdesk_platform::documents::pin_slip::render(&slip, None)
        })
        .await
        .map_err(internal)?
        .map_err(|e| e.to_api_error().1)?;
        self.save_paper(folder, &name, &pdf)
    }

    /// 检测UKey: every UKey plugged in now.
    pub async fn list_ukeys(&self) -> Result<UkeyList, ApiError> {
        let ukeys = Arc::clone(&self.ukeys);
        tokio::task::spawn_blocking(move || ukeys.list())
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("读取UKey未完成：{e}")))
    }

    /// 插入新的演示UKey: a blank SoftHSM2 UKey (PIN [`DEMO_UKEY_PIN`]) for the next order, in the
    /// demo only; the UKeys then plugged in.
    pub async fn plug_demo_ukey(&self) -> Result<UkeyList, ApiError> {
        let ukeys = Arc::clone(&self.ukeys);
        tokio::task::spawn_blocking(move || {
            let source = ukeys.demo_pkcs11().ok_or_else(|| {
                ApiError::new(ErrorCode::BadRequest, "只有演示模式可以插入演示UKey，请插入真实的UKey")
            })?;
            plug_demo_pkcs11(source).map_err(token_error)?;
            Ok(ukeys.list())
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("插入演示UKey未完成：{e}")))?
    }

    /// 修改PIN on the UKey `serial`.
    pub async fn change_ukey_pin(&self, serial: &str, old_pin: &str, new_pin: &str) -> Result<(), ApiError> {
        let (ukeys, serial, old, new) =
            (Arc::clone(&self.ukeys), serial.to_owned(), old_pin.to_owned(), new_pin.to_owned());
        tokio::task::spawn_blocking(move || ukeys.open(&serial)?.change_pin(&old, &new))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("修改PIN未完成：{e}")))?
            .map_err(token_error)
    }

    /// 制证 onto a UKey: one certificate of the order written onto the UKey `serial`, logged in
    /// with `pin`; `on_step` hears each step as it starts.
    pub async fn write_certificate_to_ukey(
        &self,
        order_no: &str,
        serial: &str,
        pin: &str,
        on_step: impl Fn(UkeyStep) + Send + 'static,
    ) -> Result<UkeyIssued, ApiError> {
        let number = parse(order_no)?;
        let client = self.signed_in_staff()?.clone();
        let application = client.application(&number).await.map_err(DeskError::from)?;
        let ca = client.ca_info(&application.provider_id).await.map_err(DeskError::from)?;
        let kind = match ca.algorithm {
            CaKeyAlgorithm::EcdsaP256 => KeyKind::EcdsaP256,
            CaKeyAlgorithm::Sm2 => KeyKind::Sm2,
        };
        let subject = OrganisationSubject {
            organisation_name: application.organisation_name.clone(),
            credit_code: application.credit_code.clone(),
        };
        let (ukeys, serial, pin) = (Arc::clone(&self.ukeys), serial.to_owned(), pin.to_owned());
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || -> Result<UkeyIssued, ApiError> {
            on_step(UkeyStep::Detect);
            let mut token = ukeys.open(&serial).map_err(token_error)?;
            let info = token.info().map_err(token_error)?;
            if info.pin.locked {
                return Err(token_error(TokenError::Locked));
            }
            if !info.kinds.contains(&kind) {
                let wanted = if kind == KeyKind::Sm2 { "SM2" } else { "P-256" };
                return Err(token_error(TokenError::Unsupported(wanted)));
            }
            on_step(UkeyStep::Pin);
            token.log_in(&pin).map_err(token_error)?;

            on_step(UkeyStep::GenerateKey);
            let key = token.generate_key(kind, &subject.organisation_name).map_err(token_error)?;

            on_step(UkeyStep::Issue);
            let csr = certdesk_pki::build_csr(&subject, &key.public_key, |tbs| {
                token.sign(&key, tbs).map_err(|e| certdesk_pki::PkiError::Signing(e.to_string()))
            })
            .map_err(internal)?;
            let request =
                CertificateRequest { csr_pem: certdesk_pki::csr_pem(&csr), token_serial: Some(info.serial.clone()) };
            let certificate = runtime.block_on(client.issue_certificate(&number, &request)).map_err(DeskError::from)?;

            on_step(UkeyStep::Write);
            let issued = certdesk_pki::certificates_from_pem(&certificate.certificate_pem).map_err(internal)?;
            let parsed = issued.into_iter().next().ok_or_else(|| internal("平台返回的证书无法解析"))?;
            let der = certdesk_pki::to_der(&parsed).map_err(internal)?;
            let subject_der = certdesk_pki::to_der(parsed.tbs_certificate().subject()).map_err(internal)?;
            token.write_certificate(Some(&key), "机构证书", &der, &subject_der).map_err(token_error)?;
            let chain = certdesk_pki::certificates_from_pem(&ca.chain_pem).map_err(internal)?;
            for (ca_cert, label) in chain.iter().zip(["签发CA", "根CA"]) {
                let ca_der = certdesk_pki::to_der(ca_cert).map_err(internal)?;
                let ca_subject = certdesk_pki::to_der(ca_cert.tbs_certificate().subject()).map_err(internal)?;
                token.write_certificate(None, label, &ca_der, &ca_subject).map_err(token_error)?;
            }

            on_step(UkeyStep::Verify);
            let stored = token.certificates().map_err(token_error)?;
            let on_token =
                stored.iter().find(|c| c.id == key.id).ok_or_else(|| internal("校验失败：UKey中读不到刚写入的证书"))?;
            let certified =
                certdesk_pki::to_der(parsed.tbs_certificate().subject_public_key_info()).map_err(internal)?;
            if on_token.der != der || token.public_key(&key.id).map_err(token_error)? != certified {
                return Err(ApiError::new(ErrorCode::Internal, "校验失败：UKey中的证书与密钥不匹配"));
            }

            // The UKey leaves with a PIN only its 密码信封 knows.
            let new_pin = certdesk_token::random_pin(8).map_err(token_error)?;
            token.change_pin(&pin, &new_pin).map_err(token_error)?;
            tracing::info!(order_no = %number, serial = %certificate.serial, "certificate written to a UKey");
            Ok(UkeyIssued { certificate, ukey_serial: info.serial, new_pin })
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("写入UKey未完成：{e}")))?
    }
}
