//! API Gateway proxy events, payload formats 1.0 (REST API) and 2.0 (HTTP API
//! and function URLs), read into one [`ApiRequest`].
//!
//! NOTE: `lambda_http` 1.3 turns events into requests with
//! `Body::from_maybe_encoded`, which panics on invalid base64 and matches
//! Content-Type case-sensitively, so the function reads events itself.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

/// The payload format an event arrived in; the response uses the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadFormat {
    /// REST API proxy integration, format 1.0.
    Rest,
    /// HTTP API or function URL, format 2.0.
    Http,
}

/// The parts of an API Gateway event the function reads.
#[derive(Clone, Debug, Default)]
pub struct ApiRequest {
    pub method: String,
    /// The request path as API Gateway passed it, possibly with a stage or base path in front.
    pub path: String,
    pub path_parameters: HashMap<String, String>,
    /// Every Content-Type value, from single- and multi-value headers.
    pub content_types: Vec<String>,
    pub body: Option<String>,
    pub is_base64_encoded: bool,
    /// IAM principal ARN of the signed caller, when API Gateway passed one.
    pub caller_arn: Option<String>,
    /// API Gateway's request ID.
    pub api_request_id: Option<String>,
}

/// An event that is not an API Gateway proxy event in either payload format.
#[derive(Debug, thiserror::Error)]
#[error("the event is not an API Gateway proxy event (format 1.0 or 2.0): {0}")]
pub struct UnsupportedEvent(String);

impl From<UnsupportedEvent> for lambda_runtime::Diagnostic {
    fn from(error: UnsupportedEvent) -> Self {
        Self {
            error_type: "UnsupportedEvent".to_string(),
            error_message: error.to_string(),
        }
    }
}

/// Failure to read an event.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not from API Gateway at all: the invocation fails.
    #[error(transparent)]
    Unsupported(#[from] UnsupportedEvent),
    /// Shaped like an API Gateway event but with a field of the wrong type,
    /// which API Gateway never sends: the response is a 500.
    #[error("malformed API Gateway event: {source}")]
    Malformed {
        request_id: Option<String>,
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RestEvent {
    http_method: Option<String>,
    path: Option<String>,
    path_parameters: Option<HashMap<String, Option<String>>>,
    headers: Option<HashMap<String, Option<String>>>,
    multi_value_headers: Option<HashMap<String, Option<Vec<String>>>>,
    body: Option<String>,
    is_base64_encoded: Option<bool>,
    request_context: Option<RestContext>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RestContext {
    request_id: Option<String>,
    identity: Option<RestIdentity>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RestIdentity {
    user_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct HttpEvent {
    raw_path: Option<String>,
    path_parameters: Option<HashMap<String, Option<String>>>,
    headers: Option<HashMap<String, Option<String>>>,
    body: Option<String>,
    is_base64_encoded: Option<bool>,
    request_context: Option<HttpContext>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct HttpContext {
    request_id: Option<String>,
    http: Option<HttpDescription>,
    authorizer: Option<HttpAuthorizer>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HttpDescription {
    method: Option<String>,
    path: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HttpAuthorizer {
    iam: Option<RestIdentity>,
}

/// Reads an event, telling the payload format from its `version` and `httpMethod` fields.
pub fn parse_event(event: Value) -> Result<(PayloadFormat, ApiRequest), EventError> {
    let version = event.get("version").and_then(Value::as_str);
    if version == Some("2.0") {
        let parsed: HttpEvent = from_value(event)?;
        return Ok((PayloadFormat::Http, http_request(parsed)));
    }
    if event.get("httpMethod").is_some() {
        let parsed: RestEvent = from_value(event)?;
        return Ok((PayloadFormat::Rest, rest_request(parsed)));
    }
    let reason = "it has neither \"version\": \"2.0\" nor \"httpMethod\"";
    Err(UnsupportedEvent(reason.to_string()).into())
}

fn from_value<T: for<'de> Deserialize<'de>>(event: Value) -> Result<T, EventError> {
    let request_id = event
        .pointer("/requestContext/requestId")
        .and_then(Value::as_str)
        .map(str::to_string);
    serde_json::from_value(event).map_err(|source| EventError::Malformed { request_id, source })
}

fn rest_request(event: RestEvent) -> ApiRequest {
    let mut content_types = header_values(event.headers.as_ref());
    for (name, values) in event.multi_value_headers.iter().flatten() {
        if name.eq_ignore_ascii_case("content-type") {
            content_types.extend(values.iter().flatten().cloned());
        }
    }
    content_types.dedup();
    let context = event.request_context.unwrap_or_default();
    ApiRequest {
        method: event.http_method.unwrap_or_default(),
        path: event.path.unwrap_or_default(),
        path_parameters: present_values(event.path_parameters),
        content_types,
        body: event.body,
        is_base64_encoded: event.is_base64_encoded.unwrap_or(false),
        caller_arn: context.identity.and_then(|identity| identity.user_arn),
        api_request_id: context.request_id,
    }
}

fn http_request(event: HttpEvent) -> ApiRequest {
    let context = event.request_context.unwrap_or_default();
    let http = context.http.unwrap_or_default();
    let caller_arn = context
        .authorizer
        .and_then(|authorizer| authorizer.iam)
        .and_then(|iam| iam.user_arn);
    ApiRequest {
        method: http.method.unwrap_or_default(),
        path: event.raw_path.or(http.path).unwrap_or_default(),
        path_parameters: present_values(event.path_parameters),
        content_types: header_values(event.headers.as_ref()),
        body: event.body,
        is_base64_encoded: event.is_base64_encoded.unwrap_or(false),
        caller_arn,
        api_request_id: context.request_id,
    }
}

fn header_values(headers: Option<&HashMap<String, Option<String>>>) -> Vec<String> {
    headers
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .filter_map(|(_, value)| value.clone())
        .collect()
}

fn present_values(map: Option<HashMap<String, Option<String>>>) -> HashMap<String, String> {
    map.into_iter()
        .flatten()
        .filter_map(|(name, value)| value.map(|value| (name, value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rest_event_reads_multi_value_content_type() {
        let event = json!({
            "httpMethod": "POST",
            "path": "/prod/partner/P123456/customer/abcdef/account/123456789012/analysis",
            "headers": null,
            "multiValueHeaders": {"CONTENT-TYPE": ["Application/JSON; charset=UTF-8"]},
            "pathParameters": null,
            "body": "{}",
            "isBase64Encoded": false,
            "requestContext": {"requestId": "r-1", "identity": {"userArn": "arn:x"}}
        });
        let (format, request) = parse_event(event).unwrap();
        assert_eq!(format, PayloadFormat::Rest);
        assert_eq!(
            request.content_types,
            vec!["Application/JSON; charset=UTF-8"]
        );
        assert_eq!(request.caller_arn.as_deref(), Some("arn:x"));
        assert_eq!(request.api_request_id.as_deref(), Some("r-1"));
        assert!(request.path_parameters.is_empty());
    }

    #[test]
    fn http_event_reads_iam_authorizer() {
        let event = json!({
            "version": "2.0",
            "rawPath": "/partner/P123456/customer/abcdef/account/123456789012/analysis",
            "headers": {"content-type": "application/json"},
            "requestContext": {
                "requestId": "r-2",
                "http": {"method": "POST"},
                "authorizer": {"iam": {"userArn": "arn:y"}}
            },
            "isBase64Encoded": true,
            "body": "e30="
        });
        let (format, request) = parse_event(event).unwrap();
        assert_eq!(format, PayloadFormat::Http);
        assert_eq!(request.method, "POST");
        assert_eq!(request.caller_arn.as_deref(), Some("arn:y"));
        assert!(request.is_base64_encoded);
    }

    #[test]
    fn event_without_identity_has_no_caller() {
        let event =
            json!({"httpMethod": "POST", "requestContext": {"identity": {"userArn": null}}});
        let (_, request) = parse_event(event).unwrap();
        assert_eq!(request.caller_arn, None);
    }

    #[test]
    fn other_events_are_unsupported() {
        for event in [
            json!({"Records": []}),
            json!("text"),
            json!({"version": "1.0"}),
        ] {
            let error = parse_event(event.clone()).unwrap_err();
            assert!(matches!(error, EventError::Unsupported(_)), "{event}");
        }
    }

    #[test]
    fn mistyped_fields_are_malformed() {
        let events = [
            json!({"httpMethod": 5, "requestContext": {"requestId": "r-3"}}),
            json!({"httpMethod": "POST", "isBase64Encoded": "false"}),
            json!({"httpMethod": "POST", "headers": ["content-type"]}),
            json!({"version": "2.0", "body": {"accountId": "1"}}),
        ];
        for event in &events {
            let error = parse_event(event.clone()).unwrap_err();
            assert!(matches!(error, EventError::Malformed { .. }), "{event}");
        }
        let error = parse_event(events[0].clone()).unwrap_err();
        let EventError::Malformed { request_id, .. } = error else {
            panic!("expected Malformed");
        };
        assert_eq!(request_id.as_deref(), Some("r-3"));
    }
}
