//! Checks that `template.yaml` deploys what the code expects: the environment
//! the function reads, the table's key schema, the route it serves and the
//! IAM actions it calls. No AWS or emulator is involved.
//!
//! The granted actions are compared with those derived from the source: every
//! DynamoDB and Step Functions call that the Lambda can reach lives under
//! `src/aws`, except in files named `admin.rs`, which hold the admin CLI's
//! calls.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use partner_analysis_api::aws::table::{attribute_definitions, key_schema};
use partner_analysis_api::config::{FUNCTION_VARIABLES, STATE_MACHINE_ARN_VAR, TABLE_NAME_VAR};
use partner_analysis_api::http::route::ROUTE;
use regex::Regex;
use serde_json::{json, Map, Value};

const FUNCTION: &str = "TriggerAnalysisFunction";
const FUNCTION_LOG_GROUP: &str = "FunctionLogGroup";
const API: &str = "Api";
const API_ACCESS_LOG_GROUP: &str = "ApiAccessLogGroup";
const TABLE: &str = "Table";
const STATE_MACHINE: &str = "AnalysisStateMachine";
const LAMBDA_BINARY: &str = "trigger-analysis";

/// API Gateway's maximum integration timeout for a REST API, in seconds.
const API_GATEWAY_TIMEOUT_SECONDS: u64 = 29;

/// DynamoDB and Step Functions client operations, as the Rust SDK's fluent
/// method names, and the IAM action each one needs. `transact_write_items`
/// and `transact_get_items` need no action of their own: their items do.
const OPERATION_ACTIONS: &[(&str, Option<&str>)] = &[
    ("get_item", Some("dynamodb:GetItem")),
    ("put_item", Some("dynamodb:PutItem")),
    ("update_item", Some("dynamodb:UpdateItem")),
    ("delete_item", Some("dynamodb:DeleteItem")),
    ("query", Some("dynamodb:Query")),
    ("scan", Some("dynamodb:Scan")),
    ("batch_get_item", Some("dynamodb:BatchGetItem")),
    ("batch_write_item", Some("dynamodb:BatchWriteItem")),
    ("transact_get_items", None),
    ("transact_write_items", None),
    ("describe_table", Some("dynamodb:DescribeTable")),
    ("create_table", Some("dynamodb:CreateTable")),
    ("update_table", Some("dynamodb:UpdateTable")),
    ("delete_table", Some("dynamodb:DeleteTable")),
    ("list_tables", Some("dynamodb:ListTables")),
    ("describe_time_to_live", Some("dynamodb:DescribeTimeToLive")),
    ("update_time_to_live", Some("dynamodb:UpdateTimeToLive")),
    ("start_execution", Some("states:StartExecution")),
    ("start_sync_execution", Some("states:StartSyncExecution")),
    ("describe_execution", Some("states:DescribeExecution")),
    ("stop_execution", Some("states:StopExecution")),
    ("list_executions", Some("states:ListExecutions")),
    ("get_execution_history", Some("states:GetExecutionHistory")),
    (
        "describe_state_machine",
        Some("states:DescribeStateMachine"),
    ),
    ("create_state_machine", Some("states:CreateStateMachine")),
    ("send_task_success", Some("states:SendTaskSuccess")),
    ("send_task_failure", Some("states:SendTaskFailure")),
    ("send_task_heartbeat", Some("states:SendTaskHeartbeat")),
];

/// DynamoDB transaction item builders and the IAM action each item needs.
const TRANSACTION_ITEM_ACTIONS: &[(&str, &str)] = &[
    ("Put", "dynamodb:PutItem"),
    ("Update", "dynamodb:UpdateItem"),
    ("Delete", "dynamodb:DeleteItem"),
    ("ConditionCheck", "dynamodb:ConditionCheckItem"),
    ("Get", "dynamodb:GetItem"),
];

// ---------------------------------------------------------------------------
// Template loading
// ---------------------------------------------------------------------------

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses `template.yaml` into JSON, with the short intrinsic tags expanded.
fn template() -> Value {
    let path = repository_root().join("template.yaml");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    parse_cloudformation_yaml(&text)
}

fn parse_cloudformation_yaml(text: &str) -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text)
        .unwrap_or_else(|error| panic!("template.yaml is not valid YAML: {error}"));
    yaml_to_json(yaml)
}

/// Converts YAML to JSON and expands CloudFormation short tags such as
/// `!Ref X` and `!GetAtt A.B` into their long forms.
fn yaml_to_json(yaml: serde_yaml::Value) -> Value {
    match yaml {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(flag) => Value::Bool(flag),
        serde_yaml::Value::Number(number) => number_to_json(&number),
        serde_yaml::Value::String(text) => Value::String(text),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let serde_yaml::Value::String(key) = key else {
                    panic!("template.yaml has a mapping key that is not a string: {key:?}");
                };
                object.insert(key, yaml_to_json(value));
            }
            Value::Object(object)
        }
        serde_yaml::Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            expand_short_tag(tag.trim_start_matches('!'), yaml_to_json(tagged.value))
        }
    }
}

fn number_to_json(number: &serde_yaml::Number) -> Value {
    if let Some(integer) = number.as_i64() {
        json!(integer)
    } else if let Some(integer) = number.as_u64() {
        json!(integer)
    } else {
        json!(number.as_f64())
    }
}

fn expand_short_tag(tag: &str, value: Value) -> Value {
    match tag {
        "Ref" => json!({ "Ref": value }),
        "Condition" => json!({ "Condition": value }),
        "GetAtt" => match value {
            Value::String(text) => {
                let (resource, attribute) = text
                    .split_once('.')
                    .unwrap_or_else(|| panic!("!GetAtt {text} has no attribute after a dot"));
                json!({ "Fn::GetAtt": [resource, attribute] })
            }
            other => json!({ "Fn::GetAtt": other }),
        },
        "Sub" | "If" | "Equals" | "Not" | "And" | "Or" | "Join" | "Split" | "Select"
        | "FindInMap" | "Base64" | "Cidr" | "GetAZs" | "ImportValue" | "Length"
        | "ToJsonString" => {
            json!({ format!("Fn::{tag}"): value })
        }
        other => panic!("template.yaml uses the unknown tag !{other}"),
    }
}

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let resource = &template["Resources"][name];
    assert!(
        resource.is_object(),
        "template.yaml has no resource named {name}"
    );
    resource
}

fn properties<'a>(template: &'a Value, name: &str) -> &'a Value {
    &resource(template, name)["Properties"]
}

/// Returns a value that may be one item or a list as a list.
fn one_or_many(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Returns the inline policy statements of the function's `Policies`.
fn function_policy_statements(template: &Value) -> Vec<Value> {
    let policies = properties(template, FUNCTION)["Policies"]
        .as_array()
        .unwrap_or_else(|| panic!("{FUNCTION} has no Policies list"));
    let mut statements = Vec::new();
    for policy in policies {
        statements.extend(one_or_many(&policy["Statement"]));
    }
    statements
}

// ---------------------------------------------------------------------------
// Actions derived from the source
// ---------------------------------------------------------------------------

/// An IAM action that the code needs and one place that calls for it.
#[derive(Debug)]
struct ActionUse {
    action: String,
    location: String,
}

/// Replaces comments and the contents of string and character literals with
/// spaces, keeping every newline, so that matches keep their line numbers and
/// text in comments or strings never counts as a call.
fn blank_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut output = String::with_capacity(source.len());
    let mut index = 0;

    while index < chars.len() {
        let current = chars[index];
        let next = chars.get(index + 1).copied();

        if current == '/' && next == Some('/') {
            while index < chars.len() && chars[index] != '\n' {
                output.push(' ');
                index += 1;
            }
        } else if current == '/' && next == Some('*') {
            index = blank_block_comment(&chars, index, &mut output);
        } else if let Some(hashes) = raw_string_start(&chars, index) {
            index = blank_raw_string(&chars, index, hashes, &mut output);
        } else if current == '"' {
            index = blank_string(&chars, index, &mut output);
        } else if current == '\'' {
            index = blank_char_literal(&chars, index, &mut output);
        } else {
            output.push(current);
            index += 1;
        }
    }
    output
}

fn blank_char(output: &mut String, character: char) {
    output.push(if character == '\n' { '\n' } else { ' ' });
}

fn blank_block_comment(chars: &[char], start: usize, output: &mut String) -> usize {
    let mut depth = 0;
    let mut index = start;
    while index < chars.len() {
        let pair = (chars[index], chars.get(index + 1).copied());
        if pair == ('/', Some('*')) {
            depth += 1;
            output.push_str("  ");
            index += 2;
        } else if pair == ('*', Some('/')) {
            depth -= 1;
            output.push_str("  ");
            index += 2;
            if depth == 0 {
                break;
            }
        } else {
            blank_char(output, chars[index]);
            index += 1;
        }
    }
    index
}

/// Returns the number of `#` signs when a raw string (`r"`, `r#"`, `br"`)
/// starts at `index`.
fn raw_string_start(chars: &[char], index: usize) -> Option<usize> {
    let is_identifier = |c: char| c.is_alphanumeric() || c == '_';
    if chars[index] != 'r' {
        return None;
    }
    let previous = index.checked_sub(1).map(|i| chars[i]);
    let starts_token = match previous {
        None => true,
        Some('b') => index < 2 || !is_identifier(chars[index - 2]),
        Some(c) => !is_identifier(c),
    };
    if !starts_token {
        return None;
    }
    let hashes = chars[index + 1..].iter().take_while(|&&c| c == '#').count();
    (chars.get(index + 1 + hashes) == Some(&'"')).then_some(hashes)
}

fn blank_raw_string(chars: &[char], start: usize, hashes: usize, output: &mut String) -> usize {
    let opening = 2 + hashes;
    output.extend(&chars[start..start + opening]);
    let mut index = start + opening;
    while index < chars.len() {
        let closes = chars[index] == '"'
            && chars[index + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes;
        if closes {
            output.extend(&chars[index..index + 1 + hashes]);
            return index + 1 + hashes;
        }
        blank_char(output, chars[index]);
        index += 1;
    }
    index
}

fn blank_string(chars: &[char], start: usize, output: &mut String) -> usize {
    output.push('"');
    let mut index = start + 1;
    while index < chars.len() {
        match chars[index] {
            '\\' => {
                blank_char(output, chars[index]);
                if let Some(&escaped) = chars.get(index + 1) {
                    blank_char(output, escaped);
                }
                index += 2;
            }
            '"' => {
                output.push('"');
                return index + 1;
            }
            other => {
                blank_char(output, other);
                index += 1;
            }
        }
    }
    index
}

/// Blanks a character literal such as `'{'` or `'\n'`; leaves a lifetime
/// such as `'a` unchanged.
fn blank_char_literal(chars: &[char], start: usize, output: &mut String) -> usize {
    let end = if chars.get(start + 1) == Some(&'\\') {
        // The closing quote comes after the escaped character, so `'\''` works.
        chars
            .get(start + 3..)
            .and_then(|rest| rest.iter().position(|&c| c == '\''))
            .map(|offset| start + 3 + offset)
    } else if chars.get(start + 2) == Some(&'\'') {
        Some(start + 2)
    } else {
        None
    };
    match end {
        Some(end) => {
            output.push('\'');
            output.extend(std::iter::repeat_n(' ', end - start - 1));
            output.push('\'');
            end + 1
        }
        None => {
            output.push('\'');
            start + 1
        }
    }
}

/// Blanks every brace-delimited item marked `#[cfg(test)]`, so that test
/// set-up calls do not count as calls of the deployed function.
fn blank_test_items(code: &str) -> String {
    let attribute = Regex::new(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]").expect("valid regex");
    let mut bytes = code.as_bytes().to_vec();
    for found in attribute.find_iter(code) {
        // An item without a body, such as `use x;`, ends at its semicolon.
        let Some(open) = code[found.end()..]
            .find(['{', ';'])
            .map(|i| found.end() + i)
            .filter(|&i| bytes[i] == b'{')
        else {
            continue;
        };
        let mut depth = 0usize;
        let mut end = bytes.len();
        for (offset, &byte) in bytes[open..].iter().enumerate() {
            match byte {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + offset + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        for byte in &mut bytes[found.start()..end] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Returns the code of a Rust file with comments, literals and test items
/// blanked out.
fn callable_code(source: &str) -> String {
    blank_test_items(&blank_comments_and_literals(source))
}

fn line_number(code: &str, offset: usize) -> usize {
    code[..offset].matches('\n').count() + 1
}

fn operation_call_pattern() -> Regex {
    let names: Vec<&str> = OPERATION_ACTIONS.iter().map(|(name, _)| *name).collect();
    Regex::new(&format!(r"\.\s*({})\s*\(", names.join("|"))).expect("valid regex")
}

fn transaction_builder_pattern() -> Regex {
    let names: Vec<&str> = TRANSACTION_ITEM_ACTIONS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    Regex::new(&format!(r"\b({})::builder\s*\(", names.join("|"))).expect("valid regex")
}

/// Derives the IAM actions from one file's code; `file` names it in locations.
fn actions_in_code(code: &str, file: &str) -> Vec<ActionUse> {
    let operations: BTreeMap<&str, Option<&str>> = OPERATION_ACTIONS.iter().copied().collect();
    let builders: BTreeMap<&str, &str> = TRANSACTION_ITEM_ACTIONS.iter().copied().collect();
    let mut uses = Vec::new();

    for call in operation_call_pattern().captures_iter(code) {
        let name = call.get(1).expect("group 1 is the operation").as_str();
        if let Some(action) = operations[name] {
            let line = line_number(code, call.get(0).expect("whole match").start());
            uses.push(ActionUse {
                action: action.to_string(),
                location: format!(".{name}() at {file}:{line}"),
            });
        }
    }

    for builder in transaction_builder_pattern().captures_iter(code) {
        let name = builder.get(1).expect("group 1 is the item type").as_str();
        let line = line_number(code, builder.get(0).expect("whole match").start());
        uses.push(ActionUse {
            action: builders[name].to_string(),
            location: format!("{name}::builder() at {file}:{line}"),
        });
    }
    uses
}

fn rust_files_under(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = fs::read_dir(&current)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", current.display()));
        for entry in entries {
            let path = entry.expect("readable directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative_path(path: &Path) -> String {
    path.strip_prefix(repository_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Returns whether a file under `src/aws` contains code the Lambda can reach:
/// `admin.rs` files are the admin CLI's and `tests.rs` files are test code.
fn reachable_from_lambda(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    !matches!(name, Some("admin.rs" | "tests.rs"))
}

/// Derives the IAM actions that the Lambda's code under `src/aws` needs.
fn actions_called_by_function() -> BTreeMap<String, Vec<String>> {
    let mut actions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut transaction_calls = Vec::new();
    let mut transaction_builders = 0;

    for path in rust_files_under(&repository_root().join("src/aws")) {
        if !reachable_from_lambda(&path) {
            continue;
        }
        let source = fs::read_to_string(&path).expect("readable source file");
        let code = callable_code(&source);
        let file = relative_path(&path);

        if code.contains("transact_write_items") || code.contains("transact_get_items") {
            transaction_calls.push(file.clone());
        }
        transaction_builders += transaction_builder_pattern().find_iter(&code).count();

        for found in actions_in_code(&code, &file) {
            actions
                .entry(found.action)
                .or_default()
                .push(found.location);
        }
    }

    assert!(
        transaction_calls.is_empty() || transaction_builders > 0,
        "{} run a DynamoDB transaction, but no transaction item builder \
         (Put/Update/Delete/ConditionCheck/Get::builder()) appears under src/aws, \
         so the actions its items need cannot be derived; build the items under src/aws",
        transaction_calls.join(", ")
    );
    actions
}

// ---------------------------------------------------------------------------
// Tests of the helpers above, so that the drift checks cannot pass vacuously
// ---------------------------------------------------------------------------

#[test]
fn short_tags_expand_to_long_forms() {
    let parsed = parse_cloudformation_yaml(
        "a: !Ref Table\n\
         b: !GetAtt Table.Arn\n\
         c: !Sub \"arn:${AWS::Partition}:x\"\n\
         d: !If [Cond, !Ref X, !Ref AWS::NoValue]\n\
         e: !Split [\",\", !Ref Ids]\n",
    );
    assert_eq!(parsed["a"], json!({ "Ref": "Table" }));
    assert_eq!(parsed["b"], json!({ "Fn::GetAtt": ["Table", "Arn"] }));
    assert_eq!(parsed["c"], json!({ "Fn::Sub": "arn:${AWS::Partition}:x" }));
    assert_eq!(
        parsed["d"],
        json!({ "Fn::If": ["Cond", { "Ref": "X" }, { "Ref": "AWS::NoValue" }] })
    );
    assert_eq!(parsed["e"], json!({ "Fn::Split": [",", { "Ref": "Ids" }] }));
}

#[test]
fn scanner_finds_fluent_calls_and_builders() {
    let source = r#"
        async fn save(client: &Client) {
            client
                .get_item()
                .send()
                .await;
            let item = TransactWriteItem::builder()
                .put(Put::builder().table_name("t").build())
                .condition_check(types::ConditionCheck::builder().build());
            client.transact_write_items().transact_items(item);
            sfn.start_execution().send().await;
        }
    "#;
    let code = callable_code(source);
    let actions: BTreeSet<String> = actions_in_code(&code, "example.rs")
        .into_iter()
        .map(|found| found.action)
        .collect();
    let expected: BTreeSet<String> = [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
        "states:StartExecution",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(actions, expected);
}

#[test]
fn scanner_reports_line_of_call() {
    let code = callable_code("fn f() {\n\n    client.put_item().send();\n}\n");
    let found = actions_in_code(&code, "example.rs");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].location, ".put_item() at example.rs:3");
}

#[test]
fn scanner_ignores_comments_strings_and_tests() {
    let source = r##"
        //! Calls `.delete_item()` in a doc comment.
        /* a block comment: client.scan() /* nested .query() */ */
        const TEXT: &str = "client.update_item()";
        const RAW: &str = r#"Delete::builder() and "quoted" .batch_write_item()"#;
        const BRACE: char = '{';
        const QUOTE: char = '\'';
        fn borrow<'a>(value: &'a str) -> &'a str { value }

        #[cfg(test)]
        mod tests {
            fn set_up(client: &Client) {
                client.put_item();
                let _ = '}';
            }
        }

        #[cfg(test)]
        use crate::fixtures::client;

        fn after_tests(client: &Client) {
            client.get_item();
        }
    "##;
    let code = callable_code(source);
    let actions: Vec<String> = actions_in_code(&code, "example.rs")
        .into_iter()
        .map(|found| found.action)
        .collect();
    assert_eq!(actions, vec!["dynamodb:GetItem".to_string()]);
}

// ---------------------------------------------------------------------------
// Drift checks between template.yaml and the code
// ---------------------------------------------------------------------------

#[test]
fn function_environment_matches_config() {
    let template = template();
    let variables = properties(&template, FUNCTION)["Environment"]["Variables"]
        .as_object()
        .unwrap_or_else(|| panic!("{FUNCTION} has no Environment.Variables"));

    for name in FUNCTION_VARIABLES {
        assert!(
            variables.contains_key(*name),
            "{FUNCTION} does not set {name}, which the function requires at cold start"
        );
    }
    for name in variables.keys() {
        assert!(
            FUNCTION_VARIABLES.contains(&name.as_str()),
            "{FUNCTION} sets {name}, which is not in config::FUNCTION_VARIABLES \
             {FUNCTION_VARIABLES:?}; remove it from template.yaml or add it to that list"
        );
    }

    assert_eq!(variables[TABLE_NAME_VAR], json!({ "Ref": TABLE }));
    let state_machine_arn = &variables[STATE_MACHINE_ARN_VAR];
    assert_eq!(
        state_machine_arn,
        &json!({ "Fn::If": [
            "CreateStateMachine",
            { "Ref": STATE_MACHINE },
            { "Ref": "ExistingStateMachineArn" }
        ] })
    );
}

#[test]
fn table_key_schema_matches_code() {
    let template = template();
    let table = properties(&template, TABLE);

    let expected_keys: Vec<Value> = key_schema()
        .iter()
        .map(|element| {
            json!({
                "AttributeName": element.attribute_name(),
                "KeyType": element.key_type().as_str(),
            })
        })
        .collect();
    assert_eq!(table["KeySchema"], Value::Array(expected_keys));

    let expected_attributes: Vec<Value> = attribute_definitions()
        .iter()
        .map(|definition| {
            json!({
                "AttributeName": definition.attribute_name(),
                "AttributeType": definition.attribute_type().as_str(),
            })
        })
        .collect();
    assert_eq!(
        table["AttributeDefinitions"],
        Value::Array(expected_attributes)
    );
}

#[test]
fn table_is_protected_and_on_demand() {
    let template = template();
    let table = resource(&template, TABLE);
    let settings = &table["Properties"];

    assert_eq!(settings["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        settings["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(settings["DeletionProtectionEnabled"], true);
    assert_eq!(settings["SSESpecification"]["SSEEnabled"], true);
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
}

#[test]
fn function_policy_grants_called_actions() {
    let template = template();
    let called = actions_called_by_function();

    let mut granted = BTreeSet::new();
    for statement in function_policy_statements(&template) {
        for action in one_or_many(&statement["Action"]) {
            let action = action
                .as_str()
                .unwrap_or_else(|| panic!("{FUNCTION} grants a non-string action: {action}"));
            granted.insert(action.to_string());
        }
    }

    let missing: Vec<String> = called
        .iter()
        .filter(|(action, _)| !granted.contains(*action))
        .map(|(action, locations)| format!("{action} (called by {})", locations.join(", ")))
        .collect();
    assert!(
        missing.is_empty(),
        "template.yaml does not grant {FUNCTION} these actions that its code calls: {}; \
         add them to the function's Policies",
        missing.join("; ")
    );

    let extra: Vec<&String> = granted
        .iter()
        .filter(|action| !called.contains_key(*action))
        .collect();
    assert!(
        extra.is_empty(),
        "template.yaml grants {FUNCTION} {extra:?}, but no code under src/aws \
         (outside admin.rs) calls them; remove them from the function's Policies, \
         or add the call's operation to OPERATION_ACTIONS in tests/template.rs"
    );
}

#[test]
fn function_policy_is_scoped_to_resources() {
    let template = template();
    let policies = properties(&template, FUNCTION)["Policies"]
        .as_array()
        .unwrap_or_else(|| panic!("{FUNCTION} has no Policies list"));
    for policy in policies {
        assert!(
            policy.get("Statement").is_some(),
            "{FUNCTION} has a managed policy or SAM policy template {policy}; \
             use inline statements that grant only the actions the code calls"
        );
    }

    let table_arn = json!({ "Fn::GetAtt": [TABLE, "Arn"] });
    let state_machine_arn =
        properties(&template, FUNCTION)["Environment"]["Variables"][STATE_MACHINE_ARN_VAR].clone();

    for statement in function_policy_statements(&template) {
        assert_eq!(
            statement["Effect"], "Allow",
            "unexpected statement {statement}"
        );
        assert!(
            statement.get("NotAction").is_none(),
            "NotAction in {statement}"
        );
        assert!(
            statement.get("NotResource").is_none(),
            "NotResource in {statement}"
        );

        let actions = one_or_many(&statement["Action"]);
        let resources = one_or_many(&statement["Resource"]);
        for action in &actions {
            let action = action.as_str().unwrap_or_default();
            assert!(
                !action.contains('*'),
                "wildcard action {action} in {statement}"
            );

            let expected = if action.starts_with("dynamodb:") {
                &table_arn
            } else if action.starts_with("states:") {
                &state_machine_arn
            } else {
                panic!("{FUNCTION} grants {action}, which is neither DynamoDB nor Step Functions");
            };
            assert_eq!(
                resources,
                vec![expected.clone()],
                "{action} must be granted on {expected} alone"
            );
        }
    }
}

#[test]
fn api_route_matches_handler() {
    let template = template();
    let events = properties(&template, FUNCTION)["Events"]
        .as_object()
        .unwrap_or_else(|| panic!("{FUNCTION} has no Events"));
    assert_eq!(events.len(), 1, "{FUNCTION} must have exactly one event");

    let event = events.values().next().expect("one event");
    assert_eq!(event["Type"], "Api", "the event must be a REST API event");
    let route = &event["Properties"];
    assert_eq!(route["Path"], ROUTE);
    assert_eq!(
        route["Method"].as_str().map(str::to_ascii_uppercase),
        Some("POST".to_string())
    );
    assert_eq!(route["RestApiId"], json!({ "Ref": API }));
}

#[test]
fn api_uses_iam_without_caller_credentials() {
    let template = template();
    let auth = &properties(&template, API)["Auth"];

    assert_eq!(auth["DefaultAuthorizer"], "AWS_IAM");
    assert_eq!(
        auth["InvokeRole"], "NONE",
        "with caller credentials, partners in other accounts cannot invoke the function"
    );
    let statements = auth["ResourcePolicy"]["CustomStatements"]
        .as_array()
        .expect("the API has a resource policy");
    assert!(!statements.is_empty());
}

#[test]
fn api_stage_logs_and_throttles() {
    let template = template();
    let api = properties(&template, API);

    assert_eq!(
        api["AccessLogSetting"]["DestinationArn"],
        json!({ "Fn::GetAtt": [API_ACCESS_LOG_GROUP, "Arn"] })
    );
    let format = api["AccessLogSetting"]["Format"]
        .as_str()
        .unwrap_or_default();
    for field in [
        "$context.identity.userArn",
        "$context.requestId",
        "$context.status",
        "$context.responseLatency",
    ] {
        assert!(
            format.contains(field),
            "the access log format lacks {field}"
        );
    }

    let method_settings = &api["MethodSettings"][0];
    assert_eq!(
        method_settings["LoggingLevel"],
        json!({ "Ref": "ExecutionLogLevel" })
    );
    assert_eq!(
        template["Parameters"]["ExecutionLogLevel"]["Default"],
        "OFF"
    );
    assert!(method_settings.get("ThrottlingRateLimit").is_some());
    assert!(method_settings.get("ThrottlingBurstLimit").is_some());
}

#[test]
fn function_runtime_matches_build() {
    let template = template();
    let function = resource(&template, FUNCTION);
    let settings = &function["Properties"];

    assert_eq!(settings["Runtime"], "provided.al2023");
    assert_eq!(settings["Architectures"], json!(["arm64"]));
    assert_eq!(settings["Handler"], "bootstrap");
    assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"],
        LAMBDA_BINARY
    );

    // Fails to compile when Cargo.toml has no binary of that name.
    let binary = Path::new(env!("CARGO_BIN_EXE_trigger-analysis"));
    assert_eq!(
        binary.file_stem().and_then(|stem| stem.to_str()),
        Some(LAMBDA_BINARY)
    );
}

#[test]
fn function_timeout_under_api_gateway_limit() {
    let template = template();
    let timeout = properties(&template, FUNCTION)["Timeout"]
        .as_u64()
        .unwrap_or_else(|| panic!("{FUNCTION} has no numeric Timeout"));
    assert!(timeout > 0);
    assert!(
        timeout < API_GATEWAY_TIMEOUT_SECONDS,
        "Timeout {timeout} s must stay under API Gateway's {API_GATEWAY_TIMEOUT_SECONDS} s"
    );
}

#[test]
fn function_logs_json_with_retention() {
    let template = template();
    let logging = &properties(&template, FUNCTION)["LoggingConfig"];
    assert_eq!(logging["LogFormat"], "JSON");
    assert_eq!(logging["LogGroup"], json!({ "Ref": FUNCTION_LOG_GROUP }));

    for group in [FUNCTION_LOG_GROUP, API_ACCESS_LOG_GROUP] {
        assert_eq!(resource(&template, group)["Type"], "AWS::Logs::LogGroup");
        assert!(
            properties(&template, group)
                .get("RetentionInDays")
                .is_some(),
            "{group} has no RetentionInDays"
        );
    }
}

#[test]
fn state_machine_is_standard() {
    let template = template();
    let state_machine = resource(&template, STATE_MACHINE);
    assert_eq!(state_machine["Properties"]["Type"], "STANDARD");
    assert_eq!(state_machine["Condition"], "CreateStateMachine");
}

#[test]
fn outputs_name_route_table_and_state_machine() {
    let template = template();
    let outputs = &template["Outputs"];

    let url = outputs["AnalysisUrl"]["Value"]["Fn::Sub"]
        .as_str()
        .expect("AnalysisUrl is a !Sub string");
    assert!(
        url.ends_with(ROUTE),
        "AnalysisUrl {url} does not end with {ROUTE}"
    );
    assert_eq!(outputs["TableName"]["Value"], json!({ "Ref": TABLE }));
    assert_eq!(
        outputs["StateMachineArn"]["Value"],
        properties(&template, FUNCTION)["Environment"]["Variables"][STATE_MACHINE_ARN_VAR]
    );
}
