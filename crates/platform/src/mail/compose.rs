//! Each message's words: a short Chinese email per status change, and the electronic invoice with
//! its PDF and XML attached. Written when sent, from the order as it is then; the subject carries
//! the Chinese, the attachments' file names stay ASCII (mail programs differ on RFC 2231 names).

use crate::state::AppState;
use crate::store::{MailKind, OutboxRow};
use crate::{PlatformError, Result};
use certdesk_core::{Email, Money, OrderNumber};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

const SUBJECT_PREFIX: &str = "【证书办理台】";
const SIGNATURE: &str = "证书办理台（政府采购CA数字证书办理）\n此邮件由系统自动发送，请勿直接回复。";
const NOTICE_FOOTER: &str = "如不希望接收订单状态通知，可在证书办理台的「账户设置」中关闭（电子发票仍会发送）。";

impl AppState {
    /// Message `row` as it goes out, and its recipient masked for the log.
    pub(crate) fn compose_mail(&self, row: &OutboxRow) -> Result<(Message, String)> {
        let order_no = OrderNumber::parse(&row.order_no)?;
        let order = self.db.order(&order_no)?.ok_or_else(|| PlatformError::NotFound("订单不存在".into()))?;
        let address = match &row.recipient_sealed {
            Some(sealed) => self.sealer.open(sealed, &crate::invoices::email_context(&row.order_no))?,
            None => self.stored_form(&order_no, None)?.email,
        };
        let email = Email::parse(&address)
            .map_err(|e| PlatformError::Internal(format!("recipient of {}: {e}", row.order_no)))?;
        let to: Mailbox = email
            .as_str()
            .parse()
            .map_err(|e| PlatformError::Internal(format!("recipient of {}: {e}", row.order_no)))?;
        let greeting = format!("{}：\n\n您好！", order.organisation_name);
        let about = format!("您在{}申领CA数字证书的订单 {}", order.provider_name, order.order_no);
        let (subject, text) = match row.kind {
            MailKind::Approved => (
                format!("订单 {} 审核通过", order.order_no),
                format!("{about}已审核通过，正在制证。制证完成后我们会再通知您。"),
            ),
            MailKind::Rejected => (
                format!("订单 {} 审核未通过", order.order_no),
                format!(
                    "{about}审核未通过。\n\n不通过理由：{}\n\n请登录证书办理台，在「我的订单」中点击「编辑」，按理由修改后重新提交。",
                    row.detail.as_deref().unwrap_or("（未填写）")
                ),
            ),
            MailKind::Shipped => {
                let (courier, tracking_no) = row.detail.as_deref().and_then(|d| d.split_once('\t')).unwrap_or(("", ""));
                (
                    format!("订单 {} 已发证（已邮寄）", order.order_no),
                    format!(
                        "{about}已制证完成并邮寄。\n\n快递公司：{courier}\n快递单号：{tracking_no}\n\n\
                         证书的UKey密码由密码信封另行寄送，首次使用时请修改密码。"
                    ),
                )
            }
            MailKind::IssuedOnSite => (
                format!("订单 {} 已发证（现场领取）", order.order_no),
                format!("{about}已在服务窗口现场发证。如需电子发票，可在订单中点击「发票申请」。"),
            ),
            MailKind::Refunded => {
                let fen = row.detail.as_deref().and_then(|d| d.parse::<i64>().ok()).unwrap_or(0);
                (
                    format!("订单 {} 退款已完成", order.order_no),
                    format!("{about}的退款 {} 已按原付款方式退回，请注意查收。", Money::from_fen(fen)),
                )
            }
            MailKind::ExpiryReminder => {
                let mut parts = row.detail.as_deref().unwrap_or("").split('\t');
                let (serial, days, not_after) =
                    (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let end = not_after.get(..10).unwrap_or(not_after);
                (
                    format!("证书即将到期（剩余{days}天）：{serial}"),
                    format!(
                        "{about}所办理的机构证书（证书序列号 {serial}）将于 {end} 到期，剩余 {days} 天。\n\n                         请在到期前登录证书办理台，在「CA证书管理」中办理续期；到期后该证书不能再用于登录、投标和签章。"
                    ),
                )
            }
            MailKind::Invoice => return self.compose_invoice(row, &order_no, to, &greeting, &email),
        };
        let body = format!("{greeting}\n\n{text}\n\n{NOTICE_FOOTER}\n\n{SIGNATURE}\n");
        let message = self
            .message_builder(row, to, &subject)?
            .singlepart(SinglePart::plain(body))
            .map_err(|e| PlatformError::Internal(format!("message: {e}")))?;
        Ok((message, email.masked()))
    }

    fn compose_invoice(
        &self,
        row: &OutboxRow,
        order_no: &OrderNumber,
        to: Mailbox,
        greeting: &str,
        email: &Email,
    ) -> Result<(Message, String)> {
        let record = self.invoice_record(order_no, None)?;
        let invoice_no = record.invoice_no.clone().ok_or_else(|| PlatformError::Conflict("发票尚未开具".into()))?;
        let pdf = self.invoice_documents(order_no, None, true)?;
        let xml = self.invoice_documents(order_no, None, false)?;
        let sandbox = if record.sandbox {
            "\n\n注意：这是演示环境开具的演示发票（沙箱），不是税务机关开具的发票，不能用于报销或抵扣。"
        } else {
            ""
        };
        let body = format!(
            "{greeting}\n\n订单 {order_no} 的电子发票（普通发票）已开具，见附件（PDF 与 XML）。\n\n\
             发票号码：{invoice_no}\n发票抬头：{}\n纳税人识别号：{}\n价税合计：{}（{}）{sandbox}\n\n{SIGNATURE}\n",
            record.title,
            record.taxpayer_id,
            Money::from_fen(record.total),
            record.total_in_words,
        );
        let subject = format!("电子发票 {invoice_no}（订单 {order_no}）");
        let pdf_type = ContentType::parse("application/pdf").expect("a MIME type");
        let xml_type = ContentType::parse("application/xml").expect("a MIME type");
        let message = self
            .message_builder(row, to, &subject)?
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body))
                    .singlepart(Attachment::new(format!("invoice-{invoice_no}.pdf")).body(pdf, pdf_type))
                    .singlepart(Attachment::new(format!("invoice-{invoice_no}.xml")).body(xml, xml_type)),
            )
            .map_err(|e| PlatformError::Internal(format!("message: {e}")))?;
        Ok((message, email.masked()))
    }

    /// From, To, Subject, Date and a Message-ID that stays the same when the message is sent again.
    fn message_builder(&self, row: &OutboxRow, to: Mailbox, subject: &str) -> Result<lettre::message::MessageBuilder> {
        let domain = self.mail.from.email.domain().to_owned();
        Ok(Message::builder()
            .from(self.mail.from.clone())
            .to(to)
            .subject(format!("{SUBJECT_PREFIX}{subject}"))
            .message_id(Some(format!("<outbox-{}.{}@{domain}>", row.id, row.order_no)))
            .date_now())
    }
}
