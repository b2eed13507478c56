//! The function's entry point: one API Gateway event in, one response out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::aws::{error_chain, DependencyError};
use crate::domain::echo;
use crate::domain::execution::RequestOrigin;
use crate::http::body::{check_content_type, check_fields, decode_body};
use crate::http::error::ApiError;
use crate::http::event::{parse_event, ApiRequest, EventError, UnsupportedEvent};
use crate::http::response::ApiResponse;
use crate::http::route::{match_route, AnalysisPath, METHOD};
use crate::service::{Accepted, Service, TriggerError};

/// Time kept back from the Lambda deadline to send the response.
const RESPONSE_RESERVE: Duration = Duration::from_millis(500);

/// Deadlines below this (2001-09-09 in milliseconds since the epoch) are not
/// epoch times. Lambda sends epoch milliseconds, but `cargo lambda watch` 1.9
/// sends the timeout itself (600000).
const EPOCH_DEADLINE_FLOOR_MS: u64 = 1_000_000_000_000;

/// Time allowed for AWS calls when the deadline is not an epoch time: the
/// template's 10-second timeout less a second.
const FALLBACK_BUDGET: Duration = Duration::from_secs(9);

/// The Lambda invocation an event arrived in.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The Lambda request ID.
    pub request_id: String,
    /// When Lambda stops the invocation, in milliseconds since the Unix epoch.
    pub deadline_ms: u64,
}

/// A request that passed every check that needs no AWS call.
#[derive(Debug)]
struct ValidRequest {
    path: AnalysisPath,
    caller_arn: Option<String>,
}

/// Handles one event. Only an event that is not from API Gateway is an error;
/// every request gets a response.
pub async fn handle(
    service: &Service,
    event: Value,
    invocation: &Invocation,
) -> Result<ApiResponse, UnsupportedEvent> {
    let request = match parse_event(event) {
        Ok((_, request)) => request,
        Err(error) => return malformed_event(error, invocation),
    };
    let request_id = request
        .api_request_id
        .clone()
        .unwrap_or_else(|| invocation.request_id.clone());
    let valid = match validate(&request) {
        Ok(valid) => valid,
        Err(error) => return Ok(reject(&error, &request_id, &request, None)),
    };
    let result = trigger(service, &valid, &request_id, invocation).await;
    Ok(match result {
        Ok(accepted) => accept(&accepted, &request_id, &valid),
        Err(error) => reject(&error, &request_id, &request, Some(&valid)),
    })
}

/// Fails the invocation for an event from elsewhere, and returns a 500 for an
/// API Gateway event with a mistyped field.
fn malformed_event(
    error: EventError,
    invocation: &Invocation,
) -> Result<ApiResponse, UnsupportedEvent> {
    let lambda_request_id = invocation.request_id.as_str();
    let reason = error.to_string();
    tracing::error!(
        lambda_request_id,
        error = reason.as_str(),
        "unreadable event"
    );
    match error {
        EventError::Unsupported(unsupported) => Err(unsupported),
        EventError::Malformed { request_id, source } => {
            let request_id = request_id.unwrap_or_else(|| invocation.request_id.clone());
            Ok(ApiError::Internal(Box::new(source)).to_response(&request_id))
        }
    }
}

/// Runs the checks of the processing order that need no AWS call, in order:
/// route and method, path parameters, Content-Type, body size, body fields.
fn validate(request: &ApiRequest) -> Result<ValidRequest, ApiError> {
    let raw_path =
        match_route(&request.path, &request.path_parameters).ok_or(ApiError::NotFound)?;
    if request.method != METHOD {
        return Err(ApiError::MethodNotAllowed {
            method: request.method.clone(),
        });
    }
    let path = raw_path
        .validate()
        .map_err(ApiError::InvalidPathParameter)?;
    check_content_type(&request.content_types)?;
    let body = decode_body(request.body.as_deref(), request.is_base64_encoded)?;
    check_fields(&body, &path)?;
    let caller_arn = request.caller_arn.clone().filter(|arn| !arn.is_empty());
    Ok(ValidRequest { path, caller_arn })
}

async fn trigger(
    service: &Service,
    valid: &ValidRequest,
    request_id: &str,
    invocation: &Invocation,
) -> Result<Accepted, ApiError> {
    let forbidden = |reason| ApiError::Forbidden {
        partner_id: valid.path.partner_id.clone(),
        partner_customer_id: valid.path.partner_customer_id.clone(),
        reason,
    };
    let Some(caller_arn) = valid.caller_arn.clone() else {
        return Err(forbidden("the event has no IAM caller identity"));
    };
    let origin = RequestOrigin {
        caller_arn,
        request_id: request_id.to_string(),
        invocation_id: invocation.request_id.clone(),
    };
    let budget = time_left(invocation.deadline_ms);
    let outcome = tokio::time::timeout(budget, service.trigger(&valid.path, &origin)).await;
    match outcome {
        Ok(Ok(accepted)) => Ok(accepted),
        Ok(Err(TriggerError::Forbidden(reason))) => Err(forbidden(reason)),
        Ok(Err(error)) => Err(dependency_error(error)),
        Err(_) => Err(ApiError::Unavailable(DependencyError::TimedOut {
            budget_ms: budget.as_millis(),
        })),
    }
}

fn dependency_error(error: TriggerError) -> ApiError {
    let retryable = error
        .dependency()
        .is_some_and(DependencyError::is_retryable);
    match error {
        TriggerError::Dependency(source) if retryable => ApiError::Unavailable(source),
        TriggerError::StartFailed { source, .. } if retryable => ApiError::Unavailable(source),
        other => ApiError::Internal(Box::new(other)),
    }
}

/// Time until the Lambda deadline, less the time kept back to respond.
fn time_left(deadline_ms: u64) -> Duration {
    if deadline_ms < EPOCH_DEADLINE_FLOOR_MS {
        return FALLBACK_BUDGET;
    }
    let deadline = UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let remaining = deadline
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    remaining.saturating_sub(RESPONSE_RESERVE)
}

fn accept(accepted: &Accepted, request_id: &str, valid: &ValidRequest) -> ApiResponse {
    tracing::info!(
        status = 202,
        request_id,
        partner_id = %accepted.partner_id,
        partner_customer_id = %accepted.partner_customer_id,
        account_id = %accepted.account_id,
        customer_id = %accepted.customer_id,
        execution_id = %accepted.execution_id,
        caller = valid.caller_arn.as_deref().unwrap_or_default(),
        "analysis started"
    );
    ApiResponse::json(202, accepted)
}

/// Logs a rejected request once, client errors at warn and server errors with
/// their cause chain at error, and builds its response.
fn reject(
    error: &ApiError,
    request_id: &str,
    request: &ApiRequest,
    valid: Option<&ValidRequest>,
) -> ApiResponse {
    let response = error.to_response(request_id);
    let status = response.status_code;
    let path = echo(&request.path);
    let caller = request.caller_arn.as_deref().unwrap_or_default();
    let ids = logged_ids(request, valid);
    let [partner_id, partner_customer_id, account_id] = ids.each_ref().map(String::as_str);
    let reason = error_chain(error);
    if status >= 500 {
        tracing::error!(
            status,
            request_id,
            partner_id,
            partner_customer_id,
            account_id,
            caller,
            path,
            error = reason.as_str(),
            "request failed"
        );
    } else {
        tracing::warn!(
            status,
            request_id,
            partner_id,
            partner_customer_id,
            account_id,
            caller,
            path,
            error = reason.as_str(),
            "request rejected"
        );
    }
    response
}

/// Returns the partner, customer and account IDs for a log line: validated when the
/// request got that far, else as they appear in the path, cut to 64 characters.
fn logged_ids(request: &ApiRequest, valid: Option<&ValidRequest>) -> [String; 3] {
    if let Some(valid) = valid {
        let path = &valid.path;
        return [
            path.partner_id.to_string(),
            path.partner_customer_id.to_string(),
            path.account_id.to_string(),
        ];
    }
    match match_route(&request.path, &request.path_parameters) {
        Some(raw) => [
            echo(&raw.partner_id),
            echo(&raw.partner_customer_id),
            echo(&raw.account_id),
        ],
        None => Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now_ms() -> u64 {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        u64::try_from(since.as_millis()).unwrap()
    }

    #[test]
    fn time_left_keeps_reserve_before_deadline() {
        let left = time_left(now_ms() + 5_000);
        assert!(left <= Duration::from_millis(4_500), "{left:?}");
        assert!(left > Duration::from_millis(4_000), "{left:?}");
    }

    #[test]
    fn time_left_is_zero_after_deadline() {
        assert_eq!(time_left(now_ms() - 1_000), Duration::ZERO);
    }

    #[test]
    fn relative_deadline_gets_fallback_budget() {
        assert_eq!(time_left(600_000), FALLBACK_BUDGET);
        assert_eq!(time_left(0), FALLBACK_BUDGET);
    }
}
