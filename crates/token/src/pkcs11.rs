//! UKeys through a PKCS#11 module (cryptoki): the vendor's `.dll`/`.so`/`.dylib`, or SoftHSM2's
//! `libsofthsm2.so` in the tests and the demo.
//!
//! Keys are ECDSA P-256, generated on the token (CKA_TOKEN, CKA_SENSITIVE, not CKA_EXTRACTABLE).
//! Signing uses raw CKM_ECDSA over a SHA-256 digest made here, as SoftHSM2 and many UKeys offer
//! no CKM_ECDSA_SHA256; the token's r‖s is DER-encoded for X.509.

use crate::{KeyKind, PinState, Result, Token, TokenCertificate, TokenError, TokenInfo, TokenKey, TokenSource};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use sha2::Digest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The DER of the P-256 curve's OID (prime256v1), CKA_EC_PARAMS.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The UKeys of one PKCS#11 module.
pub struct Pkcs11Source {
    module: PathBuf,
    context: Pkcs11,
}

/// C_Initialize runs once per module per process: every source of one module shares its context.
fn context(module: &Path) -> Result<Pkcs11> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut contexts = CONTEXTS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(context) = contexts.get(module) {
        return Ok(context.clone());
    }
    let failed = |reason: String| TokenError::Module { module: module.display().to_string(), reason };
    if !module.exists() {
        return Err(failed("文件不存在，请安装UKey驱动或在设置中指定PKCS#11模块".into()));
    }
    let context = Pkcs11::new(module).map_err(|e| failed(e.to_string()))?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, Function::Initialize)) => {}
        Err(e) => return Err(failed(e.to_string())),
    }
    contexts.insert(module.to_owned(), context.clone());
    Ok(context)
}

impl Pkcs11Source {
    pub fn load(module: impl AsRef<Path>) -> Result<Pkcs11Source> {
        let module = module.as_ref().to_owned();
        Ok(Pkcs11Source { context: context(&module)?, module })
    }

    pub fn module(&self) -> &Path {
        &self.module
    }

    /// 初始化UKey: makes a blank token in the first slot holding an uninitialised one, labelled
    /// `label`, with the SO and user PINs given (what a vendor's tool does before a UKey ships);
    /// its serial. SoftHSM2 always keeps one such slot, and shows the new token to this process
    /// at once, where one made by `softhsm2-util` would appear only after the next start.
    pub fn init_token(&self, label: &str, so_pin: &str, user_pin: &str) -> Result<String> {
        let initialised = self.context.get_slots_with_initialized_token().map_err(device)?;
        let slot = self
            .context
            .get_slots_with_token()
            .map_err(device)?
            .into_iter()
            .find(|slot| !initialised.contains(slot))
            .ok_or(TokenError::NotPresent)?;
        let so_pin = AuthPin::new(so_pin.into());
        self.context.init_token(slot, &so_pin, label).map_err(device)?;
        let session = self.context.open_rw_session(slot).map_err(device)?;
        session.login(UserType::So, Some(&so_pin)).map_err(device)?;
        session.init_pin(&AuthPin::new(user_pin.into())).map_err(device)?;
        session.logout().map_err(device)?;
        Ok(self.context.get_token_info(slot).map_err(device)?.serial_number().trim().to_owned())
    }

    /// The token labelled `label`, with a read-write session (an HSM is found by its label).
    pub fn open_labelled(&self, label: &str) -> Result<Pkcs11Token> {
        for slot in self.context.get_slots_with_initialized_token().map_err(device)? {
            if self.context.get_token_info(slot).map_err(device)?.label().trim() == label {
                let session = self.context.open_rw_session(slot).map_err(device)?;
                let source = Pkcs11Source { module: self.module.clone(), context: self.context.clone() };
                return Ok(Pkcs11Token { source, slot, session });
            }
        }
        Err(TokenError::NotPresent)
    }

    fn slot_of(&self, serial: &str) -> Result<Slot> {
        for slot in self.context.get_slots_with_initialized_token().map_err(device)? {
            let info = self.context.get_token_info(slot).map_err(device)?;
            if info.serial_number().trim() == serial {
                return Ok(slot);
            }
        }
        Err(TokenError::NotPresent)
    }

    fn info(&self, slot: Slot) -> Result<TokenInfo> {
        let info = self.context.get_token_info(slot).map_err(device)?;
        let mechanisms = self.context.get_mechanism_list(slot).map_err(device)?;
        let kinds =
            if mechanisms.contains(&MechanismType::ECC_KEY_PAIR_GEN) && mechanisms.contains(&MechanismType::ECDSA) {
                vec![KeyKind::EcdsaP256]
            } else {
                Vec::new()
            };
        Ok(TokenInfo {
            label: info.label().trim().to_owned(),
            serial: info.serial_number().trim().to_owned(),
            manufacturer: info.manufacturer_id().trim().to_owned(),
            model: info.model().trim().to_owned(),
            free_bytes: info.free_public_memory().map(|b| b as u64),
            pin: PinState {
                count_low: info.user_pin_count_low(),
                final_try: info.user_pin_final_try(),
                locked: info.user_pin_locked(),
                to_be_changed: info.user_pin_to_be_changed(),
                tries_left: None,
            },
            kinds,
        })
    }
}

impl TokenSource for Pkcs11Source {
    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.context
            .get_slots_with_initialized_token()
            .map_err(device)?
            .into_iter()
            .map(|slot| self.info(slot))
            .collect()
    }

    fn open(&self, serial: &str) -> Result<Box<dyn Token>> {
        let slot = self.slot_of(serial)?;
        let session = self.context.open_rw_session(slot).map_err(device)?;
        Ok(Box::new(Pkcs11Token {
            source: Pkcs11Source { module: self.module.clone(), context: self.context.clone() },
            slot,
            session,
        }))
    }
}

/// One UKey, with a read-write session on it.
pub struct Pkcs11Token {
    source: Pkcs11Source,
    slot: Slot,
    session: Session,
}

/// What a PKCS#11 failure means to the user.
fn device(e: Error) -> TokenError {
    match e {
        Error::Pkcs11(rv, _) => match rv {
            RvError::TokenNotPresent | RvError::DeviceRemoved | RvError::SlotIdInvalid => TokenError::NotPresent,
            RvError::PinLocked => TokenError::Locked,
            RvError::DeviceMemory => TokenError::Full,
            RvError::UserNotLoggedIn => TokenError::NotLoggedIn,
            RvError::PinIncorrect => TokenError::WrongPin { tries_left: None, final_try: false },
            other => TokenError::Device(other.to_string()),
        },
        other => TokenError::Device(other.to_string()),
    }
}

impl Pkcs11Token {
    /// The P-256 key pair labelled `label` (CKA_LABEL on its private key), if there is one.
    pub fn key_labelled(&self, label: &str) -> Result<Option<TokenKey>> {
        let found = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Label(label.as_bytes().to_vec())])
            .map_err(device)?;
        let Some(private) = found.into_iter().next() else { return Ok(None) };
        let attributes = self.session.get_attributes(private, &[AttributeType::Id]).map_err(device)?;
        let Some(Attribute::Id(id)) = attributes.into_iter().next() else {
            return Err(TokenError::Device("私钥缺少 CKA_ID".into()));
        };
        let public = self.find(ObjectClass::PUBLIC_KEY, &id)?;
        let public_key = crate::spki_of_point(KeyKind::EcdsaP256, &self.point(public)?)?;
        Ok(Some(TokenKey { id, kind: KeyKind::EcdsaP256, public_key }))
    }

    /// A wrong PIN, with what the token now says is left.
    fn wrong_pin(&self) -> TokenError {
        match self.source.info(self.slot) {
            Ok(info) if info.pin.locked => TokenError::Locked,
            Ok(info) => TokenError::WrongPin { tries_left: None, final_try: info.pin.final_try },
            Err(e) => e,
        }
    }

    fn find(&self, class: ObjectClass, id: &[u8]) -> Result<ObjectHandle> {
        self.session
            .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])
            .map_err(device)?
            .into_iter()
            .next()
            .ok_or(TokenError::NoSuchObject)
    }

    fn point(&self, public: ObjectHandle) -> Result<Vec<u8>> {
        let attributes = self.session.get_attributes(public, &[AttributeType::EcPoint]).map_err(device)?;
        let Some(Attribute::EcPoint(wrapped)) = attributes.into_iter().next() else {
            return Err(TokenError::Device("公钥缺少 CKA_EC_POINT".into()));
        };
        // CKA_EC_POINT is the SEC1 point inside a DER OCTET STRING.
        use der::Decode;
        let octets = der::asn1::OctetString::from_der(&wrapped).map_err(|e| TokenError::Device(e.to_string()))?;
        Ok(octets.as_bytes().to_vec())
    }
}

impl Token for Pkcs11Token {
    fn info(&self) -> Result<TokenInfo> {
        self.source.info(self.slot)
    }

    fn log_in(&mut self, pin: &str) -> Result<()> {
        match self.session.login(UserType::User, Some(&AuthPin::new(pin.into()))) {
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
            Err(Error::Pkcs11(RvError::PinIncorrect, _)) => Err(self.wrong_pin()),
            Err(e) => Err(device(e)),
        }
    }

    fn change_pin(&mut self, old: &str, new: &str) -> Result<()> {
        let info = self.source.context.get_token_info(self.slot).map_err(device)?;
        let (min, max) = (info.min_pin_length(), info.max_pin_length());
        if new.len() < min || new.len() > max {
            return Err(TokenError::PinRejected(format!("长度应为{min}至{max}位")));
        }
        match self.session.set_pin(&AuthPin::new(old.into()), &AuthPin::new(new.into())) {
            Ok(()) => Ok(()),
            Err(Error::Pkcs11(RvError::PinIncorrect, _)) => Err(self.wrong_pin()),
            Err(Error::Pkcs11(RvError::PinLenRange | RvError::PinInvalid, _)) => {
                Err(TokenError::PinRejected(format!("长度应为{min}至{max}位的数字或字母")))
            }
            Err(e) => Err(device(e)),
        }
    }

    fn generate_key(&mut self, kind: KeyKind, label: &str) -> Result<TokenKey> {
        if kind != KeyKind::EcdsaP256 {
            return Err(TokenError::Unsupported("SM2"));
        }
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).map_err(|e| TokenError::Device(e.to_string()))?;
        let label = label.as_bytes().to_vec();
        let public_template = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Id(id.clone()),
            Attribute::Label(label.clone()),
        ];
        let private_template = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::KeyType(KeyType::EC),
            Attribute::Id(id.clone()),
            Attribute::Label(label),
        ];
        let (public, _private) = self
            .session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public_template, &private_template)
            .map_err(device)?;
        let public_key = crate::spki_of_point(kind, &self.point(public)?)?;
        Ok(TokenKey { id, kind, public_key })
    }

    fn sign(&mut self, key: &TokenKey, message: &[u8]) -> Result<Vec<u8>> {
        let private = self.find(ObjectClass::PRIVATE_KEY, &key.id)?;
        let digest = sha2::Sha256::digest(message);
        let raw = self.session.sign(&Mechanism::Ecdsa, private, &digest).map_err(device)?;
        crate::der_signature(key.kind, &raw)
    }

    fn write_certificate(&mut self, key: Option<&TokenKey>, label: &str, der: &[u8], subject: &[u8]) -> Result<()> {
        let mut template = vec![
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Subject(subject.to_vec()),
            Attribute::Value(der.to_vec()),
        ];
        if let Some(key) = key {
            template.push(Attribute::Id(key.id.clone()));
        }
        self.session.create_object(&template).map_err(device)?;
        Ok(())
    }

    fn certificates(&mut self) -> Result<Vec<TokenCertificate>> {
        let handles = self.session.find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)]).map_err(device)?;
        handles
            .into_iter()
            .map(|handle| {
                let attributes = self
                    .session
                    .get_attributes(handle, &[AttributeType::Id, AttributeType::Label, AttributeType::Value])
                    .map_err(device)?;
                let mut certificate = TokenCertificate { id: Vec::new(), label: String::new(), der: Vec::new() };
                for attribute in attributes {
                    match attribute {
                        Attribute::Id(id) => certificate.id = id,
                        Attribute::Label(label) => certificate.label = String::from_utf8_lossy(&label).into_owned(),
                        Attribute::Value(der) => certificate.der = der,
                        _ => {}
                    }
                }
                Ok(certificate)
            })
            .collect()
    }

    fn public_key(&mut self, id: &[u8]) -> Result<Vec<u8>> {
        let public = self.find(ObjectClass::PUBLIC_KEY, id)?;
        crate::spki_of_point(KeyKind::EcdsaP256, &self.point(public)?)
    }
}
