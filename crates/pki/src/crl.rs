//! The certificate revocation list (RFC 5280 §5) an issuing CA signs: every certificate it revoked,
//! each with its date and reason.

use crate::Result;
use der::Encode;
use der::asn1::BitString;
use der::referenced::OwnedToRef;
use signature::Keypair;
use spki::{DynSignatureAlgorithmIdentifier, EncodePublicKey};
use std::time::SystemTime;
use x509_cert::Certificate;
use x509_cert::Version;
use x509_cert::builder::{Builder, Error as BuilderError};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::ext::{Extensions, ToExtension};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

/// Why a certificate was revoked: the RFC 5280 reasons that apply to an organisation's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    fn crl_reason(self) -> CrlReason {
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }
}

/// One revoked certificate.
#[derive(Debug, Clone)]
pub struct Revoked {
    pub serial: Vec<u8>,
    pub at: SystemTime,
    pub reason: RevocationReason,
}

/// The to-be-signed list, built here rather than by x509-cert's `CrlBuilder`: that one copies the
/// issuer's own authorityKeyIdentifier (the root's key) where the CRL must name the key that signed
/// it, the issuing CA's (RFC 5280 §5.2.1).
pub(crate) struct CrlTbs(pub(crate) TbsCertList);

impl CrlTbs {
    pub(crate) fn new(
        issuer: &Certificate,
        revoked: &[Revoked],
        this_update: SystemTime,
        next_update: SystemTime,
        number: u64,
    ) -> Result<CrlTbs> {
        let issuer_name = issuer.tbs_certificate().subject().clone();
        let key_id = crate::profile::key_id(issuer.tbs_certificate().subject_public_key_info().owned_to_ref())
            .map_err(|e| crate::PkiError::Encoding(e.to_string()))?;
        let mut extensions = Extensions::new();
        let number = CrlNumber::from(der::asn1::Uint::new(&number.to_be_bytes())?);
        extensions.push(number.to_extension(&issuer_name, &extensions)?);
        let aki = AuthorityKeyIdentifier { key_identifier: Some(key_id.0), ..Default::default() };
        extensions.push(aki.to_extension(&issuer_name, &extensions)?);
        let entries = revoked
            .iter()
            .map(|r| {
                let reason = r.reason.crl_reason().to_extension(&issuer_name, &[])?;
                Ok(RevokedCert {
                    serial_number: SerialNumber::new(&r.serial)?,
                    revocation_date: Time::try_from(r.at)?,
                    crl_entry_extensions: Some(vec![reason]),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CrlTbs(TbsCertList {
            version: Version::V2,
            // Replaced by the signer's in `finalize`.
            signature: AlgorithmIdentifierOwned { oid: const_oid::db::rfc5912::ECDSA_WITH_SHA_256, parameters: None },
            issuer: issuer_name,
            this_update: Time::try_from(this_update)?,
            next_update: Some(Time::try_from(next_update)?),
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: Some(extensions),
        }))
    }
}

impl Builder for CrlTbs {
    type Output = CertificateList;

    fn finalize<S>(&mut self, signer: &S) -> Result<Vec<u8>, BuilderError>
    where
        S: Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
    {
        self.0.signature = signer.signature_algorithm_identifier()?;
        Ok(self.0.to_der()?)
    }

    fn assemble<S>(self, signature: BitString, _signer: &S) -> Result<CertificateList, BuilderError>
    where
        S: Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
    {
        let signature_algorithm = self.0.signature.clone();
        Ok(CertificateList { tbs_cert_list: self.0, signature_algorithm, signature })
    }
}
