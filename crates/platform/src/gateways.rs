//! The merchant accounts the platform pays through: 支付宝 and 微信支付 with real credentials, or
//! the sandbox gateway (embedded or running apart), built from `[payments]`.

use crate::config::PaymentsConfig;
use crate::store::{PaymentRow, RefundRequest};
use crate::{PlatformError, Result};
use certdesk_api::PaymentMethod;
use certdesk_gateway::{GatewayConfig, GatewayHandle, RegistrationRequest};
use certdesk_pay::client::{
    AlipayMerchant, Opened, PaymentProvider, RefundOutcome, TradeQuery, TradeRequest, WechatMerchant,
};
use certdesk_pay::wechat::Merchant;
use certdesk_pay::{RsaSigner, RsaVerifier};
use std::path::Path;
use std::time::Duration;

/// The merchant accounts the platform pays through.
pub struct Gateways {
    pub(crate) alipay: Option<Box<dyn PaymentProvider>>,
    pub(crate) wechat: Option<Box<dyn PaymentProvider>>,
    /// `http://host:port` the gateways send notifications to.
    pub(crate) notify_base: String,
    pub(crate) reconcile_every: Duration,
    /// The last day whose bills the daily 对账 compared.
    pub(crate) billed_through: std::sync::Mutex<Option<chrono::NaiveDate>>,
    pub(crate) expire_after: chrono::Duration,
    /// The sandbox gateway, when the platform runs it itself.
    pub(crate) _sandbox: Option<GatewayHandle>,
    /// The sandbox gateway's address, embedded or configured.
    pub(crate) sandbox_url: Option<String>,
}

fn config_error(what: &str, e: impl std::fmt::Display) -> PlatformError {
    PlatformError::Config(format!("{what}：{e}"))
}

fn read_pem(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| config_error(&path.display().to_string(), e))
}

impl Gateways {
    /// The gateways of `[payments]`; `None` when no online payment is configured.
    pub async fn from_config(config: &PaymentsConfig, data_dir: &Path, own_url: &str) -> Result<Option<Gateways>> {
        let notify_base = config.public_url.clone().unwrap_or_else(|| own_url.to_owned());
        let mut gateways = Gateways {
            alipay: None,
            wechat: None,
            notify_base: notify_base.trim_end_matches('/').to_owned(),
            reconcile_every: Duration::from_secs_f64(config.reconcile_every_seconds.unwrap_or(60.0).max(0.05)),
            expire_after: chrono::Duration::minutes(config.expire_after_minutes.unwrap_or(30) as i64),
            _sandbox: None,
            sandbox_url: None,
            billed_through: std::sync::Mutex::new(None),
        };
        if let Some(sandbox) = &config.sandbox_gateway {
            let url = if sandbox == "embedded" {
                let handle = certdesk_gateway::Gateway::start(GatewayConfig::local(data_dir.join("sandbox-gateway")))
                    .await
                    .map_err(|e| config_error("沙箱支付网关", e))?;
                let url = handle.url();
                gateways._sandbox = Some(handle);
                url
            } else {
                sandbox.trim_end_matches('/').to_owned()
            };
            gateways.sandbox_url = Some(url.clone());
            let key = |_| {
                certdesk_pay::load_or_create_key_pair(data_dir, "merchant-key").map_err(|e| config_error("商户密钥", e))
            };
            let (_, public_key_pem) = key(())?;
            let registration = certdesk_gateway::register_over_http(
                &url,
                &RegistrationRequest { name: "CertDesk 平台".into(), public_key_pem },
            )
            .await
            .map_err(|e| config_error("沙箱支付网关注册", e))?;
            let verifier = |pem: &str| RsaVerifier::from_public_key_pem(pem).map_err(|e| config_error("网关公钥", e));
            gateways.alipay = Some(Box::new(AlipayMerchant::new(
                format!("{url}/gateway.do"),
                registration.alipay_app_id.clone(),
                registration.alipay_seller_id.clone(),
                key(())?.0,
                verifier(&registration.alipay_public_key_pem)?,
            )));
            gateways.wechat = Some(Box::new(WechatMerchant::new(
                url,
                registration.wechat_app_id.clone(),
                Merchant {
                    merchant_id: registration.wechat_merchant_id.clone(),
                    certificate_serial: registration.wechat_merchant_serial.clone(),
                    signer: key(())?.0,
                },
                registration.wechat_platform_serial.clone(),
                verifier(&registration.wechat_platform_public_key_pem)?,
                registration
                    .wechat_api_v3_key
                    .as_bytes()
                    .try_into()
                    .map_err(|_| config_error("APIv3 密钥", "长度不是32"))?,
            )));
        }
        if let Some(alipay) = &config.alipay {
            gateways.alipay = Some(Box::new(AlipayMerchant::new(
                alipay.gateway_url.clone(),
                alipay.app_id.clone(),
                alipay.seller_id.clone(),
                RsaSigner::from_pkcs8_pem(&read_pem(&alipay.private_key)?)
                    .map_err(|e| config_error("支付宝商户私钥", e))?,
                RsaVerifier::from_public_key_pem(&read_pem(&alipay.alipay_public_key)?)
                    .map_err(|e| config_error("支付宝公钥", e))?,
            )));
        }
        if let Some(wechat) = &config.wechat {
            gateways.wechat = Some(Box::new(WechatMerchant::new(
                wechat.base_url.trim_end_matches('/').to_owned(),
                wechat.app_id.clone(),
                Merchant {
                    merchant_id: wechat.merchant_id.clone(),
                    certificate_serial: wechat.merchant_serial.clone(),
                    signer: RsaSigner::from_pkcs8_pem(&read_pem(&wechat.private_key)?)
                        .map_err(|e| config_error("微信支付商户私钥", e))?,
                },
                wechat.platform_serial.clone(),
                RsaVerifier::from_public_key_pem(&read_pem(&wechat.platform_public_key)?)
                    .map_err(|e| config_error("微信支付平台公钥", e))?,
                wechat.api_v3_key.as_bytes().try_into().map_err(|_| config_error("APIv3 密钥", "长度须为32个字符"))?,
            )));
        }
        Ok((gateways.alipay.is_some() || gateways.wechat.is_some()).then_some(gateways))
    }

    /// The sandbox gateway's address, when payments go through it.
    pub(crate) fn sandbox_url(&self) -> Option<&str> {
        self.sandbox_url.as_deref()
    }

    /// The gateway of a method of online payment.
    pub(crate) fn gateway(&self, method: PaymentMethod) -> Result<&dyn PaymentProvider> {
        let (gateway, name) = match method {
            PaymentMethod::Alipay => (&self.alipay, "支付宝"),
            PaymentMethod::Wechat => (&self.wechat, "微信支付"),
            _ => return Err(PlatformError::Unprocessable("在线支付只能选择支付宝或微信支付".into())),
        };
        gateway
            .as_deref()
            .ok_or_else(|| PlatformError::PaymentUnavailable(format!("平台未开通{name}，请选择其他付款方式")))
    }

    /// Whether `method` can be paid online here; the refusal says why.
    pub(crate) fn offers(&self, method: PaymentMethod) -> Result<()> {
        self.gateway(method).map(|_| ())
    }

    /// Opens the trade at the gateway: 支付宝's page address, or 微信支付's code.
    pub async fn open(
        &self,
        method: PaymentMethod,
        out_trade_no: &str,
        fen: i64,
        subject: &str,
        return_url: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        let notify_url = self.notify_url(method);
        let trade = TradeRequest { out_trade_no, total_fen: fen, subject, return_url, notify_url: &notify_url };
        match self.gateway(method)?.open(trade).await {
            Ok(Opened::Page(url)) => Ok((Some(url), None)),
            Ok(Opened::Code(code)) => Ok((None, Some(code))),
            Err(e) => {
                tracing::warn!(error = %e, out_trade_no, "the gateway refused or could not be reached");
                Err(PlatformError::PaymentUnavailable("支付网关暂时无法使用，请稍后重试或选择其他付款方式".into()))
            }
        }
    }

    pub(crate) async fn query(&self, payment: &PaymentRow, out_trade_no: &str) -> Result<TradeQuery> {
        self.gateway(payment.method)?
            .query(out_trade_no, payment.amount_fen)
            .await
            .map_err(|e| PlatformError::PaymentUnavailable(format!("支付网关暂时无法查询：{e}")))
    }

    pub(crate) fn notify_url(&self, method: PaymentMethod) -> String {
        format!("{}/v1/payments/{}/notify", self.notify_base, method.code())
    }

    /// Asks the gateway to refund; an error is no answer (the refund stays owed and is sent again).
    pub(crate) async fn refund(&self, refund: &RefundRequest) -> Result<RefundOutcome> {
        let notify_url = self.notify_url(refund.method);
        let request = certdesk_pay::client::RefundRequest {
            out_trade_no: &refund.out_trade_no,
            out_request_no: &refund.out_request_no,
            refund_fen: refund.amount_fen,
            total_fen: refund.amount_fen,
            notify_url: &notify_url,
        };
        self.gateway(refund.method)?
            .refund(request)
            .await
            .map_err(|e| PlatformError::PaymentUnavailable(format!("退款请求未送达：{e}")))
    }

    /// The methods this platform pays through, each with its gateway.
    pub(crate) fn offered(&self) -> Vec<(PaymentMethod, &dyn PaymentProvider)> {
        [(PaymentMethod::Alipay, &self.alipay), (PaymentMethod::Wechat, &self.wechat)]
            .into_iter()
            .filter_map(|(method, gateway)| gateway.as_deref().map(|g| (method, g)))
            .collect()
    }

    pub(crate) async fn query_refund(&self, refund: &RefundRequest) -> Result<Option<RefundOutcome>> {
        self.gateway(refund.method)?
            .query_refund(&refund.out_trade_no, &refund.out_request_no)
            .await
            .map_err(|e| PlatformError::PaymentUnavailable(format!("退款查询失败：{e}")))
    }
}
