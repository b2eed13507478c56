//! The real `partner-admin` binary against the emulator: output, exit codes
//! and what each command changes.

mod support;

use std::process::Output;

use serde_json::{json, Value};
use support::emulator::{string, Emulator};
use support::{rest_event, Functions, Stack, CALLER_ROLE, PARTNER_ID};

async fn admin(table: &str, arguments: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_partner-admin"))
        .env("TABLE_NAME", table)
        .args(arguments)
        .output()
        .await
        .expect("run partner-admin")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_table_uses_function_key_schema() {
    let emulator = Emulator::connect().await;
    let table = format!("cli-{}", uuid::Uuid::new_v4());

    let output = admin(&table, &["create-table"]).await;

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let described = emulator
        .dynamodb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let description = described.table().unwrap();
    let keys: Vec<(String, String)> = description
        .key_schema()
        .iter()
        .map(|key| {
            (
                key.attribute_name().to_string(),
                key.key_type().as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![("PK".into(), "HASH".into()), ("SK".into(), "RANGE".into())]
    );
    let billing = description
        .billing_mode_summary()
        .and_then(|summary| summary.billing_mode());
    assert_eq!(billing.map(|mode| mode.as_str()), Some("PAY_PER_REQUEST"));
}

#[tokio::test(flavor = "multi_thread")]
async fn put_partner_then_get_partner() {
    let stack = Stack::new().await;
    let put = admin(
        &stack.table,
        &[
            "put-partner",
            "--partner-id",
            PARTNER_ID,
            "--principal",
            CALLER_ROLE,
            "--principal",
            "arn:aws:iam::444455556666:root",
        ],
    )
    .await;
    assert_eq!(put.status.code(), Some(0), "{}", stderr(&put));

    let get = admin(&stack.table, &["get-partner", "--partner-id", PARTNER_ID]).await;

    assert_eq!(get.status.code(), Some(0), "{}", stderr(&get));
    let printed: Value = serde_json::from_str(&stdout(&get)).expect("JSON output");
    let expected = json!({
        "partnerId": PARTNER_ID,
        "status": "active",
        "principals": [CALLER_ROLE, "arn:aws:iam::444455556666:root"],
    });
    assert_eq!(printed, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_partner_exits_1() {
    let stack = Stack::new().await;
    for command in ["get-partner", "list-customers"] {
        let output = admin(&stack.table, &[command, "--partner-id", "P000404"]).await;

        assert_eq!(output.status.code(), Some(1), "{command}");
        assert!(
            stderr(&output).contains("P000404"),
            "{command}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("not found"),
            "{command}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{command}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_arguments_exit_2_and_write_nothing() {
    let stack = Stack::new().await;
    let before = stack.emulator.items(&stack.table).await;
    let cases: [&[&str]; 6] = [
        &[
            "put-partner",
            "--partner-id",
            "P12345",
            "--principal",
            CALLER_ROLE,
        ],
        &[
            "put-partner",
            "--partner-id",
            PARTNER_ID,
            "--principal",
            "arn:aws:s3:::bucket",
        ],
        &["put-partner", "--partner-id", PARTNER_ID],
        &["get-partner", "--partner-id", "p123456"],
        &[
            "move-account",
            "--account-id",
            "12345",
            "--customer-id",
            "P123456-000000000001",
        ],
        &[
            "move-account",
            "--account-id",
            "123456789012",
            "--customer-id",
            "P123456-1",
        ],
    ];
    for arguments in cases {
        let output = admin(&stack.table, arguments).await;

        assert_eq!(
            output.status.code(),
            Some(2),
            "{arguments:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("--help"),
            "{arguments:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(stack.emulator.items(&stack.table).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_table_name_exits_2() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_partner-admin"))
        .env_remove("TABLE_NAME")
        .args(["get-partner", "--partner-id", PARTNER_ID])
        .output()
        .await
        .expect("run partner-admin");

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("TABLE_NAME"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_customers_prints_each_mapping() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;
    let mut expected = Vec::new();
    for (customer, account) in [
        ("customer-a", "100000000001"),
        ("customer-b", "100000000002"),
    ] {
        let reply = functions
            .call(rest_event(PARTNER_ID, customer, account))
            .await;
        assert_eq!(reply.status, 202, "{:?}", reply.body);
        expected
            .push(json!({"partnerCustomerId": customer, "customerId": reply.body["customerId"]}));
    }

    let output = admin(
        &stack.table,
        &["list-customers", "--partner-id", PARTNER_ID],
    )
    .await;

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let printed: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(printed, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn moved_account_follows_new_owner() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;
    let first = functions
        .call(rest_event(PARTNER_ID, "old-owner", "200000000001"))
        .await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let second = functions
        .call(rest_event(PARTNER_ID, "new-owner", "200000000002"))
        .await;
    assert_eq!(second.status, 202, "{:?}", second.body);
    let new_owner = second.body["customerId"].as_str().unwrap();

    let output = admin(
        &stack.table,
        &[
            "move-account",
            "--account-id",
            "200000000001",
            "--customer-id",
            new_owner,
        ],
    )
    .await;

    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let claims = stack
        .emulator
        .items_with_prefix(&stack.table, "ACCOUNT#200000000001")
        .await;
    assert_eq!(string(&claims[0], "customerId"), new_owner);
    let old = functions
        .call(rest_event(PARTNER_ID, "old-owner", "200000000001"))
        .await;
    assert_eq!(old.status, 403, "{:?}", old.body);
    let new = functions
        .call(rest_event(PARTNER_ID, "new-owner", "200000000001"))
        .await;
    assert_eq!(new.status, 202, "{:?}", new.body);
    assert_eq!(new.body["customerId"], new_owner);
}

#[tokio::test(flavor = "multi_thread")]
async fn move_to_unknown_customer_exits_1() {
    let stack = Stack::with_partner().await;
    let functions = Functions::one(&stack).await;
    let reply = functions
        .call(rest_event(PARTNER_ID, "only-owner", "300000000001"))
        .await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let before = stack.emulator.items(&stack.table).await;

    let output = admin(
        &stack.table,
        &[
            "move-account",
            "--account-id",
            "300000000001",
            "--customer-id",
            "P123456-999999999999",
        ],
    )
    .await;

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("P123456-999999999999"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("not found"), "{}", stderr(&output));
    assert_eq!(stack.emulator.items(&stack.table).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn suspension_applies_to_new_instances() {
    let stack = Stack::with_partner().await;
    let output = admin(
        &stack.table,
        &[
            "put-partner",
            "--partner-id",
            PARTNER_ID,
            "--principal",
            CALLER_ROLE,
            "--suspended",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let functions = Functions::one(&stack).await;

    let reply = functions.call(support::event("rest-accepted.json")).await;

    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert!(stack
        .emulator
        .items_with_prefix(&stack.table, "ACCOUNT#")
        .await
        .is_empty());
}
