//! The organisation's USB key (UKey) without a window: find it, log in with the PIN the user types
//! (never stored), make a key pair **on** it, sign with that key, write the certificate and chain
//! beside it, read them back.
//!
//! Three kinds behind the one [`Token`] trait: PKCS#11 ([`pkcs11`], any vendor's module; SoftHSM2
//! in the tests and the demo), GM/T 0016 SKF for SM2 UKeys ([`skf`], the vendor's library loaded
//! at run time), and a software token ([`soft`]) that stands in for an SM2 UKey where none can be
//! plugged in (tests, the demo), as no software PKCS#11 token does SM2.

pub mod hsm;
pub mod pkcs11;
pub mod skf;
pub mod soft;
pub mod softhsm;

/// The key a certificate is for: the CA服务商's algorithm decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    Sm2,
}

/// What the user is told about the PIN before typing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PinState {
    /// A wrong PIN was entered since the last right one.
    pub count_low: bool,
    /// One more wrong PIN locks the UKey.
    pub final_try: bool,
    pub locked: bool,
    /// The token asks for the PIN to be changed (a new UKey's PIN).
    pub to_be_changed: bool,
    /// Tries left, where the token says (SKF does; PKCS#11 only has the flags above).
    pub tries_left: Option<u32>,
}

/// A plugged-in UKey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub label: String,
    /// What the platform keeps beside each certificate.
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    /// Free space in bytes, where the token says.
    pub free_bytes: Option<u64>,
    pub pin: PinState,
    /// The kinds of key it can make.
    pub kinds: Vec<KeyKind>,
}

/// A key pair on the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKey {
    /// CKA_ID (PKCS#11) or the container's name (SKF): what ties key and certificate together.
    pub id: Vec<u8>,
    pub kind: KeyKind,
    /// SubjectPublicKeyInfo, DER.
    pub public_key: Vec<u8>,
}

/// A certificate object read back from the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCertificate {
    /// The key's id, for the organisation's certificate; empty for a CA certificate.
    pub id: Vec<u8>,
    pub label: String,
    pub der: Vec<u8>,
}

/// A UKey opened for work. Calls block (a token is slow); run them off the UI thread.
pub trait Token {
    fn info(&self) -> Result<TokenInfo>;
    /// Logs the user in; a wrong PIN says what is left.
    fn log_in(&mut self, pin: &str) -> Result<()>;
    /// 修改PIN: logged in or not, with the current PIN.
    fn change_pin(&mut self, old: &str, new: &str) -> Result<()>;
    /// A new key pair made on the token: the private key sensitive and not extractable.
    fn generate_key(&mut self, kind: KeyKind, label: &str) -> Result<TokenKey>;
    /// A signature by `key` over `message` as a DER SEQUENCE of r and s: ECDSA over SHA-256 for a
    /// P-256 key, SM2 with SM3 and the default ID for an SM2 key.
    fn sign(&mut self, key: &TokenKey, message: &[u8]) -> Result<Vec<u8>>;
    /// Writes the organisation's certificate for `key` (with its id), and a CA certificate of the
    /// chain when `key` is `None`. `subject` is the certificate's subject, DER.
    fn write_certificate(&mut self, key: Option<&TokenKey>, label: &str, der: &[u8], subject: &[u8]) -> Result<()>;
    fn certificates(&mut self) -> Result<Vec<TokenCertificate>>;
    /// The public key (SPKI, DER) of the key pair with `id`, read from the token.
    fn public_key(&mut self, id: &[u8]) -> Result<Vec<u8>>;
}

/// Where UKeys are found: one PKCS#11 module, one SKF library, the software tokens.
pub trait TokenSource: Send + Sync {
    /// The UKeys plugged in now.
    fn tokens(&self) -> Result<Vec<TokenInfo>>;
    /// The UKey with `serial`.
    fn open(&self, serial: &str) -> Result<Box<dyn Token>>;
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("未检测到UKey，请插入UKey后重试")]
    NotPresent,
    #[error("UKey驱动无法加载（{module}）：{reason}")]
    Module { module: String, reason: String },
    #[error("{}", wrong_pin_message(*.tries_left, *.final_try))]
    WrongPin { tries_left: Option<u32>, final_try: bool },
    #[error("UKey已锁定（PIN码错误次数过多），请联系CA服务商解锁")]
    Locked,
    #[error("新PIN码不符合要求：{0}")]
    PinRejected(String),
    #[error("UKey存储空间已满，无法写入")]
    Full,
    #[error("UKey不支持{0}密钥")]
    Unsupported(&'static str),
    #[error("UKey中找不到该密钥或证书")]
    NoSuchObject,
    #[error("请先输入UKey的PIN码")]
    NotLoggedIn,
    #[error("UKey操作失败：{0}")]
    Device(String),
}

fn wrong_pin_message(tries_left: Option<u32>, final_try: bool) -> String {
    match (tries_left, final_try) {
        (Some(n), _) => format!("PIN码错误，还可尝试{n}次"),
        (None, true) => "PIN码错误，仅剩最后一次机会，再次输错将锁定UKey".into(),
        (None, false) => "PIN码错误，请重新输入".into(),
    }
}

pub type Result<T, E = TokenError> = std::result::Result<T, E>;

/// A random user PIN for a new UKey: `digits` decimal digits from the system's random source.
pub fn random_pin(digits: usize) -> Result<String> {
    let mut pin = String::with_capacity(digits);
    while pin.len() < digits {
        let mut batch = [0u8; 16];
        getrandom::fill(&mut batch).map_err(|e| TokenError::Device(e.to_string()))?;
        // Bytes of 250 and above are dropped: every digit stays equally likely.
        let wanted = digits - pin.len();
        pin.extend(batch.iter().filter(|b| **b < 250).map(|b| char::from(b'0' + b % 10)).take(wanted));
    }
    Ok(pin)
}

/// The SubjectPublicKeyInfo (DER) of an uncompressed SEC1 point of `kind`.
pub(crate) fn spki_of_point(kind: KeyKind, point: &[u8]) -> Result<Vec<u8>> {
    use p256::pkcs8::EncodePublicKey;
    let der = match kind {
        KeyKind::EcdsaP256 => p256::PublicKey::from_sec1_bytes(point)
            .map_err(|e| TokenError::Device(format!("公钥无法解析：{e}")))?
            .to_public_key_der(),
        KeyKind::Sm2 => sm2::PublicKey::from_sec1_bytes(point)
            .map_err(|e| TokenError::Device(format!("公钥无法解析：{e}")))?
            .to_public_key_der(),
    }
    .map_err(|e| TokenError::Device(e.to_string()))?;
    Ok(der.as_bytes().to_vec())
}

/// r‖s (two 32-byte big-endian integers) as the DER SEQUENCE X.509 wants.
pub(crate) fn der_signature(kind: KeyKind, raw: &[u8]) -> Result<Vec<u8>> {
    let bad = |e: &dyn std::fmt::Display| TokenError::Device(format!("签名格式错误：{e}"));
    Ok(match kind {
        KeyKind::EcdsaP256 => {
            p256::ecdsa::Signature::from_slice(raw).map_err(|e| bad(&e))?.to_der().to_bytes().to_vec()
        }
        KeyKind::Sm2 => sm2::dsa::Signature::from_slice(raw).map_err(|e| bad(&e))?.to_der().to_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_random_pin_has_the_digits_asked_for_and_varies() {
        let pins: Vec<String> = (0..20).map(|_| super::random_pin(8).unwrap()).collect();
        assert!(pins.iter().all(|p| p.len() == 8 && p.chars().all(|c| c.is_ascii_digit())));
        let distinct: std::collections::HashSet<_> = pins.iter().collect();
        assert!(distinct.len() > 15, "{pins:?}");
    }
}
