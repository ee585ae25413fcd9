//! SM2 with SM3 (GM/T 0015): a signer whose signatures are the DER SEQUENCE of r and s that X.509
//! and OpenSSL expect (the sm2 crate's own encoding in a bit string is r‖s), with the default
//! distinguishing ID.

use der::asn1::AnyRef;
use signature::{Keypair, Signer};
use sm2::dsa::{DerSignature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::Generate;
use spki::{AlgorithmIdentifier, SignatureAlgorithmIdentifier};

/// GM/T 0009's default user ID, which OpenSSL also assumes.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

#[derive(Clone)]
pub struct Sm2Signer(pub SigningKey);

impl Sm2Signer {
    pub fn generate() -> crate::Result<Self> {
        let secret = sm2::SecretKey::try_generate().map_err(|e| crate::PkiError::Signing(e.to_string()))?;
        Self::from_secret(&secret)
    }

    pub fn from_secret(secret: &sm2::SecretKey) -> crate::Result<Self> {
        SigningKey::new(SM2_DEFAULT_ID, secret).map(Sm2Signer).map_err(|e| crate::PkiError::Signing(e.to_string()))
    }
}

impl Signer<DerSignature> for Sm2Signer {
    fn try_sign(&self, message: &[u8]) -> signature::Result<DerSignature> {
        let raw: sm2::dsa::Signature = self.0.try_sign(message)?;
        Ok(raw.to_der())
    }
}

impl Keypair for Sm2Signer {
    type VerifyingKey = VerifyingKey;

    fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key().clone()
    }
}

impl SignatureAlgorithmIdentifier for Sm2Signer {
    type Params = AnyRef<'static>;

    const SIGNATURE_ALGORITHM_IDENTIFIER: AlgorithmIdentifier<Self::Params> =
        <SigningKey as SignatureAlgorithmIdentifier>::SIGNATURE_ALGORITHM_IDENTIFIER;
}
