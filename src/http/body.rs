//! Content-Type, body size and the JSON body's fields.

use base64::Engine;
use serde_json::{Map, Value};

use crate::domain::echo;
use crate::http::error::ApiError;
use crate::http::route::AnalysisPath;

/// Largest accepted body, counted after base64 decoding.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

const FIELDS: [(&str, &str); 3] = [
    ("partnerId", "partner_id"),
    ("partnerCustomerId", "partner_customer_id"),
    ("accountId", "account_id"),
];

/// Accepts `application/json` with optional parameters, in any letter case,
/// and rejects a charset other than UTF-8 because JSON is UTF-8 (RFC 8259).
pub fn check_content_type(values: &[String]) -> Result<(), ApiError> {
    if values.is_empty() {
        return Err(ApiError::UnsupportedMediaType { received: None });
    }
    match values.iter().find(|value| !is_json_media_type(value)) {
        Some(value) => Err(ApiError::UnsupportedMediaType {
            received: Some(value.clone()),
        }),
        None => Ok(()),
    }
}

fn is_json_media_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|parameter| {
        let (name, argument) = parameter.split_once('=').unwrap_or((parameter, ""));
        let argument = argument.trim().trim_matches('"');
        !name.trim().eq_ignore_ascii_case("charset")
            || argument.eq_ignore_ascii_case("utf-8")
            || argument.eq_ignore_ascii_case("utf8")
    })
}

/// Decodes the body from base64 when API Gateway encoded it, then checks its size.
pub fn decode_body(body: Option<&str>, is_base64_encoded: bool) -> Result<Vec<u8>, ApiError> {
    let raw = body.unwrap_or_default();
    let bytes = if is_base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .map_err(|_| ApiError::InvalidBody("request body is not valid base64".to_string()))?
    } else {
        raw.as_bytes().to_vec()
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { size: bytes.len() });
    }
    Ok(bytes)
}

/// Checks that the body is a JSON object whose three fields equal the path parameters.
pub fn check_fields(bytes: &[u8], path: &AnalysisPath) -> Result<(), ApiError> {
    let object = parse_object(bytes)?;
    if let Some(duplicate) = duplicate_key(bytes) {
        return Err(ApiError::InvalidBody(format!(
            "field \"{}\" appears more than once in request body; send each field once",
            echo(&duplicate)
        )));
    }
    if let Some(unknown) = object
        .keys()
        .find(|key| !FIELDS.iter().any(|(f, _)| f == key))
    {
        return Err(ApiError::InvalidBody(format!(
            "unknown field \"{}\" in request body; only partnerId, partnerCustomerId and \
             accountId are accepted",
            echo(unknown)
        )));
    }
    let expected = [
        path.partner_id.as_str(),
        path.partner_customer_id.as_str(),
        path.account_id.as_str(),
    ];
    for ((field, parameter), expected) in FIELDS.into_iter().zip(expected) {
        check_field(&object, field, parameter, expected)?;
    }
    Ok(())
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let hint = "send a JSON object with partnerId, partnerCustomerId and accountId";
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::InvalidBody(format!(
            "request body is empty; {hint}"
        )));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::InvalidBody(format!(
            "request body is not a JSON object; {hint}"
        ))),
        Err(error) => Err(ApiError::InvalidBody(format!(
            "request body is not valid JSON ({} at line {} column {}); {hint}",
            json_error_kind(&error),
            error.line(),
            error.column()
        ))),
    }
}

/// Returns the first top-level key that appears twice in a JSON object.
/// `serde_json::Value` keeps only the last value of a repeated key, so a
/// body could otherwise carry two different account IDs.
fn duplicate_key(bytes: &[u8]) -> Option<String> {
    struct FirstDuplicate;

    impl<'de> serde::de::Visitor<'de> for FirstDuplicate {
        type Value = Option<String>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a JSON object")
        }

        fn visit_map<M: serde::de::MapAccess<'de>>(
            self,
            mut map: M,
        ) -> Result<Self::Value, M::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                if !seen.insert(key.clone()) {
                    return Ok(Some(key));
                }
            }
            Ok(None)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde::Deserializer::deserialize_map(&mut deserializer, FirstDuplicate)
        .ok()
        .flatten()
}

fn json_error_kind(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "invalid data",
    }
}

fn check_field(
    object: &Map<String, Value>,
    field: &str,
    parameter: &str,
    expected: &str,
) -> Result<(), ApiError> {
    let fix = format!("set it to the {parameter} in the path ({expected})");
    match object.get(field) {
        None => Err(ApiError::InvalidBody(format!(
            "missing field {field} in request body; {fix}"
        ))),
        Some(Value::String(value)) if value == expected => Ok(()),
        Some(Value::String(value)) => Err(ApiError::InvalidBody(format!(
            "field {field} (\"{}\") does not match {parameter} in the path; {fix}",
            echo(value)
        ))),
        Some(_) => Err(ApiError::InvalidBody(format!(
            "field {field} must be a string; {fix}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::route::RawPath;

    fn path() -> AnalysisPath {
        RawPath {
            partner_id: "P123456".to_string(),
            partner_customer_id: "cust.0001".to_string(),
            account_id: "123456789012".to_string(),
        }
        .validate()
        .unwrap()
    }

    fn message(error: ApiError) -> String {
        match error {
            ApiError::InvalidBody(message) => message,
            other => panic!("expected InvalidBody, got {other:?}"),
        }
    }

    const VALID: &str =
        r#"{"partnerId":"P123456","partnerCustomerId":"cust.0001","accountId":"123456789012"}"#;

    #[test]
    fn content_type_accepts_json_variants() {
        for value in [
            "application/json",
            "Application/JSON",
            "application/json; charset=UTF-8",
            "application/json;charset=\"utf-8\"",
            " application/json ",
        ] {
            assert!(check_content_type(&[value.to_string()]).is_ok(), "{value}");
        }
    }

    #[test]
    fn content_type_rejects_other_types() {
        for value in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonx",
            "application/json; charset=utf-16",
            "",
            "multipart/form-data",
        ] {
            let error = check_content_type(&[value.to_string()]).unwrap_err();
            assert!(
                matches!(error, ApiError::UnsupportedMediaType { .. }),
                "{value}"
            );
        }
        let missing = check_content_type(&[]).unwrap_err();
        assert!(matches!(
            missing,
            ApiError::UnsupportedMediaType { received: None }
        ));
    }

    #[test]
    fn content_type_rejects_any_non_json_value() {
        let values = ["application/json".to_string(), "text/plain".to_string()];
        assert!(check_content_type(&values).is_err());
    }

    #[test]
    fn body_limit_counts_decoded_bytes() {
        let exact = "a".repeat(MAX_BODY_BYTES);
        assert_eq!(
            decode_body(Some(&exact), false).unwrap().len(),
            MAX_BODY_BYTES
        );
        let over = "a".repeat(MAX_BODY_BYTES + 1);
        assert!(matches!(
            decode_body(Some(&over), false),
            Err(ApiError::PayloadTooLarge { size }) if size == MAX_BODY_BYTES + 1
        ));
        let encoded = base64::engine::general_purpose::STANDARD.encode(exact.as_bytes());
        assert!(encoded.len() > MAX_BODY_BYTES);
        assert_eq!(
            decode_body(Some(&encoded), true).unwrap().len(),
            MAX_BODY_BYTES
        );
    }

    #[test]
    fn body_rejects_invalid_base64() {
        let message = message(decode_body(Some("not base64!"), true).unwrap_err());
        assert_eq!(message, "request body is not valid base64");
    }

    #[test]
    fn fields_accept_matching_body() {
        assert!(check_fields(VALID.as_bytes(), &path()).is_ok());
    }

    #[test]
    fn fields_name_the_problem() {
        let cases = [
            ("", "request body is empty"),
            ("[]", "request body is not a JSON object"),
            (
                "{",
                "request body is not valid JSON (unexpected end of input",
            ),
            (
                r#"{"partnerId":"P123456"}"#,
                "missing field partnerCustomerId",
            ),
            (
                r#"{"partnerId":"P123456","partnerCustomerId":"cust.0001","accountId":"999999999999"}"#,
                "field accountId (\"999999999999\") does not match account_id in the path; \
                 set it to the account_id in the path (123456789012)",
            ),
            (
                r#"{"partnerId":1,"partnerCustomerId":"cust.0001","accountId":"123456789012"}"#,
                "field partnerId must be a string",
            ),
            (
                r#"{"partnerId":"P123456","partnerCustomerId":"cust.0001","accountId":"123456789012","scope":{}}"#,
                "unknown field \"scope\" in request body",
            ),
            (
                r#"{"accountId":"999999999999","partnerId":"P123456","partnerCustomerId":"cust.0001","accountId":"123456789012"}"#,
                "field \"accountId\" appears more than once in request body; send each field once",
            ),
        ];
        for (body, start) in cases {
            let message = message(check_fields(body.as_bytes(), &path()).unwrap_err());
            assert!(message.starts_with(start), "{body}: {message}");
        }
    }
}
