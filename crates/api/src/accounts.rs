//! The organisation's account, beyond logging in: its 账户设置.

use serde::{Deserialize, Serialize};

/// `GET`/`PUT /v1/account/settings`: the organisation's 账户设置.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountSettings {
    /// 订单状态邮件通知 (审核通过, 审核未通过, 已发证, 退款); the electronic invoice is sent regardless.
    pub status_notices: bool,
}
