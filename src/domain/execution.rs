//! Execution IDs and the input each Step Functions execution receives.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use serde::Serialize;

use crate::domain::ids::{AccountId, CustomerId, PartnerCustomerId, PartnerId};

const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SUFFIX_LENGTH: usize = 4;

/// Builds `ondemand-{customerId}-{accountId}-{YYYY-MM-DD}_{SUFFIX}`, the
/// execution name, with the UTC date of `now` and a random 4-character suffix.
pub fn execution_id(
    customer_id: &CustomerId,
    account_id: &AccountId,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> String {
    let suffix: String = (0..SUFFIX_LENGTH)
        .map(|_| SUFFIX_ALPHABET[rng.random_range(0..SUFFIX_ALPHABET.len())] as char)
        .collect();
    format!(
        "ondemand-{customer_id}-{account_id}-{}_{suffix}",
        now.format("%Y-%m-%d")
    )
}

/// Origin of an analysis request: the caller and the request IDs.
#[derive(Clone, Debug)]
pub struct RequestOrigin {
    /// IAM principal ARN of the signed caller.
    pub caller_arn: String,
    /// API Gateway's request ID, or the Lambda request ID when the event has none.
    pub request_id: String,
    /// The Lambda request ID of this invocation.
    pub invocation_id: String,
}

/// The JSON input of an analysis execution.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionInput {
    pub partner_id: String,
    pub partner_customer_id: String,
    pub customer_id: String,
    pub account_id: String,
    pub execution_id: String,
    pub requested_at: String,
    pub requested_by: String,
    pub request_id: String,
    pub invocation_id: String,
}

/// One analysis about to start: the validated IDs and where the request came from.
#[derive(Clone, Debug)]
pub struct Analysis<'a> {
    pub partner_id: &'a PartnerId,
    pub partner_customer_id: &'a PartnerCustomerId,
    pub customer_id: &'a CustomerId,
    pub account_id: &'a AccountId,
    pub origin: &'a RequestOrigin,
    pub requested_at: DateTime<Utc>,
}

impl Analysis<'_> {
    /// Builds the execution input for the attempt named `execution_id`.
    pub fn input(&self, execution_id: &str) -> ExecutionInput {
        ExecutionInput {
            partner_id: self.partner_id.to_string(),
            partner_customer_id: self.partner_customer_id.to_string(),
            customer_id: self.customer_id.to_string(),
            account_id: self.account_id.to_string(),
            execution_id: execution_id.to_string(),
            requested_at: self
                .requested_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            requested_by: self.origin.caller_arn.clone(),
            request_id: self.origin.request_id.clone(),
            invocation_id: self.origin.invocation_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use regex::Regex;

    use super::*;

    #[test]
    fn execution_id_has_published_form() {
        let customer = CustomerId::parse("P123456-430363089266", "customerId").unwrap();
        let account = AccountId::parse("123456789012", "accountId").unwrap();
        let now = Utc.with_ymd_and_hms(2022, 11, 11, 23, 59, 59).unwrap();
        let pattern =
            Regex::new(r"^ondemand-P123456-430363089266-123456789012-2022-11-11_[A-Z0-9]{4}$")
                .unwrap();
        let mut rng = rand::rng();
        for _ in 0..200 {
            let id = execution_id(&customer, &account, now, &mut rng);
            assert!(pattern.is_match(&id), "{id}");
            assert!(
                id.len() <= 80,
                "Step Functions names are at most 80 characters: {id}"
            );
        }
    }

    #[test]
    fn execution_input_carries_request_fields() {
        let partner_id = PartnerId::parse("P123456", "partnerId").unwrap();
        let partner_customer_id = PartnerCustomerId::parse("cust.0001", "x").unwrap();
        let customer_id = CustomerId::parse("P123456-000000000042", "customerId").unwrap();
        let account_id = AccountId::parse("123456789012", "accountId").unwrap();
        let origin = RequestOrigin {
            caller_arn: "arn:aws:sts::111122223333:assumed-role/Caller/s".to_string(),
            request_id: "api-request".to_string(),
            invocation_id: "lambda-request".to_string(),
        };
        let analysis = Analysis {
            partner_id: &partner_id,
            partner_customer_id: &partner_customer_id,
            customer_id: &customer_id,
            account_id: &account_id,
            origin: &origin,
            requested_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        };
        let input = serde_json::to_value(analysis.input("ondemand-x")).unwrap();
        let expected = serde_json::json!({
            "partnerId": "P123456",
            "partnerCustomerId": "cust.0001",
            "customerId": "P123456-000000000042",
            "accountId": "123456789012",
            "executionId": "ondemand-x",
            "requestedAt": "2026-01-02T03:04:05.000Z",
            "requestedBy": "arn:aws:sts::111122223333:assumed-role/Caller/s",
            "requestId": "api-request",
            "invocationId": "lambda-request",
        });
        assert_eq!(input, expected);
    }
}
