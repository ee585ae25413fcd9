//! 证书信息 in the organisation's 查看: the order's certificates, and each saved as a `.cer` (DER,
//! what Windows and macOS open) with the CA's chain beside it (PEM).

use crate::{Desk, DeskError};
use certdesk_api::{ApiError, CertificateRecord, ErrorCode, Revocation, RevocationReason};
use std::path::{Path, PathBuf};

impl Desk {
    /// The order's certificates, as the platform issued them.
    pub async fn order_certificates(&self, order_no: &str) -> Result<Vec<CertificateRecord>, ApiError> {
        let number = certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)?;
        Ok(self.client.order_certificates(&number).await.map_err(DeskError::from)?)
    }

    /// Saves the certificate `serial` of the order in `folder` as `.cer`, and the chain of its CA;
    /// both paths.
    pub async fn save_certificate(
        &self,
        order_no: &str,
        serial: &str,
        folder: &Path,
    ) -> Result<Vec<PathBuf>, ApiError> {
        let certificates = self.order_certificates(order_no).await?;
        let record = certificates
            .iter()
            .find(|c| c.serial.eq_ignore_ascii_case(serial.trim()))
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "证书不存在"))?;
        let parsed = certdesk_pki::certificates_from_pem(&record.certificate_pem)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        let der = parsed
            .first()
            .map(certdesk_pki::to_der)
            .transpose()
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "证书无法解析"))?;
        let ca = self.client.ca_info(&record.provider_id).await.map_err(DeskError::from)?;
        let certificate = self.save_paper(folder, &format!("机构证书-{}.cer", record.serial), &der)?;
        let chain = self.save_paper(folder, &format!("证书链-{}.pem", record.provider_id), ca.chain_pem.as_bytes())?;
        Ok(vec![certificate, chain])
    }

    /// 吊销 by the signed-in staff member (producers, the counter and administrators may; the
    /// platform checks): the certificate as it now stands, on the next CRL.
    pub async fn revoke_certificate(
        &self,
        serial: &str,
        reason: RevocationReason,
    ) -> Result<CertificateRecord, ApiError> {
        let serial = crate::bindings::checked_serial(serial)?;
        let revocation = Revocation { reason };
        Ok(self.signed_in_staff()?.revoke_certificate(serial, &revocation).await.map_err(DeskError::from)?)
    }
}
