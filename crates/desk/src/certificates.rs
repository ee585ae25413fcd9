//! 证书信息 in the organisation's 查看: the order's certificates, and each saved as a `.cer` (DER,
//! what Windows and macOS open) with the CA's chain beside it (PEM).

use crate::{Desk, DeskError};
use certdesk_api::{ApiError, CertificateRecord, ErrorCode};
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
}
