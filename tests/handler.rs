//! The handler in-process, fed the `events/` files and variations of them,
//! with real AWS clients pointed at the emulator.

mod support;

use base64::Engine;
use partner_analysis_api::aws::load_sdk_config;
use partner_analysis_api::config::Config;
use partner_analysis_api::http::handler::{handle, Invocation};
use partner_analysis_api::http::response::ApiResponse;
use partner_analysis_api::service::Service;
use serde_json::{json, Value};
use support::{event, rest_event, Stack, PARTNER_ID};

const SAMPLE_CUSTOMER: &str = "550e8400-e29b-41d4-a716-446655440000";

async fn service(stack: &Stack) -> Service {
    let config = Config {
        table_name: stack.table.clone(),
        state_machine_arn: stack.state_machine_arn.clone(),
    };
    Service::new(config, &load_sdk_config().await)
}

fn invocation() -> Invocation {
    let deadline = std::time::SystemTime::now() + std::time::Duration::from_secs(10);
    let deadline_ms = deadline
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    Invocation {
        request_id: uuid::Uuid::new_v4().to_string(),
        deadline_ms: deadline_ms as u64,
    }
}

async fn call(service: &Service, event: Value) -> (ApiResponse, Value) {
    let response = Box::pin(handle(service, event, &invocation()))
        .await
        .expect("API Gateway event");
    let body = serde_json::from_str(&response.body).expect("JSON body");
    (response, body)
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_events_get_expected_statuses() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let expected = [
        ("rest-accepted.json", 202),
        ("http-api-accepted.json", 202),
        ("rest-unauthorized-caller.json", 403),
        ("rest-invalid-account-id.json", 400),
    ];
    for (name, status) in expected {
        let (response, body) = call(&service, event(name)).await;
        assert_eq!(response.status_code, status, "{name}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stage_prefix_without_path_parameters_is_routed() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("http-api-accepted.json");
    event["rawPath"] =
        json!("/prod/partner/P123456/customer/o-a1b2c3d4e5/account/210987654321/analysis");
    event["pathParameters"] = Value::Null;

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 202, "{body}");
    assert_eq!(body["partnerCustomerId"], "o-a1b2c3d4e5");
}

#[tokio::test(flavor = "multi_thread")]
async fn percent_encoded_customer_maps_to_same_customer() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let (plain, plain_body) = call(
        &service,
        rest_event(PARTNER_ID, "cust.0001", "777777777777"),
    )
    .await;
    assert_eq!(plain.status_code, 202, "{plain_body}");
    let mut encoded = rest_event(PARTNER_ID, "cust.0001", "777777777777");
    encoded["pathParameters"]["partner_customer_id"] = json!("cust%2E0001");

    let (response, body) = call(&service, encoded).await;

    assert_eq!(response.status_code, 202, "{body}");
    assert_eq!(body["partnerCustomerId"], "cust.0001");
    assert_eq!(body["customerId"], plain_body["customerId"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn content_type_only_in_multi_value_headers() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("rest-accepted.json");
    event["headers"] = Value::Null;
    event["multiValueHeaders"] = json!({"content-TYPE": ["Application/Json; Charset=UTF-8"]});

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_json_content_types_are_415() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json; charset=latin1",
    ] {
        let mut event = event("rest-accepted.json");
        event["headers"]["Content-Type"] = json!(content_type);
        event["multiValueHeaders"]["Content-Type"] = json!([content_type]);

        let (response, body) = call(&service, event).await;

        assert_eq!(response.status_code, 415, "{content_type}: {body}");
        let expected = format!(
            "Unsupported Content-Type \"{content_type}\"; send Content-Type: application/json"
        );
        assert_eq!(message(&body), expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn base64_body_is_decoded() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("http-api-accepted.json");
    let body = event["body"].as_str().unwrap().to_string();
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
    event["isBase64Encoded"] = json!(true);

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_base64_body_is_400() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("rest-accepted.json");
    event["body"] = json!("{not base64}");
    event["isBase64Encoded"] = json!(true);

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 400, "{body}");
    assert_eq!(message(&body), "Request body is not valid base64");
}

#[tokio::test(flavor = "multi_thread")]
async fn body_limit_counts_decoded_bytes() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("rest-accepted.json");
    let padded = format!(
        "{}{}",
        event["body"].as_str().unwrap(),
        " ".repeat(16 * 1024)
    );
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&padded));
    event["isBase64Encoded"] = json!(true);

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 413, "{body}");
    let expected = format!(
        "Request body is {} bytes; the limit is 16384 bytes (16 KiB)",
        padded.len()
    );
    assert_eq!(message(&body), expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn body_field_errors_name_the_field() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let cases = [
        ("", "Request body is empty; send a JSON object with partnerId, partnerCustomerId and accountId"),
        ("{\"partnerId\":", "Request body is not valid JSON (unexpected end of input at line 1 column 13); send a JSON object with partnerId, partnerCustomerId and accountId"),
        ("[1]", "Request body is not a JSON object; send a JSON object with partnerId, partnerCustomerId and accountId"),
        (
            r#"{"partnerId":"P123456","partnerCustomerId":"550e8400-e29b-41d4-a716-446655440000"}"#,
            "Missing field accountId in request body; set it to the account_id in the path (123456789012)",
        ),
        (
            r#"{"partnerId":"P123456","partnerCustomerId":"someone-else","accountId":"123456789012"}"#,
            "Field partnerCustomerId (\"someone-else\") does not match partner_customer_id in the path; set it to the partner_customer_id in the path (550e8400-e29b-41d4-a716-446655440000)",
        ),
        (
            r#"{"partnerId":"P123456","partnerCustomerId":"550e8400-e29b-41d4-a716-446655440000","accountId":123456789012}"#,
            "Field accountId must be a string; set it to the account_id in the path (123456789012)",
        ),
        (
            r#"{"accountId":"999999999999","partnerId":"P123456","partnerCustomerId":"550e8400-e29b-41d4-a716-446655440000","accountId":"123456789012"}"#,
            "Field \"accountId\" appears more than once in request body; send each field once",
        ),
    ];
    for (request_body, expected) in cases {
        let mut event = event("rest-accepted.json");
        event["body"] = json!(request_body);

        let (response, body) = call(&service, event).await;

        assert_eq!(response.status_code, 400, "{request_body}: {body}");
        assert_eq!(message(&body), expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn path_parameter_errors_name_the_parameter() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let long = "x".repeat(100);
    let cases = [
        ("P12345", SAMPLE_CUSTOMER, "123456789012",
            "Invalid path parameter partner_id \"P12345\": expected P followed by 6 digits, e.g. P123456".to_string()),
        ("P123456", "a b c d", "123456789012",
            "Invalid path parameter partner_customer_id \"a b c d\": expected 6 to 64 characters from A-Z a-z 0-9 _ - ., e.g. 550e8400-e29b-41d4-a716-446655440000".to_string()),
        ("P123456", long.as_str(), "123456789012",
            format!("Invalid path parameter partner_customer_id \"{}...\": expected 6 to 64 characters from A-Z a-z 0-9 _ - ., e.g. 550e8400-e29b-41d4-a716-446655440000", "x".repeat(64))),
        ("P١٢٣٤٥٦", SAMPLE_CUSTOMER, "123456789012",
            "Invalid path parameter partner_id \"P١٢٣٤٥٦\": expected P followed by 6 digits, e.g. P123456".to_string()),
    ];
    for (partner, customer, account, expected) in cases {
        let (response, body) = call(&service, rest_event(partner, customer, account)).await;

        assert_eq!(response.status_code, 400, "{body}");
        assert_eq!(message(&body), expected);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn method_check_comes_before_validation() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("rest-invalid-account-id.json");
    event["httpMethod"] = json!("DELETE");

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 405, "{body}");
    assert_eq!(response.headers["Allow"], "POST");
}

#[tokio::test(flavor = "multi_thread")]
async fn suspended_partner_is_forbidden() {
    let stack = Stack::new().await;
    stack
        .put_partner(PARTNER_ID, &[support::CALLER_ROLE], true)
        .await;
    let service = service(&stack).await;

    let (response, body) = call(&service, event("rest-accepted.json")).await;

    assert_eq!(response.status_code, 403, "{body}");
    assert!(stack
        .emulator
        .items_with_prefix(&stack.table, "ACCOUNT#")
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn root_grant_admits_any_principal_of_account() {
    let stack = Stack::new().await;
    stack
        .put_partner(PARTNER_ID, &["arn:aws:iam::111122223333:root"], false)
        .await;
    let service = service(&stack).await;

    let (response, body) = call(&service, event("rest-accepted.json")).await;

    assert_eq!(response.status_code, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_table_is_500_without_internals() {
    let stack = Stack::with_partner().await;
    let config = Config {
        table_name: "no-such-table".to_string(),
        state_machine_arn: stack.state_machine_arn.clone(),
    };
    let service = Service::new(config, &load_sdk_config().await);

    let (response, body) = call(&service, event("rest-accepted.json")).await;

    assert_eq!(response.status_code, 500, "{body}");
    assert_eq!(
        message(&body),
        "Internal server error (request ID c6af9ac6-7b61-11e6-9a41-93e8deadbeef)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mistyped_event_field_is_500() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("rest-accepted.json");
    event["isBase64Encoded"] = json!("false");

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 500, "{body}");
    assert_eq!(
        message(&body),
        "Internal server error (request ID c6af9ac6-7b61-11e6-9a41-93e8deadbeef)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn other_route_with_same_parameters_is_404() {
    let stack = Stack::with_partner().await;
    let service = service(&stack).await;
    let mut event = event("rest-accepted.json");
    let path = event["path"]
        .as_str()
        .expect("sample path")
        .replace("/analysis", "/status");
    event["path"] = json!(path);

    let (response, body) = call(&service, event).await;

    assert_eq!(response.status_code, 404, "{body}");
    assert_eq!(message(&body), "Not Found");
    assert!(stack
        .emulator
        .items_with_prefix(&stack.table, "ACCOUNT#")
        .await
        .is_empty());
}
