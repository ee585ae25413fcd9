//! A software token: the stand-in for an SM2 UKey where none can be plugged in (the tests, the
//! demo's 演示CA), since no software PKCS#11 token does SM2. It keeps its keys in memory for as
//! long as the source lives, checks its PIN with a retry counter like a UKey's, and makes P-256
//! or SM2 keys. It is not a place for a real organisation's key.

use crate::{KeyKind, PinState, Result, Token, TokenCertificate, TokenError, TokenInfo, TokenKey, TokenSource};
use p256::pkcs8::EncodePublicKey;
use signature::Signer;
use std::sync::{Arc, Mutex};

/// Wrong PINs before the token locks, as on most UKeys.
pub const MAX_TRIES: u32 = 6;

/// The software tokens "plugged in".
#[derive(Clone, Default)]
pub struct SoftTokenSource {
    tokens: Arc<Mutex<Vec<SoftState>>>,
}

struct SoftState {
    label: String,
    serial: String,
    pin: String,
    tries_left: u32,
    /// How many key pairs fit.
    capacity: usize,
    keys: Vec<(TokenKey, Secret)>,
    certificates: Vec<TokenCertificate>,
}

enum Secret {
    P256(p256::ecdsa::SigningKey),
    Sm2(certdesk_pki::Sm2Signer),
}

impl SoftTokenSource {
    pub fn new() -> Self {
        Self::default()
    }

    /// Plugs in a new token with room for `capacity` key pairs and the user PIN `pin`.
    pub fn plug(&self, label: &str, serial: &str, pin: &str, capacity: usize) {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).push(SoftState {
            label: label.into(),
            serial: serial.into(),
            pin: pin.into(),
            tries_left: MAX_TRIES,
            capacity,
            keys: Vec::new(),
            certificates: Vec::new(),
        });
    }

    /// Pulls the token out.
    pub fn unplug(&self, serial: &str) {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).retain(|t| t.serial != serial);
    }

    fn with<T>(&self, serial: &str, f: impl FnOnce(&mut SoftState) -> Result<T>) -> Result<T> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let token = tokens.iter_mut().find(|t| t.serial == serial).ok_or(TokenError::NotPresent)?;
        f(token)
    }
}

impl SoftState {
    fn info(&self) -> TokenInfo {
        TokenInfo {
            label: self.label.clone(),
            serial: self.serial.clone(),
            manufacturer: "CertDesk".into(),
            model: "软件UKey（演示）".into(),
            free_bytes: None,
            pin: PinState {
                count_low: self.tries_left < MAX_TRIES,
                final_try: self.tries_left == 1,
                locked: self.tries_left == 0,
                to_be_changed: false,
                tries_left: Some(self.tries_left),
            },
            kinds: vec![KeyKind::EcdsaP256, KeyKind::Sm2],
        }
    }

    /// Checks `pin` against the counter: a right one resets it, a wrong one uses a try.
    fn check_pin(&mut self, pin: &str) -> Result<()> {
        if self.tries_left == 0 {
            return Err(TokenError::Locked);
        }
        if pin == self.pin {
            self.tries_left = MAX_TRIES;
            return Ok(());
        }
        self.tries_left -= 1;
        if self.tries_left == 0 {
            return Err(TokenError::Locked);
        }
        Err(TokenError::WrongPin { tries_left: Some(self.tries_left), final_try: self.tries_left == 1 })
    }
}

impl TokenSource for SoftTokenSource {
    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(self.tokens.lock().unwrap_or_else(|p| p.into_inner()).iter().map(SoftState::info).collect())
    }

    fn open(&self, serial: &str) -> Result<Box<dyn Token>> {
        self.with(serial, |_| Ok(()))?;
        Ok(Box::new(SoftToken { source: self.clone(), serial: serial.into(), logged_in: false }))
    }
}

pub struct SoftToken {
    source: SoftTokenSource,
    serial: String,
    logged_in: bool,
}

impl SoftToken {
    fn logged_in(&self) -> Result<()> {
        if self.logged_in { Ok(()) } else { Err(TokenError::NotLoggedIn) }
    }
}

impl Token for SoftToken {
    fn info(&self) -> Result<TokenInfo> {
        self.source.with(&self.serial, |t| Ok(t.info()))
    }

    fn log_in(&mut self, pin: &str) -> Result<()> {
        self.source.with(&self.serial, |t| t.check_pin(pin))?;
        self.logged_in = true;
        Ok(())
    }

    fn change_pin(&mut self, old: &str, new: &str) -> Result<()> {
        if !(6..=16).contains(&new.len()) {
            return Err(TokenError::PinRejected("长度应为6至16位".into()));
        }
        self.source.with(&self.serial, |t| {
            t.check_pin(old)?;
            t.pin = new.into();
            Ok(())
        })
    }

    fn generate_key(&mut self, kind: KeyKind, _label: &str) -> Result<TokenKey> {
        self.logged_in()?;
        let device = |e: &dyn std::fmt::Display| TokenError::Device(e.to_string());
        let (public_key, secret) = match kind {
            KeyKind::EcdsaP256 => {
                use p256::elliptic_curve::Generate;
                let key = p256::ecdsa::SigningKey::try_generate().map_err(|e| device(&e))?;
                let public = key.verifying_key().to_public_key_der().map_err(|e| device(&e))?;
                (public.as_bytes().to_vec(), Secret::P256(key))
            }
            KeyKind::Sm2 => {
                let key = certdesk_pki::Sm2Signer::generate().map_err(|e| device(&e))?;
                let public = signature::Keypair::verifying_key(&key).to_public_key_der().map_err(|e| device(&e))?;
                (public.as_bytes().to_vec(), Secret::Sm2(key))
            }
        };
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).map_err(|e| device(&e))?;
        let key = TokenKey { id, kind, public_key };
        self.source.with(&self.serial, |t| {
            if t.keys.len() >= t.capacity {
                return Err(TokenError::Full);
            }
            t.keys.push((key.clone(), secret));
            Ok(())
        })?;
        Ok(key)
    }

    fn sign(&mut self, key: &TokenKey, message: &[u8]) -> Result<Vec<u8>> {
        self.logged_in()?;
        self.source.with(&self.serial, |t| {
            let (_, secret) = t.keys.iter().find(|(k, _)| k.id == key.id).ok_or(TokenError::NoSuchObject)?;
            Ok(match secret {
                Secret::P256(k) => {
                    let signature: p256::ecdsa::DerSignature = k.sign(message);
                    signature.to_bytes().to_vec()
                }
                Secret::Sm2(k) => {
                    let signature: sm2::dsa::DerSignature = k.sign(message);
                    signature.to_bytes().to_vec()
                }
            })
        })
    }

    fn write_certificate(&mut self, key: Option<&TokenKey>, label: &str, der: &[u8], _subject: &[u8]) -> Result<()> {
        self.logged_in()?;
        let certificate = TokenCertificate {
            id: key.map(|k| k.id.clone()).unwrap_or_default(),
            label: label.into(),
            der: der.to_vec(),
        };
        self.source.with(&self.serial, |t| {
            t.certificates.push(certificate);
            Ok(())
        })
    }

    fn certificates(&mut self) -> Result<Vec<TokenCertificate>> {
        self.source.with(&self.serial, |t| Ok(t.certificates.clone()))
    }

    fn public_key(&mut self, id: &[u8]) -> Result<Vec<u8>> {
        self.source.with(&self.serial, |t| {
            t.keys.iter().find(|(k, _)| k.id == id).map(|(k, _)| k.public_key.clone()).ok_or(TokenError::NoSuchObject)
        })
    }
}
