//! 发票申请 and the electronic invoice in the organisation's app: the dialog prefilled from the
//! application, the invoice saved as a PDF, 重新发送 to a corrected address; 账户设置's email
//! notices; and the demo's 演示邮箱, the embedded platform's email read from its folder.

use crate::{Desk, DeskError, OrderRow};
use certdesk_api::{AccountSettings, ApiError, ErrorCode, InvoiceRecord};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One message in the 演示邮箱, as a mail program would show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DemoMessage {
    /// The `.eml` file's name in the folder.
    pub file: String,
    pub subject: String,
    pub to: String,
    pub date: String,
    pub text: String,
    /// The attachments' file names.
    pub attachments: Vec<String>,
}

fn parse_number(order_no: &str) -> Result<certdesk_core::OrderNumber, ApiError> {
    certdesk_core::OrderNumber::parse(order_no).map_err(ApiError::from)
}

impl Desk {
    /// 发票申请 with the dialog's fields; without them, the application's (机构名称, 统一社会信用代码,
    /// the email given in the application), as the dialog prefills them.
    pub async fn request_invoice(
        &self,
        order_no: &str,
        form: Option<certdesk_api::InvoiceApplication>,
    ) -> Result<OrderRow, ApiError> {
        let number = parse_number(order_no)?;
        let form = match form {
            Some(form) => form,
            None => self.invoice_prefill(order_no).await?,
        };
        self.record(self.client.request_invoice(&number, &form).await)
    }

    /// What 发票申请's dialog starts with: the application's organisation, code and email.
    pub async fn invoice_prefill(&self, order_no: &str) -> Result<certdesk_api::InvoiceApplication, ApiError> {
        let number = parse_number(order_no)?;
        let application = self.client.application(&number).await.map_err(DeskError::from)?;
        Ok(certdesk_api::InvoiceApplication {
            title: application.organisation_name,
            taxpayer_id: application.credit_code,
            email: application.email,
        })
    }

    /// The order's invoice (发票已开具 once it has its number).
    pub async fn order_invoice(&self, order_no: &str) -> Result<InvoiceRecord, ApiError> {
        let number = parse_number(order_no)?;
        Ok(self.client.invoice(&number).await.map_err(DeskError::from)?)
    }

    /// Saves the invoice's PDF in `folder` as `电子发票-<发票号码>.pdf`, to open in the viewer.
    pub async fn save_invoice(&self, order_no: &str, folder: &Path) -> Result<PathBuf, ApiError> {
        let number = parse_number(order_no)?;
        let record = self.client.invoice(&number).await.map_err(DeskError::from)?;
        let invoice_no =
            record.invoice_no.ok_or_else(|| ApiError::new(ErrorCode::Conflict, "发票正在开具，请稍后再试"))?;
        let pdf = self.client.invoice_pdf(&number).await.map_err(DeskError::from)?;
        self.save_paper(folder, &format!("电子发票-{invoice_no}.pdf"), &pdf)
    }

    /// 重新发送 the invoice by email, to `email` when corrected (then the invoice's address).
    pub async fn resend_invoice(&self, order_no: &str, email: Option<String>) -> Result<InvoiceRecord, ApiError> {
        let number = parse_number(order_no)?;
        let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        Ok(self.client.resend_invoice(&number, email.as_deref()).await.map_err(DeskError::from)?)
    }

    /// 账户设置.
    pub async fn account_settings(&self) -> Result<AccountSettings, ApiError> {
        Ok(self.client.account_settings().await.map_err(DeskError::from)?)
    }

    pub async fn change_account_settings(&self, settings: AccountSettings) -> Result<AccountSettings, ApiError> {
        Ok(self.client.change_account_settings(&settings).await.map_err(DeskError::from)?)
    }

    /// Where the embedded platform writes its email; `None` with a real platform (its email goes
    /// to the organisation's inbox).
    pub fn mail_folder(&self) -> Option<PathBuf> {
        self.embedded.as_ref().and_then(|platform| platform.mail_folder())
    }

    /// The 演示邮箱: every message the embedded platform wrote, newest first.
    pub fn demo_mailbox(&self) -> Result<Vec<DemoMessage>, ApiError> {
        let Some(folder) = self.mail_folder() else {
            return Err(ApiError::new(ErrorCode::NotFound, "连接正式平台时，邮件发送到申领时填写的邮箱，不在本机"));
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|x| x == "eml"))
            .collect();
        // Named by when they were owed, then their number: the name sorts them.
        files.sort();
        files.reverse();
        files.iter().map(|path| read_message(path)).collect()
    }

    /// Saves attachment `name` of the 演示邮箱's message `file` in `folder`, to open in the viewer.
    pub fn save_mail_attachment(&self, file: &str, name: &str, folder: &Path) -> Result<PathBuf, ApiError> {
        let path = self.mail_file(file)?;
        let bytes = std::fs::read(&path).map_err(|e| internal(format!("邮件无法读取：{e}")))?;
        let mail = mailparse::parse_mail(&bytes).map_err(|e| internal(format!("邮件无法解析：{e}")))?;
        let found = mail.parts().find(|part| attachment_name(part).as_deref() == Some(name));
        let part = found.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "邮件中没有这个附件"))?;
        let body = part.get_body_raw().map_err(|e| internal(format!("附件无法读取：{e}")))?;
        // The attachment's own name is only a name here: nothing in it may point elsewhere.
        let safe = Path::new(name).file_name().and_then(|n| n.to_str()).unwrap_or("attachment");
        self.save_paper(folder, safe, &body)
    }

    /// `file` as a message of the 演示邮箱's folder, and nothing else.
    fn mail_file(&self, file: &str) -> Result<PathBuf, ApiError> {
        let folder = self.mail_folder().ok_or_else(|| ApiError::new(ErrorCode::NotFound, "没有演示邮箱"))?;
        let plain = Path::new(file).file_name().is_some_and(|n| n == file) && file.ends_with(".eml");
        if !plain {
            return Err(ApiError::new(ErrorCode::BadRequest, "只能打开演示邮箱中的邮件"));
        }
        Ok(folder.join(file))
    }
}

fn internal(message: String) -> ApiError {
    ApiError::new(ErrorCode::Internal, message)
}

fn attachment_name(part: &mailparse::ParsedMail<'_>) -> Option<String> {
    let disposition = part.get_content_disposition();
    (disposition.disposition == mailparse::DispositionType::Attachment)
        .then(|| disposition.params.get("filename").cloned())
        .flatten()
}

fn read_message(path: &Path) -> Result<DemoMessage, ApiError> {
    use mailparse::MailHeaderMap;
    let bytes = std::fs::read(path).map_err(|e| internal(format!("邮件无法读取：{e}")))?;
    let mail = mailparse::parse_mail(&bytes).map_err(|e| internal(format!("邮件无法解析：{e}")))?;
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    let mut text = String::new();
    let mut attachments = Vec::new();
    for part in mail.parts() {
        if let Some(name) = attachment_name(part) {
            attachments.push(name);
        } else if part.ctype.mimetype == "text/plain" {
            text.push_str(&part.get_body().unwrap_or_default());
        }
    }
    let date = mailparse::dateparse(&header("Date"))
        .ok()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .map(|at| at.with_timezone(&certdesk_core::SHANGHAI).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    Ok(DemoMessage {
        file: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        subject: header("Subject"),
        to: header("To"),
        date,
        text,
        attachments,
    })
}
