//! Route matching and path parameters.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;

use crate::domain::ids::{AccountId, InvalidId, PartnerCustomerId, PartnerId};
use crate::domain::ids::{ACCOUNT_ID_FORM, PARTNER_CUSTOMER_ID_FORM, PARTNER_ID_FORM};

/// The only route the function serves, as API Gateway writes it.
pub const ROUTE: &str =
    "/partner/{partner_id}/customer/{partner_customer_id}/account/{account_id}/analysis";

/// The only method the route accepts.
pub const METHOD: &str = "POST";

const PARAMETER_NAMES: [&str; 3] = ["partner_id", "partner_customer_id", "account_id"];

/// The three path parameters, percent-decoded but not yet validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawPath {
    pub partner_id: String,
    pub partner_customer_id: String,
    pub account_id: String,
}

/// The validated path parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalysisPath {
    pub partner_id: PartnerId,
    pub partner_customer_id: PartnerCustomerId,
    pub account_id: AccountId,
}

/// Matches `path` against the route, ignoring a stage name or custom-domain
/// base path in front of `/partner/...`. The values come from
/// `path_parameters` when it contains all three names, else from the path.
/// Returns `None` when the request is for another route.
pub fn match_route(path: &str, path_parameters: &HashMap<String, String>) -> Option<RawPath> {
    let segments = route_segments(path)?;
    let from_parameters = PARAMETER_NAMES
        .iter()
        .map(|name| path_parameters.get(*name).map(String::as_str))
        .collect::<Option<Vec<&str>>>();
    let values = from_parameters.unwrap_or(segments);
    Some(RawPath {
        partner_id: values[0].to_string(),
        partner_customer_id: values[1].to_string(),
        account_id: values[2].to_string(),
    })
}

fn route_segments(path: &str) -> Option<Vec<&str>> {
    let segments: Vec<&str> = path.split('/').collect();
    let tail = segments.get(segments.len().checked_sub(7)?..)?;
    let literals_match = tail[0] == "partner"
        && tail[2] == "customer"
        && tail[4] == "account"
        && tail[6] == "analysis";
    let values = vec![tail[1], tail[3], tail[5]];
    (literals_match && values.iter().all(|value| !value.is_empty())).then_some(values)
}

impl RawPath {
    /// Percent-decodes each value once and validates it, naming the first
    /// parameter that is invalid.
    pub fn validate(&self) -> Result<AnalysisPath, InvalidId> {
        let partner_id = decode(&self.partner_id, "partner_id", PARTNER_ID_FORM)?;
        let partner_customer_id = decode(
            &self.partner_customer_id,
            "partner_customer_id",
            PARTNER_CUSTOMER_ID_FORM,
        )?;
        let account_id = decode(&self.account_id, "account_id", ACCOUNT_ID_FORM)?;
        Ok(AnalysisPath {
            partner_id: PartnerId::parse(&partner_id, "partner_id")?,
            partner_customer_id: PartnerCustomerId::parse(
                &partner_customer_id,
                "partner_customer_id",
            )?,
            account_id: AccountId::parse(&account_id, "account_id")?,
        })
    }
}

fn decode(value: &str, name: &'static str, expected: &'static str) -> Result<String, InvalidId> {
    percent_decode_str(value)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| InvalidId::new(name, value, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/partner/P123456/customer/cust.0001/account/123456789012/analysis";

    fn raw(partner: &str, customer: &str, account: &str) -> RawPath {
        RawPath {
            partner_id: partner.to_string(),
            partner_customer_id: customer.to_string(),
            account_id: account.to_string(),
        }
    }

    #[test]
    fn route_matches_bare_and_prefixed_paths() {
        let expected = raw("P123456", "cust.0001", "123456789012");
        for prefix in ["", "/prod", "/v1/k9-api"] {
            let path = format!("{prefix}{PATH}");
            assert_eq!(
                match_route(&path, &HashMap::new()),
                Some(expected.clone()),
                "{path}"
            );
        }
    }

    #[test]
    fn route_prefers_event_path_parameters() {
        let parameters = HashMap::from([
            ("partner_id".to_string(), "P000001".to_string()),
            ("partner_customer_id".to_string(), "cust%2E0002".to_string()),
            ("account_id".to_string(), "000000000001".to_string()),
        ]);
        let matched = match_route(PATH, &parameters).unwrap();
        assert_eq!(matched, raw("P000001", "cust%2E0002", "000000000001"));
    }

    #[test]
    fn route_checks_path_even_with_parameters() {
        let parameters = HashMap::from([
            ("partner_id".to_string(), "P000001".to_string()),
            ("partner_customer_id".to_string(), "cust.0002".to_string()),
            ("account_id".to_string(), "000000000001".to_string()),
        ]);
        let other_route = "/partner/P000001/customer/cust.0002/account/000000000001/delete";
        assert_eq!(match_route(other_route, &parameters), None);
        assert_eq!(match_route("", &parameters), None);
    }

    #[test]
    fn route_rejects_other_paths() {
        for path in [
            "",
            "/",
            "/partner/P123456/customer/c/account/123456789012",
            "/partner/P123456/customer/c/account/123456789012/analysis/",
            "/partner/P123456/customers/c/account/123456789012/analysis",
            "/partner//customer/c/account/123456789012/analysis",
        ] {
            assert_eq!(match_route(path, &HashMap::new()), None, "{path}");
        }
    }

    #[test]
    fn validate_decodes_percent_once() {
        let path = raw("P123456", "cust%2E0001", "123456789012")
            .validate()
            .unwrap();
        assert_eq!(path.partner_customer_id.as_str(), "cust.0001");
        let twice = raw("P123456", "cust%252E0001", "123456789012")
            .validate()
            .unwrap_err();
        assert_eq!(twice.name, "partner_customer_id");
    }

    #[test]
    fn validate_names_first_invalid_parameter() {
        let cases = [
            (raw("P12345", "abcdef", "123456789012"), "partner_id"),
            (raw("P123456", "abc", "123456789012"), "partner_customer_id"),
            (
                raw("P123456", "abc%FFdef", "123456789012"),
                "partner_customer_id",
            ),
            (raw("P123456", "abcdef", "12345678901x"), "account_id"),
        ];
        for (path, name) in cases {
            assert_eq!(path.validate().unwrap_err().name, name, "{path:?}");
        }
    }
}
