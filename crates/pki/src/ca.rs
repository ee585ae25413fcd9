//! A CA服务商's CA: a root and an issuing CA under it; the issuing CA signs the organisations'
//! certificates. Software P-256 or SM2 keys here (the embedded platform's sandbox hierarchy).

use crate::crl::{CrlTbs, Revoked};
use crate::csr::CheckedCsr;
use crate::external::{CaSigner, External};
use crate::profile::{CaProfile, OrganisationProfile, OrganisationSubject, Urls, ca_name};
use crate::sm2_signer::Sm2Signer;
use crate::{PkiError, Result};
use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate;
use spki::SubjectPublicKeyInfoOwned;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::crl::CertificateList;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// One certificate to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    pub csr: &'a CheckedCsr,
    pub subject: &'a OrganisationSubject,
    /// Unique per CA; at most 20 bytes, positive.
    pub serial: &'a [u8],
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    pub urls: Urls,
}

/// A CA服务商's hierarchy. The root's key signs the issuing CA once, at generation, and is not kept:
/// only the issuing CA's key signs from then on (a deployment's root stays offline).
pub struct Ca {
    pub root: Certificate,
    pub issuing: Certificate,
    issuing_key: CaKey,
}

/// What a CA signs with: ECDSA P-256 with SHA-256, or SM2 with SM3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaAlgorithm {
    EcdsaP256,
    Sm2,
}

enum CaKey {
    P256(SigningKey),
    Sm2(Sm2Signer),
    /// On an HSM, or the CA服务商's own service.
    External(External),
}

impl CaKey {
    fn generate(algorithm: CaAlgorithm) -> Result<CaKey> {
        Ok(match algorithm {
            CaAlgorithm::EcdsaP256 => CaKey::P256(SigningKey::try_generate().map_err(signing)?),
            CaAlgorithm::Sm2 => CaKey::Sm2(Sm2Signer::generate()?),
        })
    }

    fn algorithm(&self) -> CaAlgorithm {
        match self {
            CaKey::P256(_) => CaAlgorithm::EcdsaP256,
            CaKey::Sm2(_) => CaAlgorithm::Sm2,
            CaKey::External(k) => k.algorithm(),
        }
    }

    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        match self {
            CaKey::P256(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()),
            CaKey::Sm2(k) => SubjectPublicKeyInfoOwned::from_key(&signature::Keypair::verifying_key(k)),
            CaKey::External(k) => Ok(k.public_key()),
        }
        .map_err(signing)
    }

    fn sign<B: Builder>(&self, builder: B) -> Result<B::Output> {
        match self {
            CaKey::P256(k) => builder.build::<_, DerSignature>(k),
            CaKey::Sm2(k) => builder.build::<_, sm2::dsa::DerSignature>(k),
            CaKey::External(k) => return k.sign(builder),
        }
        .map_err(signing)
    }

    fn to_pkcs8(&self) -> Result<Vec<u8>> {
        use p256::pkcs8::EncodePrivateKey;
        let document = match self {
            CaKey::P256(k) => k.to_pkcs8_der(),
            CaKey::Sm2(k) => sm2::SecretKey::from(k.0.as_nonzero_scalar()).to_pkcs8_der(),
            CaKey::External(_) => return Err(PkiError::Signing("签发CA的私钥在HSM中，不能导出".into())),
        }
        .map_err(signing)?;
        Ok(document.as_bytes().to_vec())
    }

    fn from_pkcs8(algorithm: CaAlgorithm, der: &[u8]) -> Result<CaKey> {
        use p256::pkcs8::DecodePrivateKey;
        Ok(match algorithm {
            CaAlgorithm::EcdsaP256 => CaKey::P256(SigningKey::from_pkcs8_der(der).map_err(signing)?),
            CaAlgorithm::Sm2 => {
                CaKey::Sm2(Sm2Signer::from_secret(&sm2::SecretKey::from_pkcs8_der(der).map_err(signing)?)?)
            }
        })
    }
}

/// What is stored of a [`Ca`]: both certificates (DER) and the issuing CA's key (PKCS#8 DER, to be
/// sealed by the caller before it touches a disk).
pub struct CaParts {
    pub algorithm: CaAlgorithm,
    pub root: Vec<u8>,
    pub issuing: Vec<u8>,
    pub issuing_key_pkcs8: der::zeroize::Zeroizing<Vec<u8>>,
}

fn validity(from: SystemTime, until: SystemTime) -> Result<Validity> {
    Ok(Validity::new(Time::try_from(from)?, Time::try_from(until)?))
}

fn signing(e: impl std::fmt::Display) -> PkiError {
    PkiError::Signing(e.to_string())
}

impl Ca {
    /// A fresh hierarchy for `provider` (its root valid 20 years, the issuing CA 10).
    pub fn generate(provider: &str, algorithm: CaAlgorithm, now: SystemTime) -> Result<Ca> {
        Ca::generate_around(provider, CaKey::generate(algorithm)?, now)
    }

    /// A fresh hierarchy for `provider` whose issuing key is `signer`'s (made on an HSM); the root
    /// is made here, signs it once and is dropped.
    pub fn generate_with_issuing_signer(provider: &str, signer: Arc<dyn CaSigner>, now: SystemTime) -> Result<Ca> {
        Ca::generate_around(provider, CaKey::External(External::new(signer)?), now)
    }

    /// The CA from its stored certificates (DER) and the issuing key behind `signer`, which must be
    /// the issuing certificate's.
    pub fn with_issuing_signer(root: &[u8], issuing: &[u8], signer: Arc<dyn CaSigner>) -> Result<Ca> {
        let root = Certificate::from_der(root)?;
        let issuing = Certificate::from_der(issuing)?;
        let issuing_key = CaKey::External(External::new(signer)?);
        if &issuing_key.public_key()? != issuing.tbs_certificate().subject_public_key_info() {
            return Err(PkiError::Signing("HSM中的签发CA密钥与签发CA证书不匹配".into()));
        }
        Ok(Ca { root, issuing, issuing_key })
    }

    fn generate_around(provider: &str, issuing_key: CaKey, now: SystemTime) -> Result<Ca> {
        let year = Duration::from_secs(365 * 24 * 3600);
        let root_key = CaKey::generate(issuing_key.algorithm())?;
        let root_name = ca_name(provider, &format!("{provider} 根CA"))?;
        let issuing_name = ca_name(provider, &format!("{provider} 机构证书CA"))?;
        let root = root_key.sign(
            CertificateBuilder::new(
                CaProfile { subject: root_name.clone(), issuer: None },
                SerialNumber::new(&[1])?,
                validity(now, now + 20 * year)?,
                root_key.public_key()?,
            )
            .map_err(signing)?,
        )?;
        let issuing = root_key.sign(
            CertificateBuilder::new(
                CaProfile { subject: issuing_name, issuer: Some(root_name) },
                SerialNumber::new(&[2])?,
                validity(now, now + 10 * year)?,
                issuing_key.public_key()?,
            )
            .map_err(signing)?,
        )?;
        Ok(Ca { root, issuing, issuing_key })
    }

    pub fn algorithm(&self) -> CaAlgorithm {
        self.issuing_key.algorithm()
    }

    pub fn export(&self) -> Result<CaParts> {
        Ok(CaParts {
            algorithm: self.algorithm(),
            root: self.root.to_der()?,
            issuing: self.issuing.to_der()?,
            issuing_key_pkcs8: der::zeroize::Zeroizing::new(self.issuing_key.to_pkcs8()?),
        })
    }

    /// The CA from what [`Ca::export`] gave; the key must be the issuing certificate's.
    pub fn import(parts: &CaParts) -> Result<Ca> {
        let root = Certificate::from_der(&parts.root)?;
        let issuing = Certificate::from_der(&parts.issuing)?;
        let issuing_key = CaKey::from_pkcs8(parts.algorithm, &parts.issuing_key_pkcs8)?;
        if &issuing_key.public_key()? != issuing.tbs_certificate().subject_public_key_info() {
            return Err(PkiError::Signing("签发CA的私钥与其证书不匹配".into()));
        }
        Ok(Ca { root, issuing, issuing_key })
    }

    /// The revocation list of every certificate in `revoked`, numbered `number` (which must grow
    /// from one list to the next), valid until `next_update`.
    pub fn crl(
        &self,
        revoked: &[Revoked],
        this_update: SystemTime,
        next_update: SystemTime,
        number: u64,
    ) -> Result<CertificateList> {
        self.issuing_key.sign(CrlTbs::new(&self.issuing, revoked, this_update, next_update, number)?)
    }

    /// The organisation's certificate for a checked CSR.
    pub fn issue(&self, request: &IssueRequest<'_>) -> Result<Certificate> {
        let profile = OrganisationProfile {
            subject: request.subject.name()?,
            issuer: self.issuing.tbs_certificate().subject().clone(),
            credit_code: request.subject.credit_code.clone(),
            urls: request.urls.clone(),
        };
        self.issuing_key.sign(
            CertificateBuilder::new(
                profile,
                SerialNumber::new(request.serial)?,
                validity(request.not_before, request.not_after)?,
                request.csr.public_key.clone(),
            )
            .map_err(signing)?,
        )
    }
}
