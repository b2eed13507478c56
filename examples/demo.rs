//! Sends each sample event to the real `trigger-analysis` binary through a
//! local Lambda Runtime API and prints the responses, then the executions
//! the accepted requests started, read back from the emulator.
//!
//! Run by `make demo`, which starts the emulator, creates the table named by
//! `TABLE_NAME` and registers the demo partner first.
//!
//! Usage: demo EVENT.json...

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use serde_json::Value;
use support::emulator::Emulator;
use support::runtime_api::{Outcome, RuntimeApi};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        return Err("usage: demo EVENT.json...".into());
    }
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let emulator = Emulator::connect().await;
    let state_machine_arn = emulator.fresh_state_machine().await;
    println!("state machine: {state_machine_arn}\n");

    let runtime_api = RuntimeApi::start(Duration::from_secs(10)).await?;
    let environment = [
        ("TABLE_NAME".to_string(), table),
        ("STATE_MACHINE_ARN".to_string(), state_machine_arn.clone()),
        ("RUST_LOG".to_string(), "off".to_string()),
    ];
    let _function = runtime_api.spawn_function(&support::binary(), &environment);

    for file in &files {
        let event: Value = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        println!("{file}\n  {}", describe_request(&event));
        match runtime_api.invoke(event).await? {
            Outcome::Response(response) => print_response(&response),
            Outcome::Error(error) => println!("  function error: {error}\n"),
        }
    }

    println!("executions started in the emulator:");
    for (name, input) in emulator.executions(&state_machine_arn).await {
        println!("  {name}\n    input: {input}");
    }
    Ok(())
}

/// Formats the method, path and caller of a REST (1.0) or HTTP API (2.0) event.
fn describe_request(event: &Value) -> String {
    let text = |pointer: &str| {
        event
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("-")
    };
    if event["version"] == "2.0" {
        let caller = text("/requestContext/authorizer/iam/userArn");
        let method = text("/requestContext/http/method");
        format!("HTTP API {method} {}\n  caller {caller}", text("/rawPath"))
    } else {
        let caller = text("/requestContext/identity/userArn");
        format!(
            "REST {} {}\n  caller {caller}",
            text("/httpMethod"),
            text("/path")
        )
    }
}

fn print_response(response: &Value) {
    let status = &response["statusCode"];
    let body = response["body"].as_str().unwrap_or_default();
    println!("  -> {status} {body}\n");
}
