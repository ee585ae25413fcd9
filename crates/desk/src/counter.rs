//! 窗口 (the service counter): 现场受理 for walk-ins — the organisation found or registered, the
//! application filled for them with the applicant's own form and rules, 身份证原件核验 from the card
//! reader in place of the face capture, 窗口收款, the 受理回执, 现场发证 and 窗口退款.

use crate::staff::parse;
use crate::{Desk, DeskError, OrderRow, retry_unreachable, unique_id};
use certdesk_api::{
    ApiError, ApplicantRegistration, CounterPayment, CounterRefund, ErrorCode, IdCardCheck, OrganisationAccount,
    PaymentMethod, PaymentRecord, SubmitOrder,
};
use certdesk_client::ClientError;
use certdesk_idcard::{IdCard, IdCardError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the reader read from the card, for the form and the check. The full number stays in the
/// window only while the clerk fills the form; lists and logs show the masked one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdCardView {
    pub reader: String,
    pub name: String,
    pub id_number: String,
    pub id_number_masked: String,
    pub sex: String,
    pub nation: String,
    pub birth_date: String,
    pub address: String,
    pub issuer: String,
    /// 有效期限 as printed: `20200101-长期`.
    pub validity: String,
}

impl IdCardView {
    fn of(card: IdCard, reader: String) -> IdCardView {
        IdCardView {
            reader,
            id_number: card.id_number.as_str().to_owned(),
            id_number_masked: card.id_number.masked(),
            validity: format!("{}-{}", card.valid_from, card.valid_until),
            name: card.name,
            sex: card.sex,
            nation: card.nation,
            birth_date: card.birth_date,
            address: card.address,
            issuer: card.issuer,
        }
    }
}

/// The reader's refusal as the clerk reads it.
fn reader_error(e: IdCardError) -> ApiError {
    let code = match e {
        IdCardError::Invalid(_) => ErrorCode::Validation,
        _ => ErrorCode::Unavailable,
    };
    ApiError::new(code, e.to_string())
}

impl Desk {
    /// 读取身份证: the card lying on the counter's reader.
    pub async fn read_id_card(&self) -> Result<IdCardView, ApiError> {
        let reader = self.id_reader.clone();
        let (card, name) = tokio::task::spawn_blocking(move || (reader.read(), reader.name()))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("读卡未完成：{e}")))?;
        let card = card.map_err(reader_error)?;
        tracing::info!(id_number = %card.id_number.masked(), "ID card read at the counter");
        Ok(IdCardView::of(card, name))
    }

    /// The organisation's account by its 统一社会信用代码, or `None` when it has none yet (the
    /// counter then registers it).
    pub async fn find_organisation(&self, credit_code: &str) -> Result<Option<OrganisationAccount>, ApiError> {
        let code = certdesk_core::CreditCode::parse(credit_code)
            .map_err(|m| ApiError::new(ErrorCode::Validation, m.to_string()))?;
        match self.signed_in_staff()?.find_organisation(code.as_str()).await {
            Ok(account) => Ok(Some(account)),
            Err(ClientError::Api(e)) if e.code == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(DeskError::from(e).into()),
        }
    }

    /// Registers a walk-in's organisation (its own username and password, to sign in to its app).
    pub async fn register_organisation(
        &self,
        registration: ApplicantRegistration,
    ) -> Result<OrganisationAccount, ApiError> {
        let registration = ApplicantRegistration {
            organisation_name: registration.organisation_name.trim().to_owned(),
            credit_code: registration.credit_code.trim().to_ascii_uppercase(),
            username: registration.username.trim().to_owned(),
            ..registration
        };
        Ok(self.signed_in_staff()?.register_organisation(&registration).await.map_err(DeskError::from)?)
    }

    /// 现场受理's application. The order is the organisation's (its own app lists it); nothing of
    /// it is kept on the counter's computer.
    pub async fn submit_at_counter(&self, form: SubmitOrder) -> Result<OrderRow, ApiError> {
        let client = self.signed_in_staff()?;
        let key = unique_id("counter");
        let order = retry_unreachable(|| client.submit_at_counter(&form, &key)).await.map_err(DeskError::from)?;
        Ok(order.into())
    }

    /// 身份证原件核验: the name and number on the original card, checked by the platform against
    /// the application.
    pub async fn check_id_card(&self, order_no: &str, name: &str, id_number: &str) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        let check = IdCardCheck { name: name.trim().to_owned(), id_number: id_number.trim().to_owned() };
        crate::staff::staff_answer(self.signed_in_staff()?.id_card_check(&number, &check).await)
    }

    /// 窗口收款: 现金, 刷卡 or 扫码 with the receipt number.
    pub async fn take_counter_payment(
        &self,
        order_no: &str,
        method: PaymentMethod,
        receipt_no: &str,
    ) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        let payment = CounterPayment { method, receipt_no: receipt_no.trim().to_owned() };
        crate::staff::staff_answer(self.signed_in_staff()?.counter_payment(&number, &payment).await)
    }

    /// 现场发证: 审核通过 (when the order still waits for it) and the certificate handed over.
    pub async fn issue_at_counter(&self, order_no: &str) -> Result<OrderRow, ApiError> {
        let number = parse(order_no)?;
        let client = self.signed_in_staff()?;
        let order = client.order(&number).await.map_err(DeskError::from)?;
        if matches!(order.status, certdesk_core::OrderStatus::PendingReview { .. }) {
            client.approve(&number).await.map_err(DeskError::from)?;
        }
        crate::staff::staff_answer(client.issue_on_site(&number).await)
    }

    /// 窗口退款 of a cancelled order's counter payment, with the refund's receipt number.
    pub async fn refund_at_counter(&self, order_no: &str, receipt_no: &str) -> Result<Vec<PaymentRecord>, ApiError> {
        let number = parse(order_no)?;
        let refund = CounterRefund { receipt_no: receipt_no.trim().to_owned() };
        Ok(self.signed_in_staff()?.counter_refund(&number, &refund).await.map_err(DeskError::from)?)
    }

    /// Saves the order's 受理回执 (PDF) in `folder` and returns where, for the viewer to print.
    pub async fn save_counter_receipt(&self, order_no: &str, folder: &Path) -> Result<PathBuf, ApiError> {
        let number = parse(order_no)?;
        let pdf = self.signed_in_staff()?.counter_receipt(&number).await.map_err(DeskError::from)?;
        self.save_paper(folder, &format!("CA证书受理回执-{number}.pdf"), &pdf)
    }

    /// Saves the 邮寄清单 of `date` (`YYYY-MM-DD`; today when `None`) in `folder`.
    pub async fn save_shipping_list(&self, date: Option<&str>, folder: &Path) -> Result<PathBuf, ApiError> {
        let pdf = self.signed_in_staff()?.shipping_list(date).await.map_err(DeskError::from)?;
        let day = date.map_or_else(|| certdesk_core::now_shanghai().format("%Y-%m-%d").to_string(), str::to_owned);
        self.save_paper(folder, &format!("CA证书邮寄清单-{day}.pdf"), &pdf)
    }
}
