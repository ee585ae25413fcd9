//! 机构证书: the organisation's signing certificate, and the CA certificates above it.

use crate::Result;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;
use der::asn1::{Ia5String, OctetString, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Any, Decode, Encode};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// GM/T 0015's organisation code extension (1.2.156.10260.4.1.4), which Chinese relying parties read
/// for the organisation's code; it carries the 统一社会信用代码 (docs/decisions.md).
pub const ORGANISATION_CODE_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10260.4.1.4");
const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const ID_KP_EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const ID_AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// Who a 机构证书 names: C=CN, O and CN the 机构名称, serialNumber the 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationSubject {
    pub organisation_name: String,
    pub credit_code: String,
}

fn utf8(oid: ObjectIdentifier, text: &str) -> Result<RelativeDistinguishedName> {
    let value = Any::encode_from(&Utf8StringRef::new(text)?)?;
    rdn(oid, value)
}

fn printable(oid: ObjectIdentifier, text: &str) -> Result<RelativeDistinguishedName> {
    let value = Any::encode_from(&PrintableStringRef::new(text)?)?;
    rdn(oid, value)
}

fn rdn(oid: ObjectIdentifier, value: Any) -> Result<RelativeDistinguishedName> {
    let set = SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }])?;
    Ok(RelativeDistinguishedName::from(set))
}

/// A name from its parts in order (C first).
pub(crate) fn name(parts: Vec<RelativeDistinguishedName>) -> Result<Name> {
    let mut sequence = RdnSequence::default();
    for part in parts {
        sequence.push(part);
    }
    // A Name is its RDNSequence's encoding.
    Ok(Name::from_der(&sequence.to_der()?)?)
}

impl OrganisationSubject {
    pub fn name(&self) -> Result<Name> {
        name(vec![
            printable(rfc4519::COUNTRY_NAME, "CN")?,
            utf8(rfc4519::ORGANIZATION_NAME, &self.organisation_name)?,
            utf8(rfc4519::COMMON_NAME, &self.organisation_name)?,
            printable(SERIAL_NUMBER, &self.credit_code)?,
        ])
    }
}

/// A CA's name: C=CN, O the CA服务商, CN what the CA is.
pub(crate) fn ca_name(provider: &str, common_name: &str) -> Result<Name> {
    name(vec![
        printable(rfc4519::COUNTRY_NAME, "CN")?,
        utf8(rfc4519::ORGANIZATION_NAME, provider)?,
        utf8(rfc4519::COMMON_NAME, common_name)?,
    ])
}

/// Where relying parties fetch the issuer's CRL and certificate.
#[derive(Debug, Clone)]
pub struct Urls {
    pub crl: String,
    pub ca_issuers: String,
}

fn uri(url: &str) -> Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(url)?))
}

/// The organisation's certificate: digitalSignature + nonRepudiation, clientAuth + emailProtection,
/// the key identifiers, the CRL and the issuer's certificate, and the organisation code.
pub(crate) struct OrganisationProfile {
    pub subject: Name,
    pub issuer: Name,
    pub credit_code: String,
    pub urls: Urls,
}

pub(crate) fn key_id(spk: SubjectPublicKeyInfoRef<'_>) -> Result<SubjectKeyIdentifier, x509_cert::builder::Error> {
    Ok(SubjectKeyIdentifier::try_from(spk)?)
}

/// The authority and subject key identifiers every certificate here starts with.
fn key_identifiers(
    spk: SubjectPublicKeyInfoRef<'_>,
    issuer_spk: SubjectPublicKeyInfoRef<'_>,
    subject: &Name,
) -> x509_cert::builder::Result<Vec<Extension>> {
    let mut out: Vec<Extension> = Vec::new();
    let aki = AuthorityKeyIdentifier { key_identifier: Some(key_id(issuer_spk)?.0), ..Default::default() };
    out.push(aki.to_extension(subject, &out)?);
    out.push(key_id(spk)?.to_extension(subject, &out)?);
    Ok(out)
}

impl BuilderProfile for OrganisationProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut out = key_identifiers(spk, issuer_spk, subject)?;
        out.push(BasicConstraints { ca: false, path_len_constraint: None }.to_extension(subject, &out)?);
        let usage = KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
        out.push(usage.to_extension(subject, &out)?);
        let eku = ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH, ID_KP_EMAIL_PROTECTION]);
        out.push(eku.to_extension(subject, &out)?);
        let crl =
            uri(&self.urls.crl).map_err(|_| der::Error::from(der::ErrorKind::Value { tag: der::Tag::Ia5String }))?;
        let dp = CrlDistributionPoints(vec![DistributionPoint {
            distribution_point: Some(DistributionPointName::FullName(vec![crl])),
            reasons: None,
            crl_issuer: None,
        }]);
        out.push(dp.to_extension(subject, &out)?);
        let issuers = uri(&self.urls.ca_issuers)
            .map_err(|_| der::Error::from(der::ErrorKind::Value { tag: der::Tag::Ia5String }))?;
        let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
            access_method: ID_AD_CA_ISSUERS,
            access_location: issuers,
        }]);
        out.push(aia.to_extension(subject, &out)?);
        let code = PrintableStringRef::new(&self.credit_code)?.to_der()?;
        out.push(Extension { extn_id: ORGANISATION_CODE_OID, critical: false, extn_value: OctetString::new(code)? });
        Ok(out)
    }
}

/// A CA certificate: a root (self-signed) or an issuing CA under it (path length 0).
pub(crate) struct CaProfile {
    pub subject: Name,
    pub issuer: Option<Name>,
}

impl BuilderProfile for CaProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut out = key_identifiers(spk, issuer_spk, subject)?;
        let path_len = self.issuer.as_ref().map(|_| 0);
        out.push(BasicConstraints { ca: true, path_len_constraint: path_len }.to_extension(subject, &out)?);
        out.push(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign).to_extension(subject, &out)?);
        Ok(out)
    }
}
