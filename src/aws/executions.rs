//! Starting analysis executions in Step Functions.

use aws_sdk_sfn::Client;
use rand::Rng;

use crate::aws::{classify, DependencyError};
use crate::domain::execution::{execution_id, Analysis};

/// Attempts in all, each with a new random suffix, before giving up on name collisions.
pub const MAX_START_ATTEMPTS: u32 = 5;

/// A started execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartedExecution {
    pub execution_id: String,
    pub execution_arn: String,
}

/// Starts the analysis execution, named with a fresh execution ID, retrying
/// with a new suffix drawn from `rng` when the name is taken.
pub async fn start_analysis(
    client: &Client,
    state_machine_arn: &str,
    analysis: &Analysis<'_>,
    rng: &mut (impl Rng + Send),
) -> Result<StartedExecution, DependencyError> {
    for attempt in 1..=MAX_START_ATTEMPTS {
        let name = execution_id(
            analysis.customer_id,
            analysis.account_id,
            analysis.requested_at,
            rng,
        );
        let input = serde_json::to_string(&analysis.input(&name)).map_err(|error| {
            DependencyError::Unexpected {
                operation: "serialize execution input",
                source: error.into(),
            }
        })?;
        let result = client
            .start_execution()
            .state_machine_arn(state_machine_arn)
            .name(&name)
            .input(input)
            .send()
            .await;
        match result {
            Ok(output) => {
                return Ok(StartedExecution {
                    execution_id: name,
                    execution_arn: output.execution_arn,
                })
            }
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|service| service.is_execution_already_exists()) =>
            {
                tracing::warn!(attempt, execution_id = %name, "execution name already used; retrying with a new suffix");
            }
            Err(error) => return Err(classify("Step Functions StartExecution", error)),
        }
    }
    Err(DependencyError::Exhausted {
        operation: "Step Functions StartExecution",
        attempts: MAX_START_ATTEMPTS,
        reason: "every execution name drawn was already used",
    })
}
