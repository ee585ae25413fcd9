//! 发票申请 to an electronic invoice: the request checked by the core's rules and stored with the
//! order's step, the invoice issued behind [`InvoiceIssuer`] and recorded with the next step, and
//! its PDF and XML made from what was recorded whenever asked.
//!
//! Only the tax authority issues legal invoices. The default issuer, [`SandboxIssuer`], numbers
//! and dates the invoice itself, and every such invoice says it is a sandbox invoice (演示发票).
//! A request whose issuer did not answer (a crash, the issuer down) is taken up again at start.

use crate::config::InvoiceConfig;
use crate::documents::invoice::{Invoice, render_pdf, render_xml};
use crate::state::AppState;
use crate::store::{InvoiceRow, IssuedFigures, NewInvoiceRequest};
use crate::{PlatformError, Result};
use certdesk_api::{InvoiceRecord, OrderSummary};
use certdesk_core::{InvoiceForm, Money, OrderNumber, SHANGHAI, TaxRate, amount_in_words, split_tax};
use chrono::Utc;

/// What an issuer is asked to issue.
#[derive(Debug, Clone)]
pub struct InvoiceDraft<'a> {
    /// The request's id: unique, increasing.
    pub id: i64,
    pub order_no: &'a str,
    pub title: &'a str,
    pub taxpayer_id: &'a str,
    pub total: Money,
    pub quantity: u32,
}

/// Who issues the invoices: the sandbox here; a tax-authority channel (a 乐企 or 数电 platform
/// provider) behind the same trait in a deployment that has one.
pub trait InvoiceIssuer: Send + Sync {
    fn issue(&self, draft: &InvoiceDraft<'_>) -> Result<IssuedFigures>;
    fn seller(&self) -> &InvoiceConfig;
}

/// Issues sandbox invoices: 发票号码 = the year's two digits, the province's two, `9` for the
/// sandbox channel, and the request's id in 15 digits (20 in all, unique as the id is).
pub struct SandboxIssuer {
    config: InvoiceConfig,
}

impl SandboxIssuer {
    pub fn new(config: InvoiceConfig) -> SandboxIssuer {
        SandboxIssuer { config }
    }
}

impl InvoiceIssuer for SandboxIssuer {
    fn issue(&self, draft: &InvoiceDraft<'_>) -> Result<IssuedFigures> {
        let rate = TaxRate::from_basis_points(self.config.tax_rate_bp)
            .ok_or_else(|| PlatformError::Config("[invoice] tax_rate_bp".into()))?;
        let split = split_tax(draft.total, rate);
        let now = Utc::now().with_timezone(&SHANGHAI);
        let year = now.format("%y");
        Ok(IssuedFigures {
            invoice_no: format!("{year}{}9{:015}", self.config.region_code, draft.id),
            amount_fen: split.amount.fen(),
            tax_fen: split.tax.fen(),
            rate_bp: rate.basis_points(),
            issued_at: now.to_rfc3339(),
            issuer: "sandbox".into(),
            sandbox: true,
        })
    }

    fn seller(&self) -> &InvoiceConfig {
        &self.config
    }
}

/// The sealing context of an invoice's email (and of a corrected address for 重新发送).
pub(crate) fn email_context(order_no: &str) -> String {
    format!("invoice email {order_no}")
}

impl AppState {
    /// 发票申请: checked, recorded with the order's step, then issued at once.
    pub(crate) fn request_invoice(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        form: &InvoiceForm,
    ) -> Result<OrderSummary> {
        let request = certdesk_core::check_invoice_form(form)?;
        let sealed = self.sealer.seal(request.email.as_str(), &email_context(order_no.as_str()))?;
        let at = Utc::now().with_timezone(&SHANGHAI).to_rfc3339();
        let row = self.db.request_invoice(
            order_no,
            organisation_id,
            &NewInvoiceRequest {
                title: &request.title,
                taxpayer_id: request.taxpayer_id.as_str(),
                email_sealed: &sealed,
            },
            &at,
        )?;
        tracing::info!(order_no = %order_no, email = %request.email.masked(), "invoice requested");
        // The request is kept: if issuing fails now, the next start issues it.
        if let Err(e) = self.issue_invoice(&row) {
            tracing::warn!(order_no = %order_no, error = %e, "invoice not issued yet; it is retried at start");
        }
        self.db.order(order_no)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))
    }

    /// Issues the request `row` and records the invoice.
    pub(crate) fn issue_invoice(&self, row: &InvoiceRow) -> Result<()> {
        let order_no = OrderNumber::parse(&row.order_no)?;
        let order = self.db.order(&order_no)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        if self.fault == Some(crate::Fault::InvoiceIssuerDown) {
            return Err(PlatformError::Unavailable("invoice issuer down (test fault)".into()));
        }
        let figures = self.invoice_issuer.issue(&InvoiceDraft {
            id: row.id,
            order_no: &row.order_no,
            title: &row.title,
            taxpayer_id: &row.taxpayer_id,
            total: Money::from_fen(row.total_fen),
            quantity: order.quantity,
        })?;
        if self.db.record_issued_invoice(row.id, &figures)? {
            tracing::info!(order_no = %row.order_no, invoice_no = %figures.invoice_no, sandbox = figures.sandbox, "invoice issued");
            self.changed();
        }
        Ok(())
    }

    /// At start: every request the issuer has not answered.
    pub(crate) fn issue_pending_invoices(&self) -> Result<()> {
        for row in self.db.pending_invoices()? {
            if let Err(e) = self.issue_invoice(&row) {
                tracing::warn!(order_no = %row.order_no, error = %e, "invoice still not issued");
            }
        }
        Ok(())
    }

    /// 重新发送: the issued invoice owed by email once more, to `corrected` if given (checked as
    /// the dialog's email is) or else to the address it went to.
    pub(crate) fn resend_invoice(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        corrected: Option<&str>,
    ) -> Result<InvoiceRecord> {
        let row = self.invoice_row(order_no, Some(organisation_id))?;
        if row.issued.is_none() {
            return Err(PlatformError::Conflict("发票正在开具，开具后会自动发送".into()));
        }
        let sealed = match corrected {
            None => row.email_sealed.clone(),
            Some(address) => {
                let email = certdesk_core::Email::parse(address).map_err(|message| {
                    certdesk_core::Error::InvalidInvoice(vec![certdesk_core::InvoiceFieldError {
                        field: certdesk_core::InvoiceField::Email,
                        message,
                    }])
                })?;
                self.sealer.seal(email.as_str(), &email_context(order_no.as_str()))?
            }
        };
        let at = Utc::now().with_timezone(&SHANGHAI).to_rfc3339();
        self.db.enqueue_invoice_again(order_no, &sealed, &at)?;
        tracing::info!(order_no = %order_no, corrected = corrected.is_some(), "invoice to be sent again");
        self.invoice_record(order_no, Some(organisation_id))
    }

    fn invoice_row(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<InvoiceRow> {
        self.db.invoice(order_no, organisation_id)?.ok_or_else(|| PlatformError::NotFound("该订单尚未申请发票".into()))
    }

    /// The order's invoice as 查看 shows it.
    pub(crate) fn invoice_record(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<InvoiceRecord> {
        let row = self.invoice_row(order_no, organisation_id)?;
        let email = self.sealer.open(&row.email_sealed, &email_context(&row.order_no))?;
        let email_masked = certdesk_core::Email::parse(&email).map(|e| e.masked()).unwrap_or_default();
        let issued = row.issued.as_ref();
        Ok(InvoiceRecord {
            order_no: row.order_no.clone(),
            invoice_no: issued.map(|i| i.invoice_no.clone()),
            title: row.title.clone(),
            taxpayer_id: row.taxpayer_id.clone(),
            email_masked,
            total: row.total_fen,
            amount: issued.map(|i| i.amount_fen),
            tax: issued.map(|i| i.tax_fen),
            tax_rate: issued.and_then(|i| TaxRate::from_basis_points(i.rate_bp)).map(TaxRate::percent_text),
            total_in_words: amount_in_words(Money::from_fen(row.total_fen)),
            requested_at: row.requested_at.clone(),
            issued_at: issued.map(|i| i.issued_at.clone()),
            sandbox: issued.is_none_or(|i| i.sandbox),
        })
    }

    /// The issued invoice as a PDF and as XML.
    pub(crate) fn invoice_documents(
        &self,
        order_no: &OrderNumber,
        organisation_id: Option<i64>,
        pdf: bool,
    ) -> Result<Vec<u8>> {
        let row = self.invoice_row(order_no, organisation_id)?;
        let issued = row.issued.as_ref().ok_or_else(|| PlatformError::Conflict("发票正在开具，请稍后再试".into()))?;
        let order = self.db.order(order_no)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let seller = self.invoice_issuer.seller();
        let rate = TaxRate::from_basis_points(issued.rate_bp)
            .ok_or_else(|| PlatformError::Internal(format!("stored rate {}", issued.rate_bp)))?;
        let invoice = Invoice {
            invoice_no: &issued.invoice_no,
            issue_date: issued.issued_at.get(..10).unwrap_or(&issued.issued_at),
            buyer_name: &row.title,
            buyer_taxpayer_id: &row.taxpayer_id,
            seller_name: &seller.seller_name,
            seller_taxpayer_id: &seller.seller_taxpayer_id,
            quantity: order.quantity,
            amount: Money::from_fen(issued.amount_fen),
            tax: Money::from_fen(issued.tax_fen),
            total: Money::from_fen(row.total_fen),
            rate,
            order_no: &row.order_no,
            provider_name: &order.provider_name,
            drawer: &seller.drawer,
            sandbox: issued.sandbox,
        };
        if pdf { render_pdf(&invoice, self.cover_sheet_font.as_ref()) } else { Ok(render_xml(&invoice).into_bytes()) }
    }
}
