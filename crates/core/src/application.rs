use crate::ids::{
    ApplicantName, CreditCode, Email, IdNumber, Mobile, OrganisationName, PostalAddress, Quantity, Refusal,
};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The most certificates one application may ask for, unless the platform configures otherwise.
pub const DEFAULT_MAX_QUANTITY: u32 = 20;

/// How the certificate reaches the organisation: mailed after production (制证后邮寄), or collected
/// in person at the platform's service counter (现场办理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum DeliveryMethod {
    Mail,
    Counter,
}

/// What the applicant typed into the 申领 form, before any rule is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationForm {
    /// CA服务商, by the platform's provider id.
    pub provider_id: String,
    /// 申领数量.
    pub quantity: u32,
    /// 机构名称.
    pub organisation_name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 申领人.
    pub applicant_name: String,
    /// 身份证号 of the applicant.
    pub id_number: String,
    /// 手机号码 of the applicant.
    pub mobile: String,
    /// 电子邮箱: where the electronic invoice goes.
    pub email: String,
    pub delivery: DeliveryMethod,
    /// 收件人, 联系电话 and 邮寄地址: required when the certificate is mailed.
    pub recipient: String,
    pub recipient_mobile: String,
    pub address: String,
}

/// A field of [`ApplicationForm`], named as the form names it (camelCase over the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FormField {
    ProviderId,
    Quantity,
    OrganisationName,
    CreditCode,
    ApplicantName,
    IdNumber,
    Mobile,
    Email,
    Recipient,
    RecipientMobile,
    Address,
}

impl FormField {
    /// The form's own label for the field.
    pub fn label_zh(self) -> &'static str {
        match self {
            FormField::ProviderId => "CA服务商",
            FormField::Quantity => "申领数量",
            FormField::OrganisationName => "机构名称",
            FormField::CreditCode => "统一社会信用代码",
            FormField::ApplicantName => "申领人",
            FormField::IdNumber => "身份证号",
            FormField::Mobile => "手机号码",
            FormField::Email => "电子邮箱",
            FormField::Recipient => "收件人",
            FormField::RecipientMobile => "联系电话",
            FormField::Address => "邮寄地址",
        }
    }
}

/// Why one field of an application was refused, in Chinese for the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, utoipa::ToSchema)]
pub struct FieldError {
    pub field: FormField,
    pub message: String,
}

/// Where to mail the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailingAddress {
    pub recipient: String,
    pub mobile: Mobile,
    pub address: PostalAddress,
}

/// An application whose every field has passed the guide's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub provider_id: String,
    pub quantity: Quantity,
    pub organisation_name: OrganisationName,
    pub credit_code: CreditCode,
    pub applicant_name: ApplicantName,
    pub id_number: IdNumber,
    pub mobile: Mobile,
    pub email: Email,
    /// `None` means collection at the counter.
    pub mailing: Option<MailingAddress>,
}

impl Application {
    /// The fields in which `self` differs from `before`, in the form's order: what a resubmission
    /// after 审核未通过 changed. The delivery method counts as a change of the address fields.
    pub fn changed_fields(&self, before: &Application) -> Vec<FormField> {
        let mailing = |a: &Application| a.mailing.clone();
        let (now, then) = (mailing(self), mailing(before));
        let recipient = |m: &Option<MailingAddress>| m.as_ref().map(|m| m.recipient.clone());
        let recipient_mobile = |m: &Option<MailingAddress>| m.as_ref().map(|m| m.mobile.clone());
        let address = |m: &Option<MailingAddress>| m.as_ref().map(|m| m.address.clone());
        [
            (FormField::ProviderId, self.provider_id != before.provider_id),
            (FormField::Quantity, self.quantity != before.quantity),
            (FormField::OrganisationName, self.organisation_name != before.organisation_name),
            (FormField::CreditCode, self.credit_code != before.credit_code),
            (FormField::ApplicantName, self.applicant_name != before.applicant_name),
            (FormField::IdNumber, self.id_number != before.id_number),
            (FormField::Mobile, self.mobile != before.mobile),
            (FormField::Email, self.email != before.email),
            (FormField::Recipient, recipient(&now) != recipient(&then)),
            (FormField::RecipientMobile, recipient_mobile(&now) != recipient_mobile(&then)),
            (FormField::Address, address(&now) != address(&then)),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect()
    }

    /// Whether the change touches who the applicant is: then identity must be verified again.
    pub fn identity_changed(&self, before: &Application) -> bool {
        self.applicant_name != before.applicant_name || self.id_number != before.id_number
    }
}

/// Every refused field of `form`, empty when it would be accepted: what the form shows as the
/// applicant types.
pub fn check_application(form: &ApplicationForm, max_quantity: u32) -> Vec<FieldError> {
    match Application::parse(form, max_quantity) {
        Ok(_) => Vec::new(),
        Err(Error::InvalidApplication(fields)) => fields,
        Err(Error::InvalidOrderNumber | Error::InvalidInvoice(_) | Error::InvalidListQuery(_)) => {
            unreachable!("parsing an application reads no order number, invoice or list query")
        }
    }
}

impl Application {
    /// Applies every rule to the form and reports every refused field at once, so the applicant can
    /// correct them all in one go.
    pub fn parse(form: &ApplicationForm, max_quantity: u32) -> Result<Application> {
        let mut errors = Vec::new();
        let provider_id = take(
            &mut errors,
            FormField::ProviderId,
            if form.provider_id.trim().is_empty() {
                Err("请选择CA服务商".into())
            } else {
                Ok(form.provider_id.trim().to_owned())
            },
        );
        let quantity = take(&mut errors, FormField::Quantity, Quantity::parse(form.quantity, max_quantity));
        let organisation_name =
            take(&mut errors, FormField::OrganisationName, OrganisationName::parse(&form.organisation_name));
        let credit_code = take(&mut errors, FormField::CreditCode, CreditCode::parse(&form.credit_code));
        let applicant_name = take(&mut errors, FormField::ApplicantName, ApplicantName::parse(&form.applicant_name));
        let id_number = take(&mut errors, FormField::IdNumber, IdNumber::parse(&form.id_number));
        let mobile = take(&mut errors, FormField::Mobile, Mobile::parse(&form.mobile));
        let email = take(&mut errors, FormField::Email, Email::parse(&form.email));
        let mailing = match form.delivery {
            DeliveryMethod::Counter => Some(None),
            DeliveryMethod::Mail => {
                let recipient = take(&mut errors, FormField::Recipient, parse_recipient(&form.recipient));
                let mobile = take(
                    &mut errors,
                    FormField::RecipientMobile,
                    Mobile::parse(&form.recipient_mobile).map_err(|m| m.replace("手机号码", "收件人手机号码")),
                );
                let address = take(&mut errors, FormField::Address, PostalAddress::parse(&form.address));
                match (recipient, mobile, address) {
                    (Some(recipient), Some(mobile), Some(address)) => {
                        Some(Some(MailingAddress { recipient, mobile, address }))
                    }
                    _ => None,
                }
            }
        };
        match (provider_id, quantity, organisation_name, credit_code, applicant_name, id_number, mobile, email, mailing)
        {
            (
                Some(provider_id),
                Some(quantity),
                Some(organisation_name),
                Some(credit_code),
                Some(applicant_name),
                Some(id_number),
                Some(mobile),
                Some(email),
                Some(mailing),
            ) => Ok(Application {
                provider_id,
                quantity,
                organisation_name,
                credit_code,
                applicant_name,
                id_number,
                mobile,
                email,
                mailing,
            }),
            _ => Err(Error::InvalidApplication(errors)),
        }
    }
}

/// The value, or `None` with the refusal recorded against `field`.
fn take<T>(errors: &mut Vec<FieldError>, field: FormField, result: Result<T, Refusal>) -> Option<T> {
    result.map_err(|message| errors.push(FieldError { field, message })).ok()
}

fn parse_recipient(text: &str) -> Result<String, Refusal> {
    let name = text.trim();
    match name.chars().count() {
        0 => Err("请输入收件人".into()),
        1..=30 if !name.chars().any(char::is_control) => Ok(name.to_owned()),
        _ => Err("收件人应为1至30个字".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_form() -> ApplicationForm {
        ApplicationForm {
            provider_id: "zjhx".into(),
            quantity: 2,
            organisation_name: "晨安入驻供应商".into(),
            credit_code: "91330106MA27XY812F".into(),
            applicant_name: "陈晨".into(),
            id_number: "330102198001010018".into(),
            mobile: "13800138000".into(),
            email: "invoice@example.com".into(),
            delivery: DeliveryMethod::Mail,
            recipient: "陈晨".into(),
            recipient_mobile: "13800138000".into(),
            address: "浙江省杭州市西湖区文三路1号".into(),
        }
    }

    #[test]
    fn a_resubmission_names_exactly_the_changed_fields_and_whether_identity_changed() {
        let before = Application::parse(&valid_form(), 10).unwrap();
        assert_eq!(before.changed_fields(&before), vec![]);
        let form = ApplicationForm { mobile: "13900139000".into(), email: "cw@example.com".into(), ..valid_form() };
        let contact = Application::parse(&form, 10).unwrap();
        assert_eq!(contact.changed_fields(&before), vec![FormField::Mobile, FormField::Email]);
        assert!(!contact.identity_changed(&before));
        let form = ApplicationForm { id_number: "11010519491231002X".into(), ..valid_form() };
        let identity = Application::parse(&form, 10).unwrap();
        assert_eq!(identity.changed_fields(&before), vec![FormField::IdNumber]);
        assert!(identity.identity_changed(&before));
        let form = ApplicationForm { delivery: DeliveryMethod::Counter, ..valid_form() };
        let counter = Application::parse(&form, 10).unwrap();
        assert_eq!(
            counter.changed_fields(&before),
            vec![FormField::Recipient, FormField::RecipientMobile, FormField::Address]
        );
    }

    #[test]
    fn a_complete_form_parses_into_an_application() {
        let app = Application::parse(&valid_form(), 20).unwrap();
        assert_eq!(app.quantity.get(), 2);
        assert_eq!(app.mailing.unwrap().address.as_str(), "浙江省杭州市西湖区文三路1号");
    }

    #[test]
    fn counter_collection_needs_no_mailing_address() {
        let form = ApplicationForm {
            delivery: DeliveryMethod::Counter,
            recipient: String::new(),
            address: String::new(),
            ..valid_form()
        };
        assert_eq!(Application::parse(&form, 20).unwrap().mailing, None);
    }

    #[test]
    fn every_refused_field_is_reported_at_once() {
        let form = ApplicationForm {
            provider_id: " ".into(),
            quantity: 0,
            credit_code: "91330106MA27XY812E".into(),
            address: String::new(),
            ..valid_form()
        };
        let Err(Error::InvalidApplication(errors)) = Application::parse(&form, 20) else { panic!("must be refused") };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, [FormField::ProviderId, FormField::Quantity, FormField::CreditCode, FormField::Address]);
        assert_eq!(errors[2].message, "统一社会信用代码校验位错误，请核对后重新输入");
    }
}
