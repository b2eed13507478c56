//! `partner-admin`: the operators' CLI for partners, their customers and
//! account claims in the partner analysis table.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use clap::error::ErrorKind;
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand};
use partner_analysis_api::admin::{self, AdminError, PartnerJson, PartnerWrite, TableCreation};
use partner_analysis_api::aws::{error_chain, load_sdk_config};
use partner_analysis_api::config::TABLE_NAME_VAR;
use partner_analysis_api::domain::authorization::Grant;
use partner_analysis_api::domain::ids::{AccountId, CustomerId, PartnerId};
use partner_analysis_api::domain::partner::Partner;
use partner_analysis_api::telemetry;

/// Manage k9 partners, their customers and account claims.
///
/// AWS credentials, region and endpoint come from the AWS SDK's standard
/// environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL and so on).
/// Exit status: 0 on success, 1 when an AWS call fails or a record is not
/// found, 2 for invalid arguments.
#[derive(Debug, Parser)]
#[command(name = "partner-admin", version)]
struct Cli {
    /// DynamoDB table that stores partners, customers and account claims.
    #[arg(long, env = TABLE_NAME_VAR, hide_env_values = true, global = true)]
    table_name: Option<String>,

    /// Log more detail to stderr: -v for info, -vv for debug, -vvv for trace.
    /// RUST_LOG overrides this.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the table with the key schema the function uses, and wait until
    /// it is ACTIVE.
    ///
    /// Billing is on demand (PAY_PER_REQUEST). A table that already exists
    /// with the same key schema (PK and SK, both strings) is left unchanged
    /// and exits 0. One with another key schema exits 1.
    CreateTable {
        /// Maximum time to wait for the table to become ACTIVE, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 180)]
        max_wait: u64,
    },
    /// Create or replace a partner with its status and the IAM principals
    /// allowed to act for it.
    PutPartner {
        #[command(flatten)]
        partner: PartnerArg,
        /// IAM principal allowed to trigger analyses for the partner: a role
        /// (every session of it), user or account root ARN. Repeat the flag
        /// for more principals.
        #[arg(long = "principal", value_name = "ARN", required = true, value_parser = parse_principal)]
        principals: Vec<Grant>,
        /// Store the partner as suspended, so that none of its principals is authorized.
        #[arg(long)]
        suspended: bool,
    },
    /// Print a partner as JSON: partnerId, status and principals.
    GetPartner {
        #[command(flatten)]
        partner: PartnerArg,
    },
    /// Print a partner's customer mappings, one JSON object per line with
    /// partnerCustomerId and customerId.
    ListCustomers {
        #[command(flatten)]
        partner: PartnerArg,
    },
    /// Claim an AWS account for an existing customer, whether or not another
    /// customer owns it.
    ///
    /// The customer must exist, otherwise the command exits 1 and changes
    /// nothing. The check and the claim are one DynamoDB transaction.
    MoveAccount {
        /// AWS account ID to claim: 12 digits.
        #[arg(long, value_parser = parse_account_id)]
        account_id: AccountId,
        /// k9 customer ID that will own the account, e.g. P123456-430363089266.
        #[arg(long, value_parser = parse_customer_id)]
        customer_id: CustomerId,
    },
}

#[derive(Debug, Args)]
struct PartnerArg {
    /// k9 partner ID: P and 6 digits, e.g. P123456.
    #[arg(long, value_parser = parse_partner_id)]
    partner_id: PartnerId,
}

fn parse_partner_id(value: &str) -> Result<PartnerId, String> {
    PartnerId::parse(value, "partner ID").map_err(|error| format!("expected {}", error.expected))
}

fn parse_account_id(value: &str) -> Result<AccountId, String> {
    AccountId::parse(value, "account ID").map_err(|error| format!("expected {}", error.expected))
}

fn parse_customer_id(value: &str) -> Result<CustomerId, String> {
    CustomerId::parse(value, "customer ID").map_err(|error| format!("expected {}", error.expected))
}

fn parse_principal(value: &str) -> Result<Grant, String> {
    Grant::parse(value).map_err(|error| error.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(log_level(cli.verbose));
    let Some(table_name) = cli.table_name.filter(|name| !name.trim().is_empty()) else {
        let message =
            format!("missing table name: set the {TABLE_NAME_VAR} environment variable or pass --table-name");
        Cli::command()
            .error(ErrorKind::MissingRequiredArgument, message)
            .exit()
    };
    let client = Client::new(&load_sdk_config().await);
    match run(&client, &table_name, cli.command).await {
        Ok(lines) => print_lines(&lines),
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            if let Some(help) = error.help() {
                eprintln!("help: {help}");
            }
            ExitCode::FAILURE
        }
    }
}

fn log_level(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    }
}

/// Runs one subcommand and returns the lines to print on stdout.
async fn run(
    client: &Client,
    table_name: &str,
    command: Command,
) -> Result<Vec<String>, AdminError> {
    let lines = match command {
        Command::CreateTable { max_wait } => {
            let max_wait = Duration::from_secs(max_wait);
            let creation = admin::create_table(client, table_name, max_wait).await?;
            vec![describe_creation(table_name, creation)]
        }
        Command::PutPartner {
            partner,
            principals,
            suspended,
        } => {
            let partner = admin::new_partner(partner.partner_id, principals, suspended);
            let write = admin::put_partner(client, table_name, &partner).await?;
            vec![describe_partner_write(&partner, write)]
        }
        Command::GetPartner { partner } => {
            let partner = admin::get_partner(client, table_name, &partner.partner_id).await?;
            vec![to_json_pretty(&PartnerJson::from(&partner))]
        }
        Command::ListCustomers { partner } => {
            let mappings = admin::list_customers(client, table_name, &partner.partner_id).await?;
            mappings.iter().map(to_json_line).collect()
        }
        Command::MoveAccount {
            account_id,
            customer_id,
        } => {
            let outcome = admin::move_account(client, table_name, &account_id, &customer_id);
            vec![outcome.await?.to_string()]
        }
    };
    Ok(lines)
}

fn describe_creation(table_name: &str, creation: TableCreation) -> String {
    match creation {
        TableCreation::Created => format!("created table {table_name}"),
        TableCreation::AlreadyExists => format!("table {table_name} already exists"),
    }
}

fn describe_partner_write(partner: &Partner, write: PartnerWrite) -> String {
    let verb = match write {
        PartnerWrite::Created => "created",
        PartnerWrite::Replaced => "replaced",
    };
    let (id, status) = (&partner.partner_id, partner.status.as_str());
    let count = partner.grants.len();
    format!("{verb} partner {id}: {status}, {count} principal(s)")
}

fn to_json_pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("output types serialize to JSON")
}

fn to_json_line(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("output types serialize to JSON")
}

/// Prints the output. A closed pipe (as with `| head`) ends the output
/// quietly, because the reader has what it wants.
fn print_lines(lines: &[String]) -> ExitCode {
    let mut stdout = io::stdout().lock();
    let result = lines
        .iter()
        .try_for_each(|line| writeln!(stdout, "{line}"))
        .and_then(|()| stdout.flush());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: failed to write output: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("partner-admin").chain(args.iter().copied()))
    }

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn put_partner_requires_principal() {
        let error = parse(&["put-partner", "--partner-id", "P123456"]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn put_partner_collects_principals() {
        let cli = parse(&[
            "put-partner",
            "--partner-id",
            "P123456",
            "--principal",
            "arn:aws:iam::111122223333:root",
            "--principal",
            "arn:aws:iam::111122223333:role/Caller",
            "--suspended",
        ])
        .unwrap();
        let Command::PutPartner {
            principals,
            suspended,
            ..
        } = cli.command
        else {
            panic!("parsed {:?}", cli.command);
        };
        assert_eq!(principals.len(), 2);
        assert!(suspended);
    }

    #[test]
    fn malformed_ids_are_usage_errors() {
        let cases: [&[&str]; 4] = [
            &["get-partner", "--partner-id", "P12345"],
            &["list-customers", "--partner-id", "p123456"],
            &[
                "move-account",
                "--account-id",
                "12345678901",
                "--customer-id",
                "P123456-430363089266",
            ],
            &[
                "move-account",
                "--account-id",
                "123456789012",
                "--customer-id",
                "P123456-4303",
            ],
        ];
        for args in cases {
            let error = parse(args).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::ValueValidation, "{args:?}");
            assert_eq!(error.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn malformed_principal_is_usage_error() {
        let error = parse(&[
            "put-partner",
            "--partner-id",
            "P123456",
            "--principal",
            "arn:aws:s3:::bucket",
        ])
        .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ValueValidation);
        assert!(error.to_string().contains("--principal"), "{error}");
    }

    #[test]
    fn table_name_may_follow_subcommand() {
        let cli = parse(&[
            "get-partner",
            "--partner-id",
            "P123456",
            "--table-name",
            "t",
        ])
        .unwrap();
        assert_eq!(cli.table_name.as_deref(), Some("t"));
    }
}
