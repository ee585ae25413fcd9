//! The platform's issuing CA key on a PKCS#11 HSM (SoftHSM2 in the tests): made there, never
//! extractable, signing what the CA issues through [`certdesk_pki::CaSigner`]. The same token code
//! as the organisations' UKeys; an HSM is found by its token label and its key by its label.

use crate::pkcs11::{Pkcs11Source, Pkcs11Token};
use crate::{KeyKind, Result, Token, TokenError, TokenKey};
use certdesk_pki::{CaAlgorithm, CaSigner, PkiError};
use std::path::Path;
use std::sync::Mutex;

/// Where the key is: the module, the token's label, the key's label, and the user PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsmKeyRef<'a> {
    pub module: &'a Path,
    pub token_label: &'a str,
    pub key_label: &'a str,
    pub pin: &'a str,
}

/// An issuing CA's key on the HSM, logged in. Signing is serialised: one session, one operation
/// at a time (PKCS#11 sessions are not for concurrent use).
pub struct HsmCaKey {
    token: Mutex<Pkcs11Token>,
    key: TokenKey,
}

impl HsmCaKey {
    /// The key labelled `key_label`, which must exist.
    pub fn open(at: &HsmKeyRef<'_>) -> Result<HsmCaKey> {
        let token = log_in(at)?;
        let key = token.key_labelled(at.key_label)?.ok_or(TokenError::NoSuchObject)?;
        Ok(HsmCaKey { token: Mutex::new(token), key })
    }

    /// A new P-256 key pair labelled `key_label`, made on the HSM; refused when one exists, so that
    /// a CA's key is never replaced by accident.
    pub fn generate(at: &HsmKeyRef<'_>) -> Result<HsmCaKey> {
        let mut token = log_in(at)?;
        if token.key_labelled(at.key_label)?.is_some() {
            return Err(TokenError::Device(format!("HSM中已有标签为“{}”的密钥", at.key_label)));
        }
        let key = token.generate_key(KeyKind::EcdsaP256, at.key_label)?;
        Ok(HsmCaKey { token: Mutex::new(token), key })
    }
}

fn log_in(at: &HsmKeyRef<'_>) -> Result<Pkcs11Token> {
    let mut token = Pkcs11Source::load(at.module)?.open_labelled(at.token_label)?;
    token.log_in(at.pin)?;
    Ok(token)
}

impl CaSigner for HsmCaKey {
    fn algorithm(&self) -> CaAlgorithm {
        CaAlgorithm::EcdsaP256
    }

    fn public_key(&self) -> certdesk_pki::Result<Vec<u8>> {
        Ok(self.key.public_key.clone())
    }

    fn sign(&self, message: &[u8]) -> certdesk_pki::Result<Vec<u8>> {
        let mut token = self.token.lock().unwrap_or_else(|p| p.into_inner());
        token.sign(&self.key, message).map_err(|e| PkiError::Signing(format!("HSM：{e}")))
    }
}
