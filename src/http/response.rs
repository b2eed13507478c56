//! Proxy integration responses. Formats 1.0 and 2.0 accept the same shape.

use std::collections::BTreeMap;

use serde::Serialize;

/// A response as API Gateway expects it from a proxy integration.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ApiResponse {
    pub status_code: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub is_base64_encoded: bool,
}

impl ApiResponse {
    /// Builds a JSON response with `body` serialized.
    pub fn json(status_code: u16, body: &impl Serialize) -> Self {
        // The callers pass structs of strings and `json!` values, which
        // serde_json serializes without error. Any other failure sends `{}`.
        let body = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_string());
        Self {
            status_code,
            headers: BTreeMap::from([("Content-Type".to_string(), "application/json".to_string())]),
            body,
            is_base64_encoded: false,
        }
    }

    /// Builds a JSON error response `{"message": ...}`.
    pub fn message(status_code: u16, message: &str) -> Self {
        Self::json(status_code, &serde_json::json!({ "message": message }))
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_string(), value.to_string());
        self
    }
}
