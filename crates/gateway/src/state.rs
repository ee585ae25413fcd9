//! What the sandbox knows: its keys, the registered merchants (kept in `merchants.json`) and the
//! trades (in memory).

use crate::keys::{random_token, serial_of};
use crate::notify::NotifySchedule;
use crate::{GatewayConfig, GatewayError, Result};
use certdesk_pay::load_or_create_key_pair as load_or_create;
use certdesk_pay::{RsaSigner, RsaVerifier};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// `POST /sandbox/merchants`: who registers and its public key (one key for both protocols).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationRequest {
    pub name: String,
    pub public_key_pem: String,
}

/// What a merchant needs to talk to the gateway: its ids, the gateway's public keys, the APIv3 key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub alipay_app_id: String,
    /// The merchant's Alipay user id (PID, `2088…`): every notification names it as `seller_id`.
    pub alipay_seller_id: String,
    pub alipay_public_key_pem: String,
    pub wechat_merchant_id: String,
    pub wechat_app_id: String,
    /// The serial number the merchant's key is known by (its `serial_no` in requests).
    pub wechat_merchant_serial: String,
    /// 32 characters; their bytes are the AES-256-GCM key of callbacks.
    pub wechat_api_v3_key: String,
    pub wechat_platform_serial: String,
    pub wechat_platform_public_key_pem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Merchant {
    name: String,
    public_key_pem: String,
    alipay_app_id: String,
    /// Absent in registries written before seller ids: derived from the key like the others.
    #[serde(default)]
    alipay_seller_id: String,
    wechat_merchant_id: String,
    wechat_app_id: String,
    api_v3_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provider {
    Alipay,
    Wechat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TradeState {
    WaitBuyerPay,
    Success,
    Closed,
}

#[derive(Debug, Clone)]
pub(crate) struct Trade {
    /// The cashier page's id.
    pub id: String,
    pub provider: Provider,
    /// The merchant's app id (Alipay) or merchant id (WeChat).
    pub merchant: String,
    pub app_id: String,
    pub out_trade_no: String,
    /// The gateway's own number for the trade.
    pub trade_no: String,
    pub amount_fen: i64,
    pub subject: String,
    pub notify_url: String,
    pub return_url: Option<String>,
    pub state: TradeState,
    pub paid_at: Option<DateTime<FixedOffset>>,
    pub refunds: Vec<Refund>,
}

/// How the sandbox treats the refunds it is asked for next: what a trainer or a test sets to walk
/// the slow and the failing paths (`POST /sandbox/refund-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RefundMode {
    /// Refunded at once (`SUCCESS` / `REFUND_SUCCESS` when asked).
    #[default]
    Immediate,
    /// Accepted and left `PROCESSING` until finished (`POST /sandbox/refunds/{no}/finish`).
    Processing,
    /// Refused outright, as a merchant account without the balance is.
    Refuse,
}

/// Where one refund stands, in WeChat Pay's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundState {
    Processing,
    Success,
    /// Closed without the money moving.
    Closed,
    /// The money could not reach the buyer (a closed card): the merchant must act.
    Abnormal,
}

impl RefundState {
    pub fn wechat_status(self) -> &'static str {
        match self {
            RefundState::Processing => "PROCESSING",
            RefundState::Success => "SUCCESS",
            RefundState::Closed => "CLOSED",
            RefundState::Abnormal => "ABNORMAL",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Refund {
    /// The merchant's refund request number.
    pub out_request_no: String,
    /// The gateway's own number for it.
    pub refund_id: String,
    pub fen: i64,
    pub state: RefundState,
    /// WeChat Pay: where the refund's result is sent.
    pub notify_url: Option<String>,
    pub finished_at: Option<DateTime<FixedOffset>>,
}

impl Trade {
    /// What is refunded or on its way back: more cannot be asked for.
    pub fn refunded_fen(&self) -> i64 {
        self.refunds
            .iter()
            .filter(|r| matches!(r.state, RefundState::Success | RefundState::Processing))
            .map(|r| r.fen)
            .sum()
    }

    fn refunded_in_full(&self) -> bool {
        self.refunds.iter().filter(|r| r.state == RefundState::Success).map(|r| r.fen).sum::<i64>() == self.amount_fen
    }

    pub fn refund(&self, out_request_no: &str) -> Option<&Refund> {
        self.refunds.iter().find(|r| r.out_request_no == out_request_no)
    }

    /// Alipay's `trade_status`.
    pub fn alipay_status(&self) -> &'static str {
        match self.state {
            TradeState::WaitBuyerPay => "WAIT_BUYER_PAY",
            TradeState::Success => "TRADE_SUCCESS",
            TradeState::Closed => "TRADE_CLOSED",
        }
    }

    /// WeChat Pay's `trade_state`.
    pub fn wechat_state(&self) -> &'static str {
        match self.state {
            TradeState::WaitBuyerPay => "NOTPAY",
            TradeState::Success if self.refunded_fen() > 0 => "REFUND",
            TradeState::Success => "SUCCESS",
            TradeState::Closed if self.paid_at.is_some() => "REFUND",
            TradeState::Closed => "CLOSED",
        }
    }
}

/// Why a trade or a refund was refused, in the provider's codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The same trade number with other terms.
    Inconsistent,
    NotFound,
    /// Refunding more than was paid, or a trade that was not paid.
    NotRefundable(&'static str),
}

pub(crate) struct Gateway {
    pub alipay_key: RsaSigner,
    pub alipay_public_pem: String,
    pub wechat_key: RsaSigner,
    pub wechat_public_pem: String,
    pub wechat_serial: String,
    pub base_url: String,
    pub alipay_notify: NotifySchedule,
    pub wechat_notify: NotifySchedule,
    pub http: reqwest::Client,
    pub delivered: AtomicU64,
    registry_path: PathBuf,
    merchants: Mutex<Vec<Merchant>>,
    trades: Mutex<HashMap<String, Trade>>,
    sequence: AtomicU64,
    refund_mode: Mutex<RefundMode>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data behind; keep serving.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Gateway {
    pub fn open(config: &GatewayConfig, base_url: String) -> Result<Gateway> {
        let (alipay_key, alipay_public_pem) = load_or_create(&config.data_dir, "alipay-gateway")?;
        let (wechat_key, wechat_public_pem) = load_or_create(&config.data_dir, "wechatpay-platform")?;
        let registry_path = config.data_dir.join("merchants.json");
        let merchants = match std::fs::read_to_string(&registry_path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| GatewayError::Registry(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(Gateway {
            alipay_key,
            wechat_serial: serial_of(&wechat_public_pem),
            alipay_public_pem,
            wechat_key,
            wechat_public_pem,
            base_url,
            alipay_notify: config.alipay_notify.clone(),
            wechat_notify: config.wechat_notify.clone(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|e| GatewayError::Http(e.to_string()))?,
            delivered: AtomicU64::new(0),
            registry_path,
            merchants: Mutex::new(merchants),
            trades: Mutex::new(HashMap::new()),
            sequence: AtomicU64::new(1),
            refund_mode: Mutex::new(RefundMode::default()),
        })
    }

    /// Registers a merchant's key; registering the same key again answers the same registration.
    pub fn register(&self, request: &RegistrationRequest) -> Result<Registration> {
        RsaVerifier::from_public_key_pem(&request.public_key_pem)?;
        let mut merchants = lock(&self.merchants);
        let key = request.public_key_pem.trim();
        let merchant = match merchants.iter().find(|m| m.public_key_pem.trim() == key) {
            Some(found) => Merchant { alipay_seller_id: seller_id_of(key), ..found.clone() },
            None => {
                // Ids derived from the key: stable across restarts of either side.
                let digits: String = serial_of(key).bytes().map(|b| char::from(b'0' + b % 10)).collect();
                let merchant = Merchant {
                    name: request.name.clone(),
                    public_key_pem: key.to_owned(),
                    alipay_app_id: format!("2021{}", &digits[..12]),
                    alipay_seller_id: seller_id_of(key),
                    wechat_merchant_id: format!("19{}", &digits[12..20]),
                    wechat_app_id: format!("wx{}", &serial_of(key)[..16].to_ascii_lowercase()),
                    api_v3_key: random_token(32),
                };
                merchants.push(merchant.clone());
                let text =
                    serde_json::to_string_pretty(&*merchants).map_err(|e| GatewayError::Registry(e.to_string()))?;
                // Holds the APIv3 keys: the owner's only, like the private keys.
                certdesk_pay::write_owner_only(&self.registry_path, text.as_bytes())?;
                merchant
            }
        };
        Ok(Registration {
            alipay_app_id: merchant.alipay_app_id,
            alipay_seller_id: merchant.alipay_seller_id,
            alipay_public_key_pem: self.alipay_public_pem.clone(),
            wechat_merchant_id: merchant.wechat_merchant_id,
            wechat_app_id: merchant.wechat_app_id,
            wechat_merchant_serial: serial_of(&merchant.public_key_pem),
            wechat_api_v3_key: merchant.api_v3_key,
            wechat_platform_serial: self.wechat_serial.clone(),
            wechat_platform_public_key_pem: self.wechat_public_pem.clone(),
        })
    }

    /// The seller id (PID) of the merchant with this Alipay app id.
    pub fn alipay_seller_id(&self, app_id: &str) -> Option<String> {
        lock(&self.merchants).iter().find(|m| m.alipay_app_id == app_id).map(|m| seller_id_of(&m.public_key_pem))
    }

    pub fn set_refund_mode(&self, mode: RefundMode) {
        *lock(&self.refund_mode) = mode;
    }

    /// The merchant's public key and APIv3 key by its Alipay app id or WeChat merchant id.
    pub fn merchant_key(&self, provider: Provider, id: &str) -> Option<(RsaVerifier, String)> {
        let merchants = lock(&self.merchants);
        let merchant = merchants.iter().find(|m| match provider {
            Provider::Alipay => m.alipay_app_id == id,
            Provider::Wechat => m.wechat_merchant_id == id,
        })?;
        let verifier = RsaVerifier::from_public_key_pem(&merchant.public_key_pem).ok()?;
        Some((verifier, merchant.api_v3_key.clone()))
    }

    /// A new trade, or the one already made under the same number with the same terms (a page
    /// opened twice).
    #[allow(clippy::too_many_arguments)] // the terms of a trade, each as the provider names it
    pub fn open_trade(
        &self,
        provider: Provider,
        merchant: &str,
        app_id: &str,
        out_trade_no: &str,
        amount_fen: i64,
        subject: &str,
        notify_url: &str,
        return_url: Option<&str>,
    ) -> Result<Trade, Refusal> {
        let mut trades = lock(&self.trades);
        if let Some(existing) =
            trades.values().find(|t| t.provider == provider && t.merchant == merchant && t.out_trade_no == out_trade_no)
        {
            if existing.amount_fen != amount_fen || existing.app_id != app_id {
                return Err(Refusal::Inconsistent);
            }
            return Ok(existing.clone());
        }
        let now = certdesk_core::now_shanghai();
        let sequence = self.sequence.fetch_add(1, Ordering::SeqCst);
        let trade_no = match provider {
            Provider::Alipay => format!("{}2200140{sequence:010}", now.format("%Y%m%d")),
            Provider::Wechat => format!("4200{}{sequence:014}", now.format("%Y%m%d")),
        };
        let trade = Trade {
            id: random_token(24),
            provider,
            merchant: merchant.to_owned(),
            app_id: app_id.to_owned(),
            out_trade_no: out_trade_no.to_owned(),
            trade_no,
            amount_fen,
            subject: subject.to_owned(),
            notify_url: notify_url.to_owned(),
            return_url: return_url.map(str::to_owned),
            state: TradeState::WaitBuyerPay,
            paid_at: None,
            refunds: Vec::new(),
        };
        trades.insert(trade.id.clone(), trade.clone());
        Ok(trade)
    }

    pub fn trade(&self, id: &str) -> Option<Trade> {
        lock(&self.trades).get(id).cloned()
    }

    pub fn find(&self, provider: Provider, merchant: &str, out_trade_no: &str) -> Option<Trade> {
        lock(&self.trades)
            .values()
            .find(|t| t.provider == provider && t.merchant == merchant && t.out_trade_no == out_trade_no)
            .cloned()
    }

    pub fn refunds_of(&self, out_trade_no: &str) -> Vec<(String, i64, RefundState)> {
        lock(&self.trades)
            .values()
            .filter(|t| t.out_trade_no == out_trade_no)
            .flat_map(|t| t.refunds.iter().map(|r| (r.out_request_no.clone(), r.fen, r.state)))
            .collect()
    }

    /// A merchant's trades paid or refunded on `day` (Beijing time).
    pub fn trades_of_day(&self, provider: Provider, merchant: &str, day: chrono::NaiveDate) -> Vec<Trade> {
        lock(&self.trades)
            .values()
            .filter(|t| t.provider == provider && t.merchant == merchant)
            .filter(|t| {
                t.paid_at.is_some_and(|at| at.date_naive() == day)
                    || t.refunds.iter().any(|r| r.finished_at.is_some_and(|at| at.date_naive() == day))
            })
            .cloned()
            .collect()
    }

    /// A merchant's refund by its request number, with its trade.
    pub fn find_refund(&self, provider: Provider, merchant: &str, out_request_no: &str) -> Option<(Trade, Refund)> {
        let trades = lock(&self.trades);
        trades
            .values()
            .filter(|t| t.provider == provider && t.merchant == merchant)
            .find_map(|t| t.refund(out_request_no).map(|r| (t.clone(), r.clone())))
    }

    /// 确认付款: the trade as it is after; `true` when this call paid it (only then is the
    /// merchant notified).
    pub fn pay(&self, id: &str) -> Option<(Trade, bool)> {
        let mut trades = lock(&self.trades);
        let trade = trades.get_mut(id)?;
        let paid_now = trade.state == TradeState::WaitBuyerPay;
        if paid_now {
            trade.state = TradeState::Success;
            trade.paid_at = Some(certdesk_core::now_shanghai());
        }
        Some((trade.clone(), paid_now))
    }

    /// 取消: closes a trade that was not paid.
    pub fn cancel(&self, id: &str) -> Option<Trade> {
        let mut trades = lock(&self.trades);
        let trade = trades.get_mut(id)?;
        if trade.state == TradeState::WaitBuyerPay {
            trade.state = TradeState::Closed;
        }
        Some(trade.clone())
    }

    /// Refunds part or all of a paid trade, as the refund mode says; the same request number again
    /// answers the earlier refund without refunding twice. A trade refunded in full is closed.
    pub fn refund(
        &self,
        provider: Provider,
        merchant: &str,
        out_trade_no: &str,
        out_request_no: &str,
        amount_fen: i64,
        notify_url: Option<&str>,
    ) -> Result<(Trade, Refund), Refusal> {
        let mode = *lock(&self.refund_mode);
        let mut trades = lock(&self.trades);
        let trade = trades
            .values_mut()
            .find(|t| t.provider == provider && t.merchant == merchant && t.out_trade_no == out_trade_no)
            .ok_or(Refusal::NotFound)?;
        if let Some(earlier) = trade.refund(out_request_no) {
            return if earlier.fen == amount_fen {
                Ok((trade.clone(), earlier.clone()))
            } else {
                Err(Refusal::Inconsistent)
            };
        }
        if trade.paid_at.is_none() {
            return Err(Refusal::NotRefundable("交易未支付，无法退款"));
        }
        if amount_fen <= 0 || trade.refunded_fen() + amount_fen > trade.amount_fen {
            return Err(Refusal::NotRefundable("退款金额超过可退金额"));
        }
        if mode == RefundMode::Refuse {
            return Err(Refusal::NotRefundable("商户可用余额不足，退款失败"));
        }
        let now = certdesk_core::now_shanghai();
        let refund = Refund {
            out_request_no: out_request_no.to_owned(),
            refund_id: format!("50{}{:02}", trade.trade_no, trade.refunds.len() + 1),
            fen: amount_fen,
            state: if mode == RefundMode::Processing { RefundState::Processing } else { RefundState::Success },
            notify_url: notify_url.filter(|u| !u.is_empty()).map(str::to_owned),
            finished_at: (mode == RefundMode::Immediate).then_some(now),
        };
        trade.refunds.push(refund.clone());
        if trade.refunded_in_full() {
            trade.state = TradeState::Closed;
        }
        Ok((trade.clone(), refund))
    }

    /// Finishes a refund left processing: the trade and the refund after, or `None` when no
    /// such refund is processing.
    pub fn finish_refund(&self, out_request_no: &str, outcome: RefundState) -> Option<(Trade, Refund)> {
        let mut trades = lock(&self.trades);
        let trade = trades.values_mut().find(|t| t.refund(out_request_no).is_some())?;
        let refund = trade.refunds.iter_mut().find(|r| r.out_request_no == out_request_no)?;
        if refund.state != RefundState::Processing || outcome == RefundState::Processing {
            return None;
        }
        refund.state = outcome;
        refund.finished_at = Some(certdesk_core::now_shanghai());
        let refund = refund.clone();
        if trade.refunded_in_full() {
            trade.state = TradeState::Closed;
        }
        Some((trade.clone(), refund))
    }
}

/// A merchant's Alipay user id, derived from its key like its other ids: stable across restarts.
fn seller_id_of(public_key_pem: &str) -> String {
    let digits: String = serial_of(public_key_pem.trim()).bytes().rev().map(|b| char::from(b'0' + b % 10)).collect();
    format!("2088{}", &digits[..12])
}
