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
    /// Folder for `platform.db` (SQLite), `personal-data.key` and the embedded sandbox's files.
    pub data_dir: PathBuf,
    /// `postgres://user@host:port/dbname`: keep orders in PostgreSQL instead of the SQLite file,
    /// so that several instances can share them.
    pub database_url: Option<String>,
    /// The platform's address as relying parties reach it (`https://ca.example.gov.cn`): every
    /// certificate names its CRL and its issuer's certificate under it. By default the listening
    /// address, right only for the embedded platform.
    pub public_url: Option<String>,
    /// Seed the clearly-labelled demo CA providers when the database has none.
    pub demo_data: bool,
    /// Serve demo data, the sandbox face verifier or the sandbox payment gateway on an address
    /// other than loopback on purpose (a public demonstration). Without it such a start is refused:
    /// anyone reaching the platform could pass 人脸认证 or "pay" for nothing.
    pub public_demo: bool,
    /// The reverse proxies in front of the platform: only a request from one of these may name
    /// the client's address in `X-Forwarded-For` (the last address there, the proxy's own addition).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The most certificates one application may ask for (申领数量).
    pub max_quantity: u32,
    /// How many distinct reviewers must approve an order (四眼审核 with 2); one rejection rejects.
    pub approvals_required: u32,
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
    /// Online payment (`[payments]`): the sandbox gateway, or Alipay and WeChat Pay merchant
    /// credentials. Without any, 去支付 is refused and fees are taken at the counter.
    pub payments: PaymentsConfig,
    /// The PKCS#11 HSM holding CA服务商's issuing keys (`[hsm]`); without it each issuing key is
    /// kept sealed in the database.
    pub hsm: Option<HsmConfig>,
    /// The seller on the electronic invoices and the tax rate (`[invoice]`).
    pub invoice: InvoiceConfig,
    /// How the platform's email leaves (`[mail]`): an SMTP server, or without one `.eml` files in
    /// the data folder's `mail` folder.
    pub mail: MailConfig,
    /// Tests only: where to fail on purpose, to show that nothing half-done is left behind.
    #[serde(skip)]
    #[doc(hidden)]
    pub fault: Option<Fault>,
    /// Tests only: the platform's clock moved this far (expiry and reminders without waiting).
    #[serde(skip)]
    #[doc(hidden)]
    pub time_travel: Option<chrono::Duration>,
}

/// `[invoice]`: who sells the certificates (销售方) and at what VAT rate. Only the tax authority
/// issues legal invoices: until a real issuer is configured, every invoice is a sandbox invoice and
/// says so on its face.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InvoiceConfig {
    /// 销售方名称.
    pub seller_name: String,
    /// 销售方统一社会信用代码/纳税人识别号.
    pub seller_taxpayer_id: String,
    /// 税率 in basis points (600 = 6%, 信息技术服务).
    pub tax_rate_bp: u32,
    /// 开票人.
    pub drawer: String,
    /// The province's two-digit code in the 发票号码 (33 = 浙江).
    pub region_code: String,
}

impl Default for InvoiceConfig {
    fn default() -> Self {
        InvoiceConfig {
            seller_name: "政采云有限公司（演示）".into(),
            seller_taxpayer_id: "91330106MA2CYC001G".into(),
            tax_rate_bp: 600,
            drawer: "平台开票员".into(),
            region_code: "33".into(),
        }
    }
}

/// `[mail]`: where the outbox's messages go. With `smtp_host` they are sent there (STARTTLS on
/// port 587 by default, `security = "tls"` for port 465, `"none"` only for a relay on loopback),
/// signed in with `username` and the password from `password_env`'s variable (or `password`);
/// without it each message is written as an `.eml` file to `folder` (the data folder's `mail`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    pub smtp_host: Option<String>,
    /// Unset: 587 for STARTTLS, 465 for TLS, 25 for none.
    pub smtp_port: Option<u16>,
    pub security: MailSecurity,
    pub username: Option<String>,
    /// The environment variable holding the SMTP password.
    pub password_env: String,
    /// The password itself, for tests; a deployment sets `password_env`'s variable instead.
    pub password: Option<String>,
    /// The sender, `名称 <address>`.
    pub from: String,
    /// A CA certificate (PEM) to trust for the SMTP server besides the public roots: a mail server
    /// of the government intranet with a certificate from its own CA.
    pub tls_root: Option<PathBuf>,
    /// Where messages are written when there is no SMTP server.
    pub folder: Option<PathBuf>,
    /// The first retry's wait in seconds after a failed send; it doubles up to `retry_max_secs`.
    pub retry_first_secs: u64,
    pub retry_max_secs: u64,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    #[default]
    Starttls,
    Tls,
    /// Plain SMTP: only to a relay on this machine.
    None,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_host: None,
            smtp_port: None,
            security: MailSecurity::Starttls,
            username: None,
            password_env: "CERTDESK_SMTP_PASSWORD".into(),
            password: None,
            from: "证书办理台 <noreply@certdesk.example>".into(),
            tls_root: None,
            folder: None,
            retry_first_secs: 30,
            retry_max_secs: 3600,
        }
    }
}

/// `[hsm]`: the issuing keys of `providers` are made on this PKCS#11 token at first start (labelled
/// `<provider>-issuing`, never extractable) and sign there; the database keeps the CA's
/// certificates and where its key is.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsmConfig {
    /// The HSM vendor's PKCS#11 module (SoftHSM2's `libsofthsm2.so` in tests).
    pub module: PathBuf,
    /// The token's label.
    pub token_label: String,
    /// The environment variable holding the token's user PIN.
    #[serde(default = "default_pin_env")]
    pub pin_env: String,
    /// The PIN itself, for tests; a deployment sets `pin_env`'s variable instead of writing it here.
    #[serde(default)]
    pub pin: Option<String>,
    /// The CA服务商 (ids) whose issuing CA's key is on this HSM.
    pub providers: Vec<String>,
}

fn default_pin_env() -> String {
    "CERTDESK_HSM_PIN".into()
}

impl HsmConfig {
    /// The user PIN: `pin`, else `pin_env`'s variable.
    pub fn user_pin(&self) -> crate::Result<String> {
        match &self.pin {
            Some(pin) => Ok(pin.clone()),
            None => std::env::var(&self.pin_env).map_err(|_| {
                crate::PlatformError::Config(format!("HSM的PIN码未设置：请设置环境变量 {}", self.pin_env))
            }),
        }
    }
}

/// Without the PIN: configurations are logged.
impl std::fmt::Debug for HsmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmConfig")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin_env", &self.pin_env)
            .field("pin", &self.pin.as_ref().map(|_| "***"))
            .field("providers", &self.providers)
            .finish()
    }
}

/// A failure a test injects at a point of its choosing.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 撤销 fails after the order's change and before the refund owed is recorded, inside the
    /// transaction: nothing of it may remain.
    CancelBeforeRefundRecorded,
    /// 撤销 stops after its transaction, before the refund is sent, as a crash there would.
    CancelBeforeRefundSent,
    /// The invoice issuer does not answer: a 发票申请 stays requested until a start issues it.
    InvoiceIssuerDown,
}

/// The return address of the app's deep link.
pub const APP_RETURN_URL: &str = "certdesk://pay/return";

/// `[payments]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    /// `"embedded"`: start the sandbox gateway inside the platform (data under `data_dir`); or the
    /// URL of a running `certdesk-gateway`. The platform registers its merchant key (made at first
    /// start, kept in `data_dir`) and uses the sandbox for both methods.
    pub sandbox_gateway: Option<String>,
    /// Alipay page pay with real credentials (`[payments.alipay]`).
    pub alipay: Option<AlipayConfig>,
    /// WeChat Pay Native with real credentials (`[payments.wechat]`).
    pub wechat: Option<WechatConfig>,
    /// The platform's address as the gateways reach it, for `notify_url`; by default its own
    /// listening address (right for the embedded platform and the sandbox).
    pub public_url: Option<String>,
    /// How often payments left pending are reconciled with the gateway (seconds; default 60).
    pub reconcile_every_seconds: Option<f64>,
    /// A pending payment the gateway does not know after this many minutes is closed (default 30).
    pub expire_after_minutes: Option<u64>,
    /// Where the gateway may send the browser back after paying, compared exactly (scheme, host,
    /// port, path); default only the app's deep link `certdesk://pay/return`.
    pub return_urls: Vec<String>,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            sandbox_gateway: None,
            alipay: None,
            wechat: None,
            public_url: None,
            reconcile_every_seconds: None,
            expire_after_minutes: None,
            return_urls: vec![APP_RETURN_URL.to_owned()],
        }
    }
}

/// `[payments.alipay]`: the merchant's app id and key, and Alipay's public key (PEM files).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlipayConfig {
    /// `https://openapi.alipay.com/gateway.do`
    pub gateway_url: String,
    pub app_id: String,
    /// The merchant's Alipay user id (PID, `2088…`): notifications naming another seller are refused.
    pub seller_id: String,
    /// PKCS#8 PEM file of the merchant's private key.
    pub private_key: PathBuf,
    /// SPKI PEM file of Alipay's public key.
    pub alipay_public_key: PathBuf,
}

/// `[payments.wechat]`: the merchant's ids, key and APIv3 key, and the platform certificate's key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    /// `https://api.mch.weixin.qq.com`
    pub base_url: String,
    pub app_id: String,
    pub merchant_id: String,
    /// The serial number of the merchant's API certificate.
    pub merchant_serial: String,
    /// PKCS#8 PEM file of the merchant's private key.
    pub private_key: PathBuf,
    /// The platform certificate's serial number and its public key (SPKI PEM file).
    pub platform_serial: String,
    pub platform_public_key: PathBuf,
    /// The 32-character APIv3 key.
    pub api_v3_key: String,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("platform-data"),
            database_url: None,
            public_url: None,
            public_demo: false,
            trusted_proxies: Vec::new(),
            demo_data: true,
            max_quantity: certdesk_core::DEFAULT_MAX_QUANTITY,
            approvals_required: 1,
            // The address the guide gives; a deployment configures its own.
            paper_documents_address: "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司".into(),
            calendar: None,
            fees: FeeSchedule::default(),
            face: FaceProviderConfig::default(),
            cover_sheet_font: None,
            payments: PaymentsConfig::default(),
            hsm: None,
            invoice: InvoiceConfig::default(),
            mail: MailConfig::default(),
            fault: None,
            time_travel: None,
        }
    }
}

impl PlatformConfig {
    /// The embedded platform: loopback, a free port, demo data, the sandbox payment gateway, its
    /// database under `data_dir`.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        PlatformConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            payments: PaymentsConfig { sandbox_gateway: Some("embedded".into()), ..PaymentsConfig::default() },
            ..PlatformConfig::default()
        }
    }

    /// Refuses settings that cannot work, before anything starts.
    pub(crate) fn check(&self) -> crate::Result<()> {
        if certdesk_core::TaxRate::from_basis_points(self.invoice.tax_rate_bp).is_none() {
            return Err(crate::PlatformError::Config("[invoice] tax_rate_bp 应在 0 至 10000 之间".into()));
        }
        if self.invoice.region_code.len() != 2 || !self.invoice.region_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(crate::PlatformError::Config("[invoice] region_code 应为两位数字（如 33）".into()));
        }
        certdesk_core::CreditCode::parse(&self.invoice.seller_taxpayer_id)
            .map_err(|e| crate::PlatformError::Config(format!("[invoice] seller_taxpayer_id：{e}")))?;
        self.mail.from.parse::<lettre::message::Mailbox>().map_err(|e| {
            crate::PlatformError::Config(format!(
                "[mail] from = {:?} 不是有效的发件人（名称 <地址>）：{e}",
                self.mail.from
            ))
        })?;
        if self.mail.retry_first_secs == 0 || self.mail.retry_max_secs < self.mail.retry_first_secs {
            return Err(crate::PlatformError::Config(
                "[mail] retry_first_secs 应大于 0，且不大于 retry_max_secs".into(),
            ));
        }
        if self.mail.security == MailSecurity::None
            && self.mail.smtp_host.as_deref().is_some_and(|h| !matches!(h, "localhost" | "127.0.0.1" | "::1"))
        {
            return Err(crate::PlatformError::Config(
                "[mail] security = \"none\" 只能用于本机的邮件中继；其他服务器请使用 starttls 或 tls".into(),
            ));
        }
        if !(1..=5).contains(&self.approvals_required) {
            return Err(crate::PlatformError::Config(format!(
                "approvals_required = {} 无效：审核通过所需的审核人员数应为 1 至 5",
                self.approvals_required
            )));
        }
        self.check_exposure()
    }

    /// Refuses what only a demonstration may run beyond loopback, unless `public_demo` says so.
    pub(crate) fn check_exposure(&self) -> crate::Result<()> {
        if self.listen.ip().is_loopback() || self.public_demo {
            return Ok(());
        }
        let mut demo = Vec::new();
        if self.demo_data {
            demo.push("演示数据（demo_data = true）");
        }
        if matches!(self.face, FaceProviderConfig::Sandbox { .. }) {
            demo.push("沙箱人脸认证（[face] provider = \"sandbox\"）");
        }
        if self.payments.sandbox_gateway.is_some() {
            demo.push("沙箱支付网关（[payments] sandbox_gateway）");
        }
        if demo.is_empty() {
            return Ok(());
        }
        Err(crate::PlatformError::Config(format!(
            "平台监听 {} 而非本机地址，却启用了{}：任何能访问平台的人都可借此通过认证或免费“付款”。\
             请改用正式配置，或确属公开演示时设置 public_demo = true",
            self.listen,
            demo.join("、")
        )))
    }
}
