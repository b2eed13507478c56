//! Configuration read once at cold start.

use thiserror::Error;

/// Environment variable naming the DynamoDB table.
pub const TABLE_NAME_VAR: &str = "TABLE_NAME";
/// Environment variable naming the Step Functions state machine to start.
pub const STATE_MACHINE_ARN_VAR: &str = "STATE_MACHINE_ARN";

/// Every variable the `trigger-analysis` function reads besides the AWS SDK's own.
pub const FUNCTION_VARIABLES: &[&str] = &[TABLE_NAME_VAR, STATE_MACHINE_ARN_VAR];

/// A required environment variable that is unset or empty.
#[derive(Debug, Error)]
#[error("environment variable {0} is missing or empty; set it to {1}")]
pub struct MissingVariable(pub &'static str, pub &'static str);

/// Settings of the `trigger-analysis` function.
#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub state_machine_arn: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, MissingVariable> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, MissingVariable> {
        Ok(Self {
            table_name: required(&lookup, TABLE_NAME_VAR, "the DynamoDB table name")?,
            state_machine_arn: required(
                &lookup,
                STATE_MACHINE_ARN_VAR,
                "the ARN of the analysis state machine",
            )?,
        })
    }
}

/// Reads the table name alone, for the admin CLI.
pub fn table_name_from_env() -> Result<String, MissingVariable> {
    required(
        &|name: &str| std::env::var(name).ok(),
        TABLE_NAME_VAR,
        "the DynamoDB table name",
    )
}

fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    meaning: &'static str,
) -> Result<String, MissingVariable> {
    match lookup(name) {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(MissingVariable(name, meaning)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_both_variables() {
        let config = Config::from_lookup(|name| Some(format!("value-of-{name}"))).unwrap();
        assert_eq!(config.table_name, "value-of-TABLE_NAME");
        assert_eq!(config.state_machine_arn, "value-of-STATE_MACHINE_ARN");
    }

    #[test]
    fn config_names_missing_variable() {
        let error = Config::from_lookup(|name| (name == TABLE_NAME_VAR).then(|| "t".to_string()))
            .unwrap_err();
        assert_eq!(error.0, STATE_MACHINE_ARN_VAR);
        assert!(error.to_string().contains("STATE_MACHINE_ARN"));
    }

    #[test]
    fn config_rejects_blank_value() {
        let error = Config::from_lookup(|_| Some("  ".to_string())).unwrap_err();
        assert_eq!(error.0, TABLE_NAME_VAR);
    }
}
