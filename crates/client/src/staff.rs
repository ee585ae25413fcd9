//! The staff's side of the platform (审核, 制证, 窗口, 管理): the same client, a staff member's
//! session.

use crate::{PlatformClient, Result, answer, send, send_bytes};
use certdesk_api::{
    ApplicantRegistration, AuditEntry, AuditQuery, CertificateRecord, CertificateRequest, CounterPayment,
    CounterRefund, FaceAttemptRecord, IDEMPOTENCY_KEY, IdCardCheck, NewStaffMember, OrderSummary, OrganisationAccount,
    PasswordReset, PaymentRecord, Rejection, ReviewItem, ReviewQueueQuery, Revocation, Shipment, StaffLogin,
    StaffMemberView, StaffRoles, StaffSession, SubmitOrder,
};
use certdesk_core::OrderNumber;
use reqwest::Method;

impl PlatformClient {
    pub async fn staff_log_in(&self, login: &StaffLogin) -> Result<StaffSession> {
        send(self.request(Method::POST, "/v1/staff/sessions").json(login)).await
    }

    pub async fn staff_log_out(&self) -> Result<()> {
        answer(self.request(Method::DELETE, "/v1/staff/sessions")).await.map(|_| ())
    }

    /// 待审核 orders, oldest first.
    pub async fn review_queue(&self, query: &ReviewQueueQuery) -> Result<Vec<ReviewItem>> {
        send(self.request(Method::GET, "/v1/staff/review-queue").query(query)).await
    }

    /// 审核通过, 待制证 orders, oldest first.
    pub async fn production_queue(&self, query: &ReviewQueueQuery) -> Result<Vec<ReviewItem>> {
        send(self.request(Method::GET, "/v1/staff/production-queue").query(query)).await
    }

    pub async fn payments(&self, order_no: &OrderNumber) -> Result<Vec<PaymentRecord>> {
        send(self.request(Method::GET, &format!("/v1/orders/{order_no}/payments"))).await
    }

    /// A staff step with a JSON body (`{}` when the step takes none).
    async fn staff_step(
        &self,
        order_no: &OrderNumber,
        step: &str,
        body: &impl serde::Serialize,
    ) -> Result<OrderSummary> {
        send(self.request(Method::POST, &format!("/v1/staff/orders/{order_no}/{step}")).json(body)).await
    }

    /// 纸质资料已收到.
    pub async fn materials_received(&self, order_no: &OrderNumber) -> Result<OrderSummary> {
        self.staff_step(order_no, "materials-received", &serde_json::json!({})).await
    }

    /// 审核通过.
    pub async fn approve(&self, order_no: &OrderNumber) -> Result<OrderSummary> {
        self.staff_step(order_no, "approve", &serde_json::json!({})).await
    }

    /// 审核不通过, with the reason the applicant will read.
    pub async fn reject(&self, order_no: &OrderNumber, rejection: &Rejection) -> Result<OrderSummary> {
        self.staff_step(order_no, "reject", rejection).await
    }

    /// 制证 and 邮寄: the courier and its tracking number.
    pub async fn ship(&self, order_no: &OrderNumber, shipment: &Shipment) -> Result<OrderSummary> {
        self.staff_step(order_no, "ship", shipment).await
    }

    /// 签发证书 for a CSR made on the organisation's UKey.
    pub async fn issue_certificate(
        &self,
        order_no: &OrderNumber,
        request: &CertificateRequest,
    ) -> Result<CertificateRecord> {
        send(self.request(Method::POST, &format!("/v1/staff/orders/{order_no}/certificates")).json(request)).await
    }

    /// 吊销.
    pub async fn revoke_certificate(&self, serial: &str, revocation: &Revocation) -> Result<CertificateRecord> {
        send(self.request(Method::POST, &format!("/v1/staff/certificates/{serial}/revoke")).json(revocation)).await
    }

    // 管理: staff accounts.

    pub async fn staff_members(&self) -> Result<Vec<StaffMemberView>> {
        send(self.request(Method::GET, "/v1/staff/members")).await
    }

    pub async fn add_staff_member(&self, member: &NewStaffMember) -> Result<StaffMemberView> {
        send(self.request(Method::POST, "/v1/staff/members").json(member)).await
    }

    pub async fn set_staff_roles(&self, id: i64, roles: &StaffRoles) -> Result<StaffMemberView> {
        send(self.request(Method::PUT, &format!("/v1/staff/members/{id}/roles")).json(roles)).await
    }

    /// 停用 (`disable`) or 启用 (`enable`).
    pub async fn set_staff_disabled(&self, id: i64, disabled: bool) -> Result<StaffMemberView> {
        let action = if disabled { "disable" } else { "enable" };
        send(self.request(Method::POST, &format!("/v1/staff/members/{id}/{action}")).json(&serde_json::json!({}))).await
    }

    pub async fn reset_staff_password(&self, id: i64, reset: &PasswordReset) -> Result<StaffMemberView> {
        send(self.request(Method::POST, &format!("/v1/staff/members/{id}/password")).json(reset)).await
    }

    /// The order's 人脸认证 attempts (results only; no photo is ever kept).
    pub async fn order_face_attempts(&self, order_no: &OrderNumber) -> Result<Vec<FaceAttemptRecord>> {
        send(self.request(Method::GET, &format!("/v1/staff/orders/{order_no}/face-attempts"))).await
    }

    /// 操作日志, newest first.
    pub async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        send(self.request(Method::GET, "/v1/staff/audit").query(query)).await
    }

    /// 现场发证.
    pub async fn issue_on_site(&self, order_no: &OrderNumber) -> Result<OrderSummary> {
        self.staff_step(order_no, "issue-on-site", &serde_json::json!({})).await
    }

    // 窗口: 现场受理 for walk-ins.

    /// The organisation's account by its 统一社会信用代码 (404 when it has none yet).
    pub async fn find_organisation(&self, credit_code: &str) -> Result<OrganisationAccount> {
        send(self.request(Method::GET, &format!("/v1/staff/organisations/{credit_code}"))).await
    }

    /// Registers a walk-in's organisation at the counter (the same rules as 注册).
    pub async fn register_organisation(&self, registration: &ApplicantRegistration) -> Result<OrganisationAccount> {
        send(self.request(Method::POST, "/v1/staff/organisations").json(registration)).await
    }

    /// 现场受理's application, for the organisation the form names. The same `idempotency_key` on a
    /// retry returns the order the first try made.
    pub async fn submit_at_counter(&self, form: &SubmitOrder, idempotency_key: &str) -> Result<OrderSummary> {
        let request =
            self.request(Method::POST, "/v1/staff/counter-orders").header(IDEMPOTENCY_KEY, idempotency_key).json(form);
        send(request).await
    }

    /// 身份证原件核验: what the original card says.
    pub async fn id_card_check(&self, order_no: &OrderNumber, check: &IdCardCheck) -> Result<OrderSummary> {
        self.staff_step(order_no, "id-card-check", check).await
    }

    /// 窗口收款.
    pub async fn counter_payment(&self, order_no: &OrderNumber, payment: &CounterPayment) -> Result<OrderSummary> {
        self.staff_step(order_no, "counter-payment", payment).await
    }

    /// 窗口退款 of a cancelled order's counter payment.
    pub async fn counter_refund(&self, order_no: &OrderNumber, refund: &CounterRefund) -> Result<Vec<PaymentRecord>> {
        send(self.request(Method::POST, &format!("/v1/staff/orders/{order_no}/counter-refund")).json(refund)).await
    }

    /// The 受理回执, as PDF bytes.
    pub async fn counter_receipt(&self, order_no: &OrderNumber) -> Result<Vec<u8>> {
        send_bytes(self.request(Method::GET, &format!("/v1/staff/orders/{order_no}/counter-receipt"))).await
    }

    /// 邮寄清单 of a day's shipments (`YYYY-MM-DD`, today when `None`), as PDF bytes.
    pub async fn shipping_list(&self, date: Option<&str>) -> Result<Vec<u8>> {
        let mut request = self.request(Method::GET, "/v1/staff/shipping-list");
        if let Some(date) = date {
            request = request.query(&[("date", date)]);
        }
        send_bytes(request).await
    }
}
