//! Execution name collisions against the emulator, with a seeded random
//! number generator so the test can predict the names the function draws.

mod support;

use chrono::Utc;
use partner_analysis_api::aws::executions::{start_analysis, MAX_START_ATTEMPTS};
use partner_analysis_api::aws::DependencyError;
use partner_analysis_api::domain::execution::{execution_id, Analysis, RequestOrigin};
use partner_analysis_api::domain::ids::{AccountId, CustomerId, PartnerCustomerId, PartnerId};
use rand::rngs::StdRng;
use rand::SeedableRng;
use support::Stack;

const SEED: u64 = 20261204;

struct Ids {
    partner_id: PartnerId,
    partner_customer_id: PartnerCustomerId,
    customer_id: CustomerId,
    account_id: AccountId,
    origin: RequestOrigin,
}

fn ids() -> Ids {
    Ids {
        partner_id: PartnerId::parse("P123456", "partnerId").expect("valid ID"),
        partner_customer_id: PartnerCustomerId::parse("collision-customer", "x").expect("valid ID"),
        customer_id: CustomerId::parse("P123456-000000000001", "customerId").expect("valid ID"),
        account_id: AccountId::parse("888888888888", "accountId").expect("valid ID"),
        origin: RequestOrigin {
            caller_arn: support::CALLER.to_string(),
            request_id: "request".to_string(),
            invocation_id: "invocation".to_string(),
        },
    }
}

fn analysis(ids: &Ids) -> Analysis<'_> {
    Analysis {
        partner_id: &ids.partner_id,
        partner_customer_id: &ids.partner_customer_id,
        customer_id: &ids.customer_id,
        account_id: &ids.account_id,
        origin: &ids.origin,
        requested_at: Utc::now(),
    }
}

/// The names `start_analysis` draws, in order, from a generator seeded with `SEED`.
fn drawn_names(analysis: &Analysis<'_>) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(SEED);
    (0..MAX_START_ATTEMPTS)
        .map(|_| {
            execution_id(
                analysis.customer_id,
                analysis.account_id,
                analysis.requested_at,
                &mut rng,
            )
        })
        .collect()
}

async fn occupy(stack: &Stack, name: &str) {
    stack
        .emulator
        .sfn
        .start_execution()
        .state_machine_arn(&stack.state_machine_arn)
        .name(name)
        .input("{}")
        .send()
        .await
        .expect("start the occupying execution");
}

#[tokio::test(flavor = "multi_thread")]
async fn taken_names_are_retried_with_new_suffix() {
    let stack = Stack::new().await;
    let ids = ids();
    let analysis = analysis(&ids);
    let names = drawn_names(&analysis);
    occupy(&stack, &names[0]).await;
    occupy(&stack, &names[1]).await;

    let mut rng = StdRng::seed_from_u64(SEED);
    let started = start_analysis(
        &stack.emulator.sfn,
        &stack.state_machine_arn,
        &analysis,
        &mut rng,
    )
    .await
    .expect("third name is free");

    assert_eq!(started.execution_id, names[2]);
    let executions = stack.emulator.executions(&stack.state_machine_arn).await;
    assert_eq!(executions.len(), 3);
    let ours = executions
        .iter()
        .find(|(name, _)| name == &names[2])
        .unwrap();
    assert_eq!(ours.1["executionId"], names[2].as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn collisions_outlasting_retries_are_retryable() {
    let stack = Stack::new().await;
    let ids = ids();
    let analysis = analysis(&ids);
    for name in drawn_names(&analysis) {
        occupy(&stack, &name).await;
    }

    let mut rng = StdRng::seed_from_u64(SEED);
    let error = start_analysis(
        &stack.emulator.sfn,
        &stack.state_machine_arn,
        &analysis,
        &mut rng,
    )
    .await
    .unwrap_err();

    assert!(
        matches!(error, DependencyError::Exhausted { attempts: 5, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    let executions = stack.emulator.executions(&stack.state_machine_arn).await;
    assert_eq!(executions.len(), MAX_START_ATTEMPTS as usize);
}
