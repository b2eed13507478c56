//! The local emulator that `scripts/with-emulator.sh` starts: clients, and a
//! fresh table and state machine for each test.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Clients for the emulator named by `AWS_ENDPOINT_URL`.
#[derive(Clone)]
pub struct Emulator {
    pub endpoint: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sfn: aws_sdk_sfn::Client,
}

impl Emulator {
    /// Connects to the emulator. The tests run through `make test`, which
    /// starts one and sets `AWS_ENDPOINT_URL`.
    pub async fn connect() -> Self {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
            panic!(
                "AWS_ENDPOINT_URL is not set: run the tests with `make test`, \
                 which starts the local emulator"
            )
        });
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "AWS_ENDPOINT_URL must be a loopback emulator, got {endpoint}"
        );
        let config = partner_analysis_api::aws::load_sdk_config().await;
        Self {
            endpoint,
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            sfn: aws_sdk_sfn::Client::new(&config),
        }
    }

    /// Returns the emulator's `host:port`.
    pub fn address(&self) -> String {
        self.endpoint.trim_start_matches("http://").to_string()
    }

    /// Creates a table with a unique name and the schema `partner-admin create-table` uses.
    pub async fn fresh_table(&self) -> String {
        let name = format!("test-{}", uuid::Uuid::new_v4());
        partner_analysis_api::aws::admin::create_table(&self.dynamodb, &name)
            .await
            .expect("create the test table");
        name
    }

    /// Creates a STANDARD state machine with a unique name and returns its ARN.
    pub async fn fresh_state_machine(&self) -> String {
        let definition = r#"{"StartAt":"Analyse","States":{"Analyse":{"Type":"Pass","End":true}}}"#;
        let output = self
            .sfn
            .create_state_machine()
            .name(format!("analysis-{}", uuid::Uuid::new_v4()))
            .definition(definition)
            .role_arn("arn:aws:iam::123456789012:role/analysis-state-machine")
            .send()
            .await
            .expect("create the test state machine");
        output.state_machine_arn
    }

    /// Scans every item in `table`, sorted by key, to compare before and after a request.
    pub async fn items(&self, table: &str) -> Vec<Item> {
        let pages: Vec<_> = self
            .dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("scan the test table");
        let mut items = pages;
        items.sort_by_key(|item| {
            let text = |name: &str| item.get(name).and_then(|value| value.as_s().ok()).cloned();
            (text("PK"), text("SK"))
        });
        items
    }

    /// Items in `table` whose partition key starts with `prefix`.
    pub async fn items_with_prefix(&self, table: &str, prefix: &str) -> Vec<Item> {
        self.items(table)
            .await
            .into_iter()
            .filter(|item| string(item, "PK").starts_with(prefix))
            .collect()
    }

    /// Name and parsed input of every execution of `state_machine_arn`.
    pub async fn executions(&self, state_machine_arn: &str) -> Vec<(String, Value)> {
        let listed = self
            .sfn
            .list_executions()
            .state_machine_arn(state_machine_arn)
            .send()
            .await
            .expect("list executions");
        let mut executions = Vec::new();
        for execution in listed.executions() {
            let described = self
                .sfn
                .describe_execution()
                .execution_arn(execution.execution_arn())
                .send()
                .await
                .expect("describe execution");
            let input = described.input().unwrap_or("null");
            let input = serde_json::from_str(input).expect("execution input is JSON");
            executions.push((execution.name().to_string(), input));
        }
        executions.sort_by(|left, right| left.0.cmp(&right.0));
        executions
    }
}

/// Returns the string attribute `name` of `item`, or "" when absent.
pub fn string(item: &Item, name: &str) -> String {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .cloned()
        .unwrap_or_default()
}
