//! Shared test harness: the emulator, a Runtime API driving the real
//! `trigger-analysis` binary, and the sample events.

#![allow(dead_code)]

pub mod emulator;
pub mod proxy;
pub mod runtime_api;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use tokio::process::Child;

use emulator::Emulator;
use runtime_api::{Outcome, RuntimeApi};

pub const PARTNER_ID: &str = "P123456";
/// The role the sample events' caller assumed, as granted to the partner.
pub const CALLER_ROLE: &str = "arn:aws:iam::111122223333:role/PartnerAnalysisCaller";
/// The caller ARN in the accepted sample events.
pub const CALLER: &str =
    "arn:aws:sts::111122223333:assumed-role/PartnerAnalysisCaller/partner-session";

/// Reads a file from `events/`.
pub fn event(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("events")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {}: {error}", path.display()))
}

/// Returns the accepted REST sample event, retargeted at other IDs.
pub fn rest_event(partner_id: &str, partner_customer_id: &str, account_id: &str) -> Value {
    let mut event = event("rest-accepted.json");
    let path = format!(
        "/partner/{partner_id}/customer/{partner_customer_id}/account/{account_id}/analysis"
    );
    event["path"] = json!(path);
    event["requestContext"]["path"] = json!(format!("/prod{path}"));
    event["pathParameters"] = json!({
        "partner_id": partner_id,
        "partner_customer_id": partner_customer_id,
        "account_id": account_id,
    });
    event["body"] = json!(json!({
        "partnerId": partner_id,
        "partnerCustomerId": partner_customer_id,
        "accountId": account_id,
    })
    .to_string());
    event
}

/// A table and a state machine of one test's own, on the emulator.
pub struct Stack {
    pub emulator: Emulator,
    pub table: String,
    pub state_machine_arn: String,
}

impl Stack {
    pub async fn new() -> Self {
        let emulator = Emulator::connect().await;
        let table = emulator.fresh_table().await;
        let state_machine_arn = emulator.fresh_state_machine().await;
        Self {
            emulator,
            table,
            state_machine_arn,
        }
    }

    /// Creates a stack whose table contains the sample partner, granting the sample caller's role.
    pub async fn with_partner() -> Self {
        let stack = Self::new().await;
        stack.put_partner(PARTNER_ID, &[CALLER_ROLE], false).await;
        stack
    }

    pub async fn put_partner(&self, partner_id: &str, principals: &[&str], suspended: bool) {
        let principals = principals
            .iter()
            .map(|arn| AttributeValue::S(arn.to_string()))
            .collect();
        let status = if suspended { "suspended" } else { "active" };
        self.emulator
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("PK", AttributeValue::S(format!("PARTNER#{partner_id}")))
            .item("SK", AttributeValue::S("PARTNER".to_string()))
            .item("partnerId", AttributeValue::S(partner_id.to_string()))
            .item("status", AttributeValue::S(status.to_string()))
            .item("principals", AttributeValue::L(principals))
            .send()
            .await
            .expect("put the test partner");
    }

    /// Returns the function's environment with one service's endpoint
    /// variable, such as `AWS_ENDPOINT_URL_SFN`, set to `url`.
    pub fn function_env_with_endpoint(&self, variable: &str, url: &str) -> Vec<(String, String)> {
        let mut environment = self.function_env();
        environment.push((variable.to_string(), url.to_string()));
        environment
    }

    /// Returns the function's environment for this stack.
    pub fn function_env(&self) -> Vec<(String, String)> {
        vec![
            ("TABLE_NAME".to_string(), self.table.clone()),
            (
                "STATE_MACHINE_ARN".to_string(),
                self.state_machine_arn.clone(),
            ),
            ("RUST_LOG".to_string(), "error".to_string()),
        ]
    }
}

/// A response read back from the function.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    /// The body as sent, to check field order.
    pub raw_body: String,
    pub body: Value,
}

impl Reply {
    pub fn from_response(response: &Value) -> Self {
        let status = response["statusCode"].as_u64().expect("statusCode") as u16;
        let headers = serde_json::from_value(response["headers"].clone()).unwrap_or_default();
        let raw_body = response["body"]
            .as_str()
            .expect("body is a string")
            .to_string();
        let body = serde_json::from_str(&raw_body).expect("body is JSON");
        Self {
            status,
            headers,
            raw_body,
            body,
        }
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

/// Real `trigger-analysis` processes polling one local Runtime API.
pub struct Functions {
    pub runtime_api: RuntimeApi,
    processes: Vec<Child>,
}

impl Functions {
    /// Starts `count` processes with `environment`, each invocation given `deadline`.
    pub async fn start(count: usize, environment: &[(String, String)], deadline: Duration) -> Self {
        let runtime_api = RuntimeApi::start(deadline)
            .await
            .expect("start the Runtime API");
        let processes = (0..count)
            .map(|_| runtime_api.spawn_function(&binary(), environment))
            .collect();
        Self {
            runtime_api,
            processes,
        }
    }

    /// Starts one process with a 10-second deadline per invocation, as the template sets.
    pub async fn one(stack: &Stack) -> Self {
        Self::start(1, &stack.function_env(), Duration::from_secs(10)).await
    }

    /// Sends `event` and returns the API Gateway response the function produced.
    pub async fn call(&self, event: Value) -> Reply {
        match self.runtime_api.invoke(event).await {
            Ok(Outcome::Response(response)) => Reply::from_response(&response),
            Ok(Outcome::Error(error)) => panic!("the function returned an error: {error}"),
            Err(error) => panic!("the invocation failed: {error}"),
        }
    }
}

/// Returns the path of the `trigger-analysis` binary. Cargo names it for
/// tests, and an example finds it beside its own folder in the target directory.
pub fn binary() -> PathBuf {
    if let Some(path) = option_env!("CARGO_BIN_EXE_trigger-analysis") {
        return PathBuf::from(path);
    }
    let example = std::env::current_exe().expect("path of the running program");
    let profile_dir = example
        .parent()
        .and_then(Path::parent)
        .expect("examples live in target/PROFILE/examples");
    profile_dir.join("trigger-analysis")
}
