//! Every way a request can fail, and the one place that turns each into a response.

use crate::aws::DependencyError;
use crate::domain::echo;
use crate::domain::ids::{InvalidId, PartnerCustomerId, PartnerId};
use crate::http::body::MAX_BODY_BYTES;
use crate::http::response::ApiResponse;
use crate::http::route::METHOD;

/// Seconds a client is asked to wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// A failed request, in the caller's terms.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no such route")]
    NotFound,
    #[error("method {method} is not allowed")]
    MethodNotAllowed { method: String },
    #[error("invalid path parameter: {0}")]
    InvalidPathParameter(InvalidId),
    #[error("unsupported Content-Type {received:?}")]
    UnsupportedMediaType { received: Option<String> },
    #[error("request body of {size} bytes is too large")]
    PayloadTooLarge { size: usize },
    #[error("{0}")]
    InvalidBody(String),
    /// The reason goes to the log only, because the 403 must not reveal
    /// whether the partner, customer or account exists.
    #[error("caller is not authorized: {reason}")]
    Forbidden {
        partner_id: PartnerId,
        partner_customer_id: PartnerCustomerId,
        reason: &'static str,
    },
    #[error("dependency unavailable")]
    Unavailable(#[source] DependencyError),
    #[error("unexpected failure")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// Returns the HTTP status code for this error.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::InvalidPathParameter(_) | ApiError::InvalidBody(_) => 400,
            ApiError::UnsupportedMediaType { .. } => 415,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::Forbidden { .. } => 403,
            ApiError::Unavailable(_) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    /// Builds the response for this error. Only a 500's message contains `request_id`.
    pub fn to_response(&self, request_id: &str) -> ApiResponse {
        let response = ApiResponse::message(self.status(), &self.message(request_id));
        match self {
            ApiError::MethodNotAllowed { .. } => response.with_header("Allow", METHOD),
            ApiError::Unavailable(_) => {
                response.with_header("Retry-After", &RETRY_AFTER_SECONDS.to_string())
            }
            _ => response,
        }
    }

    fn message(&self, request_id: &str) -> String {
        match self {
            ApiError::NotFound => "Not Found".to_string(),
            ApiError::MethodNotAllowed { method } if method.is_empty() => {
                format!("The request has no HTTP method; use {METHOD}")
            }
            ApiError::MethodNotAllowed { method } => format!(
                "Method {} is not allowed on this resource; use {METHOD}",
                echo(method)
            ),
            ApiError::InvalidPathParameter(invalid) => format!(
                "Invalid path parameter {} \"{}\": expected {}",
                invalid.name, invalid.value, invalid.expected
            ),
            ApiError::UnsupportedMediaType { received: None } => {
                "Missing Content-Type header; send Content-Type: application/json".to_string()
            }
            ApiError::UnsupportedMediaType {
                received: Some(value),
            } => format!(
                "Unsupported Content-Type \"{}\"; send Content-Type: application/json",
                echo(value)
            ),
            ApiError::PayloadTooLarge { size } => format!(
                "Request body is {size} bytes; the limit is {MAX_BODY_BYTES} bytes (16 KiB)"
            ),
            ApiError::InvalidBody(message) => capitalize(message),
            ApiError::Forbidden {
                partner_id,
                partner_customer_id,
                ..
            } => forbidden_message(partner_id, partner_customer_id),
            ApiError::Unavailable(_) => {
                "The service is temporarily unavailable; retry the request".to_string()
            }
            ApiError::Internal(_) => format!("Internal server error (request ID {request_id})"),
        }
    }
}

/// Formats the fixed 403 message, which does not reveal whether the partner,
/// customer or account exists.
pub fn forbidden_message(
    partner_id: &PartnerId,
    partner_customer_id: &PartnerCustomerId,
) -> String {
    format!(
        "Caller is not authorized to trigger analysis for k9 partnerId ({partner_id}) \
         and partnerCustomerId ({partner_customer_id})"
    )
}

fn capitalize(message: &str) -> String {
    let mut characters = message.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn body(response: &ApiResponse) -> Value {
        serde_json::from_str(&response.body).unwrap()
    }

    #[test]
    fn not_found_has_fixed_message() {
        let response = ApiError::NotFound.to_response("r");
        assert_eq!(response.status_code, 404);
        assert_eq!(body(&response), json!({"message": "Not Found"}));
    }

    #[test]
    fn method_not_allowed_sets_allow_header() {
        let response = ApiError::MethodNotAllowed {
            method: "GET".to_string(),
        }
        .to_response("r");
        assert_eq!(response.status_code, 405);
        assert_eq!(
            response.headers.get("Allow").map(String::as_str),
            Some("POST")
        );
        assert_eq!(
            body(&response),
            json!({"message": "Method GET is not allowed on this resource; use POST"})
        );
    }

    #[test]
    fn forbidden_has_published_message() {
        let error = ApiError::Forbidden {
            partner_id: PartnerId::parse("P123456", "partner_id").unwrap(),
            partner_customer_id: PartnerCustomerId::parse(
                "550e8400-e29b-41d4-a716-446655440000",
                "partner_customer_id",
            )
            .unwrap(),
            reason: "unknown partner",
        };
        let expected = "Caller is not authorized to trigger analysis for k9 partnerId (P123456) \
                        and partnerCustomerId (550e8400-e29b-41d4-a716-446655440000)";
        assert_eq!(body(&error.to_response("r")), json!({"message": expected}));
    }

    #[test]
    fn internal_error_shows_only_request_id() {
        let error = ApiError::Internal("secret table name".into());
        let response = error.to_response("req-42");
        assert_eq!(response.status_code, 500);
        assert_eq!(
            body(&response),
            json!({"message": "Internal server error (request ID req-42)"})
        );
    }
}
