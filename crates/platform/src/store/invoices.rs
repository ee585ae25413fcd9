//! invoices: each order's 发票申请 (the email sealed) and, once issued, its electronic invoice's
//! number and figures. The PDF and XML are made again from these on demand, never stored.

use super::orders::apply_event;
use super::{Conn, Db, Row, params};
use crate::{PlatformError, Result};
use certdesk_core::{Actor, OrderEvent, OrderNumber};

/// An invoice as stored: a request, issued when `invoice_no` is set.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    pub id: i64,
    pub order_no: String,
    pub title: String,
    pub taxpayer_id: String,
    pub email_sealed: Vec<u8>,
    /// 价税合计: what the organisation paid.
    pub total_fen: i64,
    pub requested_at: String,
    pub issued: Option<IssuedFigures>,
}

/// What the issuer gave: the number and the split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedFigures {
    pub invoice_no: String,
    pub amount_fen: i64,
    pub tax_fen: i64,
    pub rate_bp: u32,
    pub issued_at: String,
    /// `sandbox`, or the name of the real issuer.
    pub issuer: String,
    pub sandbox: bool,
}

/// A 发票申请 to store.
#[derive(Debug, Clone)]
pub struct NewInvoiceRequest<'a> {
    pub title: &'a str,
    pub taxpayer_id: &'a str,
    pub email_sealed: &'a [u8],
}

const SELECT_INVOICE: &str = "SELECT id, order_no, title, taxpayer_id, email_sealed, total_fen, requested_at,
    invoice_no, amount_fen, tax_fen, rate_bp, issued_at, issuer, sandbox FROM invoices";

fn invoice_from_row(row: &Row<'_>) -> Result<InvoiceRow> {
    let invoice_no: Option<String> = row.get(7)?;
    let issued = match invoice_no {
        Some(invoice_no) => Some(IssuedFigures {
            invoice_no,
            amount_fen: row.get(8)?,
            tax_fen: row.get(9)?,
            rate_bp: row.get(10)?,
            issued_at: row.get(11)?,
            issuer: row.get(12)?,
            sandbox: row.get(13)?,
        }),
        None => None,
    };
    Ok(InvoiceRow {
        id: row.get(0)?,
        order_no: row.get(1)?,
        title: row.get(2)?,
        taxpayer_id: row.get(3)?,
        email_sealed: row.get(4)?,
        total_fen: row.get(5)?,
        requested_at: row.get(6)?,
        issued,
    })
}

fn invoice_of(conn: &Conn<'_>, order_no: &OrderNumber) -> Result<Option<InvoiceRow>> {
    conn.query_opt(&format!("{SELECT_INVOICE} WHERE order_no = ?1"), params![order_no.as_str()], invoice_from_row)
}

impl Db {
    /// 发票申请 by the organisation: the order to 已申请发票 and the request stored, in one
    /// transaction; the stored request (its id numbers the invoice).
    pub fn request_invoice(
        &self,
        order_no: &OrderNumber,
        organisation_id: i64,
        request: &NewInvoiceRequest<'_>,
        at: &str,
    ) -> Result<InvoiceRow> {
        self.write(|conn| {
            let after = apply_event(
                conn,
                order_no,
                Some(organisation_id),
                Actor::Applicant,
                None,
                &OrderEvent::InvoiceRequested,
                at,
                None,
            )?;
            conn.execute(
                "INSERT INTO invoices (order_no, title, taxpayer_id, email_sealed, total_fen, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    order_no.as_str(),
                    request.title,
                    request.taxpayer_id,
                    request.email_sealed,
                    after.fee.fen(),
                    at
                ],
            )?;
            invoice_of(conn, order_no)?.ok_or_else(|| PlatformError::Internal("invoice vanished".into()))
        })
    }

    /// The issuer's answer for the request `id`: its number and figures, and the order to
    /// 已开具发票, in one transaction. A request already issued is left as it is (a retry after a
    /// crash between the issuer and here), and `false` says so.
    pub fn record_issued_invoice(&self, id: i64, figures: &IssuedFigures) -> Result<bool> {
        self.write(|conn| {
            let updated = conn.execute(
                "UPDATE invoices SET invoice_no = ?2, amount_fen = ?3, tax_fen = ?4, rate_bp = ?5, issued_at = ?6,
                    issuer = ?7, sandbox = ?8
                 WHERE id = ?1 AND invoice_no IS NULL",
                params![
                    id,
                    figures.invoice_no,
                    figures.amount_fen,
                    figures.tax_fen,
                    i64::from(figures.rate_bp),
                    figures.issued_at,
                    figures.issuer,
                    figures.sandbox
                ],
            )?;
            if updated == 0 {
                return Ok(false);
            }
            let (order_no, email_sealed): (String, Vec<u8>) =
                conn.query_one("SELECT order_no, email_sealed FROM invoices WHERE id = ?1", params![id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            let order_no = OrderNumber::parse(&order_no)?;
            apply_event(
                conn,
                &order_no,
                None,
                Actor::System,
                None,
                &OrderEvent::InvoiceIssued,
                &figures.issued_at,
                None,
            )?;
            // The invoice goes out by email with the step that records it.
            super::outbox::enqueue(
                conn,
                &order_no,
                super::MailKind::Invoice,
                None,
                Some(&email_sealed),
                &figures.issued_at,
            )?;
            Ok(true)
        })
    }

    /// The order's invoice (requested or issued), for its organisation or, with `None`, staff.
    pub fn invoice(&self, order_no: &OrderNumber, organisation_id: Option<i64>) -> Result<Option<InvoiceRow>> {
        self.read(|conn| {
            if organisation_id.is_some() {
                super::orders::order_state(conn, order_no, organisation_id)?;
            }
            invoice_of(conn, order_no)
        })
    }

    /// Requests the issuer has not answered yet, oldest first: what a start takes up again.
    pub fn pending_invoices(&self) -> Result<Vec<InvoiceRow>> {
        self.read(|conn| {
            conn.query_map(
                &format!("{SELECT_INVOICE} WHERE invoice_no IS NULL ORDER BY id"),
                params![],
                invoice_from_row,
            )
        })
    }
}
