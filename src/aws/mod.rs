//! AWS adapters: DynamoDB and Step Functions, and how their failures are classified.

pub mod admin;
pub mod customers;
pub mod executions;
pub mod partners;
pub mod table;

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

/// A boxed error that can cross threads.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// A failed call to DynamoDB or Step Functions.
#[derive(Debug, thiserror::Error)]
pub enum DependencyError {
    /// Throttled, unreachable, timed out or failing on the service side: worth a retry.
    #[error("{operation} failed and may succeed on retry")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
    /// Retries on contention or name collisions ran out.
    #[error("{operation} gave up after {attempts} attempts: {reason}")]
    Exhausted {
        operation: &'static str,
        attempts: u32,
        reason: &'static str,
    },
    /// The request did not finish before the function's own deadline.
    #[error("AWS calls did not finish within {budget_ms} ms")]
    TimedOut { budget_ms: u128 },
    /// Rejected for a reason a retry will not fix, such as a missing table or permission.
    #[error("{operation} failed")]
    Unexpected {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
    /// A stored item that does not have the expected shape.
    #[error("stored item {key} is invalid: {reason}")]
    InvalidItem { key: String, reason: String },
}

impl DependencyError {
    /// Wraps the SDK's refusal to build a request for `operation`, which
    /// means a required field was left unset in this code.
    pub fn unbuildable(
        operation: &'static str,
        error: aws_smithy_types::error::operation::BuildError,
    ) -> Self {
        DependencyError::Unexpected {
            operation,
            source: Box::new(error),
        }
    }

    /// Tells whether the client should retry (503) rather than get a 500.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            DependencyError::Unavailable { .. }
                | DependencyError::Exhausted { .. }
                | DependencyError::TimedOut { .. }
        )
    }
}

/// Classifies an SDK failure by its kind and the service's error code, using
/// the AWS SDK's own lists of throttling and transient codes.
pub fn classify<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> DependencyError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let retryable = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(context) => {
            let code = context.err().code().unwrap_or_default();
            context.raw().status().is_server_error()
                || THROTTLING_ERRORS.contains(&code)
                || TRANSIENT_ERRORS.contains(&code)
        }
        _ => false,
    };
    let source = Box::new(error);
    if retryable {
        DependencyError::Unavailable { operation, source }
    } else {
        DependencyError::Unexpected { operation, source }
    }
}

/// Loads the AWS SDK configuration from the standard environment, with
/// timeouts short enough to respond within the function's timeout.
pub async fn load_sdk_config() -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await
}

/// Formats an error and every cause under it on one line, for logs.
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    /// A service error as the SDK returns it, with HTTP status `status`.
    pub(crate) fn service_error<E>(error: E, status: u16) -> SdkError<E, HttpResponse> {
        let status = StatusCode::try_from(status).expect("valid status");
        SdkError::service_error(error, HttpResponse::new(status, SdkBody::empty()))
    }

    fn get_item_error(code: &str, status: u16) -> DependencyError {
        let error = GetItemError::generic(ErrorMetadata::builder().code(code).build());
        classify("GetItem", service_error(error, status))
    }

    #[test]
    fn throttling_codes_are_retryable() {
        for code in [
            "ThrottlingException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
        ] {
            assert!(get_item_error(code, 400).is_retryable(), "{code}");
        }
    }

    #[test]
    fn server_errors_are_retryable() {
        assert!(get_item_error("InternalServerError", 500).is_retryable());
        assert!(get_item_error("ServiceUnavailable", 503).is_retryable());
    }

    #[test]
    fn client_errors_are_not_retryable() {
        for code in [
            "ResourceNotFoundException",
            "AccessDeniedException",
            "ValidationException",
        ] {
            let error = get_item_error(code, 400);
            assert!(
                matches!(error, DependencyError::Unexpected { .. }),
                "{code}"
            );
        }
    }

    #[test]
    fn timeouts_are_retryable() {
        let error: SdkError<GetItemError, HttpResponse> = SdkError::timeout_error("slow");
        assert!(classify("GetItem", error).is_retryable());
    }
}
