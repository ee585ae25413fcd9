//! A CA key that lives elsewhere — a PKCS#11 HSM, or the CA服务商's own signing service — behind
//! [`CaSigner`]: the builders get the bytes to sign from it and assemble what it signed.

use crate::csr::{ECDSA_WITH_SHA256, SM2_WITH_SM3};
use crate::{CaAlgorithm, PkiError, Result};
use der::Encode;
use der::asn1::BitString;
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey, SubjectPublicKeyInfoOwned};
use std::sync::Arc;
use x509_cert::builder::Builder;

/// The issuing CA's key where it cannot be read: it signs what it is given.
pub trait CaSigner: Send + Sync {
    fn algorithm(&self) -> CaAlgorithm;
    /// The key's SubjectPublicKeyInfo, DER.
    fn public_key(&self) -> Result<Vec<u8>>;
    /// A signature over `message` as a DER SEQUENCE of r and s: ECDSA over SHA-256 for P-256, SM2
    /// with SM3 and GM/T 0009's default ID for SM2.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}

/// The public half, as x509-cert's builders ask for it.
#[derive(Clone)]
pub(crate) struct Spki(SubjectPublicKeyInfoOwned);

impl EncodePublicKey for Spki {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.to_der()?)?)
    }
}

/// A [`CaSigner`] with what the builders need beside the signature.
#[derive(Clone)]
pub(crate) struct External {
    signer: Arc<dyn CaSigner>,
    spki: SubjectPublicKeyInfoOwned,
}

impl External {
    pub(crate) fn new(signer: Arc<dyn CaSigner>) -> Result<External> {
        use der::Decode;
        let spki = SubjectPublicKeyInfoOwned::from_der(&signer.public_key()?)
            .map_err(|e| PkiError::Signing(format!("签发CA的公钥无法解析：{e}")))?;
        Ok(External { signer, spki })
    }

    pub(crate) fn algorithm(&self) -> CaAlgorithm {
        self.signer.algorithm()
    }

    pub(crate) fn public_key(&self) -> SubjectPublicKeyInfoOwned {
        self.spki.clone()
    }

    pub(crate) fn sign<B: Builder>(&self, mut builder: B) -> Result<B::Output> {
        let signing = |e: &dyn std::fmt::Display| PkiError::Signing(e.to_string());
        let tbs = builder.finalize(self).map_err(|e| signing(&e))?;
        let signature = self.signer.sign(&tbs)?;
        builder.assemble(BitString::from_bytes(&signature)?, self).map_err(|e| signing(&e))
    }
}

impl signature::Keypair for External {
    type VerifyingKey = Spki;

    fn verifying_key(&self) -> Spki {
        Spki(self.spki.clone())
    }
}

impl DynSignatureAlgorithmIdentifier for External {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        let oid = match self.signer.algorithm() {
            CaAlgorithm::EcdsaP256 => ECDSA_WITH_SHA256,
            CaAlgorithm::Sm2 => SM2_WITH_SM3,
        };
        Ok(AlgorithmIdentifierOwned { oid, parameters: None })
    }
}
