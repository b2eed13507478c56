//! The real `trigger-analysis` binary, driven through a local Runtime API,
//! against the emulator: statuses, bodies and what each request leaves behind.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{json, Value};
use support::emulator::string;
use support::proxy::{Mode, Proxy};
use support::runtime_api::Outcome;
use support::{event, rest_event, Functions, Stack, CALLER, PARTNER_ID};

const SAMPLE_CUSTOMER: &str = "550e8400-e29b-41d4-a716-446655440000";
const SAMPLE_ACCOUNT: &str = "123456789012";

fn forbidden(partner_customer_id: &str) -> Value {
    json!({
        "message": format!(
            "Caller is not authorized to trigger analysis for k9 partnerId ({PARTNER_ID}) \
             and partnerCustomerId ({partner_customer_id})"
        )
    })
}

fn customer_id_pattern() -> Regex {
    Regex::new(r"^P123456-[0-9]{12}$").expect("valid pattern")
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_event_starts_named_execution() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;

    let reply = functions.call(event("rest-accepted.json")).await;

    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let customer_id = reply.body["customerId"].as_str().unwrap().to_string();
    let execution_id = reply.body["executionId"].as_str().unwrap().to_string();
    assert!(
        customer_id_pattern().is_match(&customer_id),
        "{customer_id}"
    );
    let expected_body = format!(
        r#"{{"partnerId":"P123456","partnerCustomerId":"{SAMPLE_CUSTOMER}","customerId":"{customer_id}","accountId":"{SAMPLE_ACCOUNT}","executionId":"{execution_id}"}}"#
    );
    assert_eq!(reply.raw_body, expected_body);
    assert_eq!(reply.headers["Content-Type"], "application/json");
    let today = chrono::Utc::now().format("%Y-%m-%d");
    let execution_pattern =
        format!(r"^ondemand-{customer_id}-{SAMPLE_ACCOUNT}-{today}_[A-Z0-9]{{4}}$");
    assert!(
        Regex::new(&execution_pattern)
            .unwrap()
            .is_match(&execution_id),
        "{execution_id}"
    );

    let executions = stack.emulator.executions(&stack.state_machine_arn).await;
    assert_eq!(executions.len(), 1);
    let (name, input) = &executions[0];
    assert_eq!(name, &execution_id);
    assert_eq!(input["partnerId"], "P123456");
    assert_eq!(input["partnerCustomerId"], SAMPLE_CUSTOMER);
    assert_eq!(input["customerId"], customer_id.as_str());
    assert_eq!(input["accountId"], SAMPLE_ACCOUNT);
    assert_eq!(input["executionId"], execution_id.as_str());
    assert_eq!(input["requestedBy"], CALLER);
    assert_eq!(input["requestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    let invocation_id = input["invocationId"].as_str().unwrap();
    assert!(!invocation_id.is_empty());
    assert_ne!(invocation_id, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    let requested_at = input["requestedAt"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(requested_at).is_ok(),
        "{requested_at}"
    );
    assert!(requested_at.ends_with('Z'), "{requested_at}");
}

#[tokio::test(flavor = "multi_thread")]
async fn first_request_writes_mapping_reservation_and_claim() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;

    let reply = functions.call(event("rest-accepted.json")).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let customer_id = reply.body["customerId"].as_str().unwrap();

    let items = stack.emulator.items(&stack.table).await;
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|item| (string(item, "PK"), string(item, "SK")))
        .collect();
    let expected = vec![
        (format!("ACCOUNT#{SAMPLE_ACCOUNT}"), "ACCOUNT".to_string()),
        (format!("CUSTOMER#{customer_id}"), "CUSTOMER".to_string()),
        (
            "PARTNER#P123456".to_string(),
            format!("CUSTOMER#{SAMPLE_CUSTOMER}"),
        ),
        ("PARTNER#P123456".to_string(), "PARTNER".to_string()),
    ];
    assert_eq!(keys, expected);
    for item in &items[..3] {
        assert_eq!(string(item, "customerId"), customer_id);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_event_is_accepted() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;

    let reply = functions.call(event("http-api-accepted.json")).await;

    assert_eq!(reply.status, 202, "{:?}", reply.body);
    assert_eq!(reply.body["partnerCustomerId"], "o-a1b2c3d4e5");
    assert_eq!(reply.body["accountId"], "210987654321");
    let executions = stack.emulator.executions(&stack.state_machine_arn).await;
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0].1["requestId"], "JKJaXmPLvHcESHA=");
}

#[tokio::test(flavor = "multi_thread")]
async fn same_partner_customer_keeps_customer_id() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;

    let mut customer_ids = BTreeSet::new();
    let mut execution_ids = BTreeSet::new();
    for _ in 0..3 {
        let reply = functions.call(event("rest-accepted.json")).await;
        assert_eq!(reply.status, 202, "{:?}", reply.body);
        customer_ids.insert(reply.body["customerId"].as_str().unwrap().to_string());
        execution_ids.insert(reply.body["executionId"].as_str().unwrap().to_string());
    }

    assert_eq!(customer_ids.len(), 1, "{customer_ids:?}");
    assert_eq!(execution_ids.len(), 3, "{execution_ids:?}");
    let executions = stack.emulator.executions(&stack.state_machine_arn).await;
    let names: BTreeSet<String> = executions.into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, execution_ids);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_requests_share_customer_id() {
    const PROCESSES: usize = 4;
    const REQUESTS: usize = 20;
    let stack = Stack::with_partner().await;
    let functions =
        Functions::start(PROCESSES, &stack.function_env(), Duration::from_secs(20)).await;
    let functions = std::sync::Arc::new(functions);

    let calls = (0..REQUESTS).map(|_| {
        let functions = functions.clone();
        tokio::spawn(async move {
            functions
                .call(rest_event(PARTNER_ID, "race-customer", "333333333333"))
                .await
        })
    });
    let mut customer_ids = BTreeSet::new();
    for call in calls.collect::<Vec<_>>() {
        let reply = call.await.expect("call task");
        assert_eq!(reply.status, 202, "{:?}", reply.body);
        customer_ids.insert(reply.body["customerId"].as_str().unwrap().to_string());
    }

    assert_eq!(customer_ids.len(), 1, "{customer_ids:?}");
    let customer_id = customer_ids.into_iter().next().unwrap();
    let reservations = stack
        .emulator
        .items_with_prefix(&stack.table, "CUSTOMER#")
        .await;
    assert_eq!(reservations.len(), 1);
    assert_eq!(string(&reservations[0], "customerId"), customer_id);
    let claims = stack
        .emulator
        .items_with_prefix(&stack.table, "ACCOUNT#")
        .await;
    assert_eq!(claims.len(), 1);
    assert_eq!(string(&claims[0], "customerId"), customer_id);
    let executions = stack.emulator.executions(&stack.state_machine_arn).await;
    assert_eq!(executions.len(), REQUESTS);
}

/// Sends `event` and checks the reply and that neither the table nor the
/// state machine changed.
async fn assert_rejected(
    stack: &Stack,
    functions: &Functions,
    event: Value,
    status: u16,
    body: Value,
) {
    let items_before = stack.emulator.items(&stack.table).await;
    let executions_before = stack.emulator.executions(&stack.state_machine_arn).await;

    let reply = functions.call(event).await;

    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.body, body);
    assert_eq!(stack.emulator.items(&stack.table).await, items_before);
    assert_eq!(
        stack.emulator.executions(&stack.state_machine_arn).await,
        executions_before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_requests_change_nothing() {
    let stack = Stack::with_partner().await;
    stack
        .put_partner("P654321", &[support::CALLER_ROLE], true)
        .await;
    let functions = Functions::one(&stack).await;
    let accepted = functions
        .call(rest_event(PARTNER_ID, "owner-customer", "444444444444"))
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);

    let sample = event("rest-accepted.json");
    let mut not_found = sample.clone();
    not_found["pathParameters"] = Value::Null;
    not_found["path"] = json!("/partner/P123456/customers");
    let mut wrong_method = sample.clone();
    wrong_method["httpMethod"] = json!("GET");
    let mut no_content_type = sample.clone();
    no_content_type["headers"] = json!({});
    no_content_type["multiValueHeaders"] = json!({});
    let mut too_large = sample.clone();
    too_large["body"] = json!(" ".repeat(16 * 1024 + 1));
    let mut unknown_field = sample.clone();
    unknown_field["body"] = json!(json!({
        "partnerId": PARTNER_ID, "partnerCustomerId": SAMPLE_CUSTOMER,
        "accountId": SAMPLE_ACCOUNT, "principals": []
    })
    .to_string());
    let mut no_identity = sample.clone();
    no_identity["requestContext"]["identity"]["userArn"] = Value::Null;

    let cases = vec![
        (not_found, 404, json!({"message": "Not Found"})),
        (
            wrong_method,
            405,
            json!({"message": "Method GET is not allowed on this resource; use POST"}),
        ),
        (
            event("rest-invalid-account-id.json"),
            400,
            json!({"message":
            "Invalid path parameter account_id \"12345678901X\": expected 12 digits, e.g. 123456789012"}),
        ),
        (
            no_content_type,
            415,
            json!({"message":
            "Missing Content-Type header; send Content-Type: application/json"}),
        ),
        (
            too_large,
            413,
            json!({"message":
            "Request body is 16385 bytes; the limit is 16384 bytes (16 KiB)"}),
        ),
        (
            unknown_field,
            400,
            json!({"message":
            "Unknown field \"principals\" in request body; only partnerId, partnerCustomerId and accountId are accepted"}),
        ),
        (
            event("rest-unauthorized-caller.json"),
            403,
            forbidden(SAMPLE_CUSTOMER),
        ),
        (no_identity, 403, forbidden(SAMPLE_CUSTOMER)),
        (
            rest_event("P999999", SAMPLE_CUSTOMER, SAMPLE_ACCOUNT),
            403,
            json!({"message": format!(
            "Caller is not authorized to trigger analysis for k9 partnerId (P999999) \
             and partnerCustomerId ({SAMPLE_CUSTOMER})")}),
        ),
        (
            rest_event("P654321", SAMPLE_CUSTOMER, SAMPLE_ACCOUNT),
            403,
            json!({"message": format!(
            "Caller is not authorized to trigger analysis for k9 partnerId (P654321) \
             and partnerCustomerId ({SAMPLE_CUSTOMER})")}),
        ),
        (
            rest_event(PARTNER_ID, "other-customer", "444444444444"),
            403,
            forbidden("other-customer"),
        ),
    ];
    for (event, status, body) in cases {
        assert_rejected(&stack, &functions, event, status, body).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn claimed_account_forbidden_to_other_customer() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;
    let first = functions
        .call(rest_event(PARTNER_ID, "customer-one", "555555555555"))
        .await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let second = functions
        .call(rest_event(PARTNER_ID, "customer-two", "666666666666"))
        .await;
    assert_eq!(second.status, 202, "{:?}", second.body);

    let event = rest_event(PARTNER_ID, "customer-two", "555555555555");
    assert_rejected(&stack, &functions, event, 403, forbidden("customer-two")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dynamodb_outage_is_503_and_retry_succeeds() {
    let stack = Stack::with_partner().await;
    let proxy = Proxy::start(stack.emulator.address(), Mode::Close).await;
    let environment = stack.function_env_with_endpoint("AWS_ENDPOINT_URL_DYNAMODB", &proxy.url);
    let functions = Functions::start(1, &environment, Duration::from_secs(10)).await;

    let reply = functions.call(event("rest-accepted.json")).await;

    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert_eq!(reply.headers["Retry-After"], "2");
    assert_eq!(
        reply.body,
        json!({"message": "The service is temporarily unavailable; retry the request"})
    );
    assert_eq!(
        stack
            .emulator
            .items_with_prefix(&stack.table, "ACCOUNT#")
            .await
            .len(),
        0
    );

    proxy.set_mode(Mode::Forward);
    let retry = functions.call(event("rest-accepted.json")).await;
    assert_eq!(retry.status, 202, "{:?}", retry.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn step_functions_outage_leaves_complete_mapping() {
    let stack = Stack::with_partner().await;
    let proxy = Proxy::start(stack.emulator.address(), Mode::Close).await;
    let environment = stack.function_env_with_endpoint("AWS_ENDPOINT_URL_SFN", &proxy.url);
    let functions = Functions::start(1, &environment, Duration::from_secs(10)).await;

    let reply = functions.call(event("rest-accepted.json")).await;

    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert_eq!(reply.headers["Retry-After"], "2");
    assert!(stack
        .emulator
        .executions(&stack.state_machine_arn)
        .await
        .is_empty());
    let claims = stack
        .emulator
        .items_with_prefix(&stack.table, "ACCOUNT#")
        .await;
    let reservations = stack
        .emulator
        .items_with_prefix(&stack.table, "CUSTOMER#")
        .await;
    assert_eq!(claims.len(), 1);
    assert_eq!(reservations.len(), 1);

    proxy.set_mode(Mode::Forward);
    let retry = functions.call(event("rest-accepted.json")).await;
    assert_eq!(retry.status, 202, "{:?}", retry.body);
    assert_eq!(
        retry.body["customerId"].as_str().unwrap(),
        string(&claims[0], "customerId")
    );
    assert_eq!(
        stack
            .emulator
            .executions(&stack.state_machine_arn)
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hanging_dependency_answers_before_deadline() {
    let stack = Stack::with_partner().await;
    let proxy = Proxy::start(stack.emulator.address(), Mode::Hang).await;
    let environment = stack.function_env_with_endpoint("AWS_ENDPOINT_URL_DYNAMODB", &proxy.url);
    let deadline = Duration::from_millis(1500);
    let functions = Functions::start(1, &environment, deadline).await;

    let started = Instant::now();
    let reply = functions.call(event("rest-accepted.json")).await;

    assert_eq!(reply.status, 503, "{:?}", reply.body);
    assert_eq!(reply.headers["Retry-After"], "2");
    assert!(
        started.elapsed() < deadline,
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn event_from_elsewhere_is_function_error() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;

    let outcome = functions
        .runtime_api
        .invoke(json!({"Records": []}))
        .await
        .unwrap();

    let Outcome::Error(error) = outcome else {
        panic!("expected a function error, got {outcome:?}");
    };
    assert_eq!(error["errorType"], "UnsupportedEvent");
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("not an API Gateway proxy event"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_variable_fails_cold_start() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;
    let output = tokio::process::Command::new(support::binary())
        .env("AWS_LAMBDA_RUNTIME_API", functions.runtime_api.address())
        .env_remove("TABLE_NAME")
        .env("STATE_MACHINE_ARN", &stack.state_machine_arn)
        .output()
        .await
        .expect("run the function");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TABLE_NAME"), "{stderr}");
}
