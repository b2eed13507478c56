//! Operator commands behind the `partner-admin` CLI: create the table, manage
//! partners, list their customers and move account claims.
//!
//! Each command takes the DynamoDB client and the table name and returns a
//! typed result, so the CLI only parses arguments and prints.

use std::fmt;
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType, TableDescription};
use aws_sdk_dynamodb::Client;
use serde::{Serialize, Serializer};

use crate::aws::admin::{self as calls, ClaimWrite};
use crate::aws::customers::{now_rfc3339, CUSTOMER_ID_ATTRIBUTE};
use crate::aws::partners::partner_item;
use crate::aws::table::{self, string_attribute, Key, PARTITION_KEY, SORT_KEY};
use crate::aws::DependencyError;
use crate::domain::authorization::Grant;
use crate::domain::ids::{AccountId, CustomerId, PartnerCustomerId, PartnerId};
use crate::domain::partner::{Partner, PartnerStatus};

/// Rounds of read-then-write before `move-account` gives up on a contended claim.
const MAX_MOVE_ROUNDS: u32 = 3;

/// Attribute holding the partner's own customer ID on a customer mapping.
const PARTNER_CUSTOMER_ID_ATTRIBUTE: &str = "partnerCustomerId";

/// A failed admin command. Every variant is exit status 1 in the CLI.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("table {0} not found")]
    TableNotFound(String),
    #[error("table {table} already exists with key schema {found}, not {expected}")]
    TableSchemaMismatch {
        table: String,
        found: String,
        expected: String,
    },
    #[error("partner {0} not found")]
    PartnerNotFound(PartnerId),
    #[error("customer {0} not found")]
    CustomerNotFound(CustomerId),
    #[error(transparent)]
    Dependency(#[from] DependencyError),
}

impl AdminError {
    /// Returns a hint naming the flag or command that fixes the error, if there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            AdminError::TableNotFound(_) => Some(
                "run `partner-admin create-table`, or pass the right --table-name (or TABLE_NAME)"
                    .to_string(),
            ),
            AdminError::TableSchemaMismatch { .. } => {
                Some("pass another --table-name (or TABLE_NAME)".to_string())
            }
            AdminError::PartnerNotFound(partner_id) => Some(format!(
                "check --partner-id, or create the partner with \
                 `partner-admin put-partner --partner-id {partner_id} --principal ARN`"
            )),
            AdminError::CustomerNotFound(customer_id) => Some(format!(
                "check --customer-id against `partner-admin list-customers --partner-id {}`",
                customer_id.partner_id()
            )),
            AdminError::Dependency(_) => None,
        }
    }
}

/// The outcome of `create-table`: a new table or a matching existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableCreation {
    Created,
    AlreadyExists,
}

/// Creates the table with the function's key schema and on-demand billing,
/// then waits at most `max_wait` until it is ACTIVE.
///
/// A table that already exists is accepted when its key schema matches, and
/// is a [`AdminError::TableSchemaMismatch`] otherwise. Nothing is changed in
/// an existing table.
pub async fn create_table(
    client: &Client,
    table_name: &str,
    max_wait: Duration,
) -> Result<TableCreation, AdminError> {
    let creation = if calls::create_table(client, table_name).await? {
        TableCreation::Created
    } else {
        let description = calls::describe_table(client, table_name).await?;
        check_key_schema(table_name, &description)?;
        TableCreation::AlreadyExists
    };
    calls::wait_until_active(client, table_name, max_wait).await?;
    tracing::info!(table_name, ?creation, "table is active");
    Ok(creation)
}

/// The key schema `create-table` creates, in the form `describe_key_schema` returns.
fn expected_key_schema() -> String {
    let expected = TableDescription::builder()
        .set_key_schema(Some(table::key_schema()))
        .set_attribute_definitions(Some(table::attribute_definitions()))
        .build();
    describe_key_schema(&expected)
}

/// Checks that an existing table has the `PK` and `SK` string keys the function uses.
fn check_key_schema(table_name: &str, description: &TableDescription) -> Result<(), AdminError> {
    let found = describe_key_schema(description);
    let expected = expected_key_schema();
    if found == expected {
        Ok(())
    } else {
        Err(AdminError::TableSchemaMismatch {
            table: table_name.to_string(),
            found,
            expected,
        })
    }
}

/// Lists the table's key attributes with their key type and attribute type,
/// hash key first, e.g. `PK (HASH, S), SK (RANGE, S)`.
fn describe_key_schema(description: &TableDescription) -> String {
    let mut keys: Vec<_> = description.key_schema().iter().collect();
    keys.sort_by_key(|key| *key.key_type() != KeyType::Hash);
    let attribute_type = |name: &str| {
        description
            .attribute_definitions()
            .iter()
            .find(|definition| definition.attribute_name() == name)
            .map(|definition| scalar_name(definition.attribute_type()))
    };
    keys.iter()
        .map(|key| {
            let name = key.attribute_name();
            let scalar = attribute_type(name).unwrap_or("?");
            format!("{name} ({}, {scalar})", key.key_type().as_str())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn scalar_name(kind: &ScalarAttributeType) -> &'static str {
    match kind {
        ScalarAttributeType::S => "S",
        ScalarAttributeType::N => "N",
        ScalarAttributeType::B => "B",
        _ => "?",
    }
}

/// Builds the partner that `put-partner` stores, dropping repeated principals.
pub fn new_partner(partner_id: PartnerId, principals: Vec<Grant>, suspended: bool) -> Partner {
    let mut grants: Vec<Grant> = Vec::with_capacity(principals.len());
    for grant in principals {
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    let status = if suspended {
        PartnerStatus::Suspended
    } else {
        PartnerStatus::Active
    };
    Partner {
        partner_id,
        status,
        grants,
    }
}

/// The outcome of `put-partner`: a new partner or a replaced one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnerWrite {
    Created,
    Replaced,
}

/// Creates or replaces a partner record, with all its principals and its status.
pub async fn put_partner(
    client: &Client,
    table_name: &str,
    partner: &Partner,
) -> Result<PartnerWrite, AdminError> {
    let item = partner_item(partner, &now_rfc3339());
    let replaced = calls::put_partner_item(client, table_name, item).await?;
    let write = if replaced {
        PartnerWrite::Replaced
    } else {
        PartnerWrite::Created
    };
    tracing::info!(partner_id = %partner.partner_id, ?write, "partner saved");
    Ok(write)
}

/// Reads a partner with a strongly consistent read, so a partner written just
/// before is found.
pub async fn get_partner(
    client: &Client,
    table_name: &str,
    partner_id: &PartnerId,
) -> Result<Partner, AdminError> {
    calls::read_partner(client, table_name, partner_id)
        .await?
        .ok_or_else(|| AdminError::PartnerNotFound(partner_id.clone()))
}

/// A partner as `get-partner` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerJson<'a> {
    pub partner_id: &'a str,
    pub status: PartnerStatus,
    pub principals: Vec<&'a str>,
}

impl<'a> From<&'a Partner> for PartnerJson<'a> {
    fn from(partner: &'a Partner) -> Self {
        Self {
            partner_id: partner.partner_id.as_str(),
            status: partner.status,
            principals: partner.grants.iter().map(Grant::arn).collect(),
        }
    }
}

/// One customer mapping of a partner, as `list-customers` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerMapping {
    #[serde(serialize_with = "serialize_display")]
    pub partner_customer_id: PartnerCustomerId,
    #[serde(serialize_with = "serialize_display")]
    pub customer_id: CustomerId,
}

fn serialize_display<T: fmt::Display, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Lists a partner's customer mappings, ordered by partner customer ID.
///
/// A partner without a partner record is [`AdminError::PartnerNotFound`],
/// even if mappings remain under its partition.
pub async fn list_customers(
    client: &Client,
    table_name: &str,
    partner_id: &PartnerId,
) -> Result<Vec<CustomerMapping>, AdminError> {
    get_partner(client, table_name, partner_id).await?;
    let items = calls::query_customer_mappings(client, table_name, partner_id).await?;
    let mappings = items
        .iter()
        .map(mapping_from_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(mappings)
}

/// Reads a customer mapping item, rejecting one with a missing or malformed ID.
fn mapping_from_item(item: &Key) -> Result<CustomerMapping, DependencyError> {
    let invalid = |reason: String| DependencyError::InvalidItem {
        key: format!(
            "{}/{}",
            string_attribute(item, PARTITION_KEY).unwrap_or("?"),
            string_attribute(item, SORT_KEY).unwrap_or("?")
        ),
        reason,
    };
    let read = |name: &'static str| {
        string_attribute(item, name).ok_or_else(|| invalid(format!("{name} is missing")))
    };
    let partner_customer_id = PartnerCustomerId::parse(
        read(PARTNER_CUSTOMER_ID_ATTRIBUTE)?,
        PARTNER_CUSTOMER_ID_ATTRIBUTE,
    )
    .map_err(|error| invalid(error.to_string()))?;
    let customer_id = CustomerId::parse(read(CUSTOMER_ID_ATTRIBUTE)?, CUSTOMER_ID_ATTRIBUTE)
        .map_err(|error| invalid(error.to_string()))?;
    Ok(CustomerMapping {
        partner_customer_id,
        customer_id,
    })
}

/// The outcome of `move-account` for one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountMove {
    pub account_id: AccountId,
    pub customer_id: CustomerId,
    /// The customer that owned the account before, if any.
    pub previous: Option<CustomerId>,
}

impl AccountMove {
    /// Tells whether the claim changed, which it does unless the account
    /// already belonged to the customer.
    pub fn changed(&self) -> bool {
        self.previous.as_ref() != Some(&self.customer_id)
    }
}

impl fmt::Display for AccountMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (account, customer) = (&self.account_id, &self.customer_id);
        match &self.previous {
            None => write!(
                f,
                "claimed unclaimed account {account} for customer {customer}"
            ),
            Some(previous) if previous == customer => write!(
                f,
                "account {account} already belongs to customer {customer}, so nothing changed"
            ),
            Some(previous) => write!(
                f,
                "moved account {account} from customer {previous} to customer {customer}"
            ),
        }
    }
}

/// Claims an account for an existing customer, replacing any previous owner.
///
/// The customer exists when its customer ID reservation exists. The check and
/// the claim are one transaction, so a missing customer is
/// [`AdminError::CustomerNotFound`] and nothing is written. The claim is
/// conditional on the owner read just before, so the reported previous owner
/// is the one replaced. An account that already belongs to the customer is
/// left unchanged without checking the reservation, because claims are only
/// ever written for reserved customers.
pub async fn move_account(
    client: &Client,
    table_name: &str,
    account_id: &AccountId,
    customer_id: &CustomerId,
) -> Result<AccountMove, AdminError> {
    for round in 1..=MAX_MOVE_ROUNDS {
        let previous = calls::read_account_owner(client, table_name, account_id).await?;
        let outcome = AccountMove {
            account_id: account_id.clone(),
            customer_id: customer_id.clone(),
            previous,
        };
        if !outcome.changed() {
            return Ok(outcome);
        }
        let previous = outcome.previous.as_ref();
        match calls::write_claim(client, table_name, account_id, customer_id, previous).await? {
            ClaimWrite::Written => {
                let previous = previous.map(tracing::field::display);
                tracing::info!(%account_id, %customer_id, previous, "account moved");
                return Ok(outcome);
            }
            ClaimWrite::OwnerChanged => {
                tracing::debug!(round, %account_id, "account owner changed during move");
            }
        }
    }
    Err(DependencyError::Exhausted {
        operation: "move-account",
        attempts: MAX_MOVE_ROUNDS,
        reason: "the account's owner kept changing between read and write",
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue, KeySchemaElement};

    /// Builds a table description with the given `(name, key type, attribute type)` keys.
    fn table_with_keys(keys: &[(&str, KeyType, ScalarAttributeType)]) -> TableDescription {
        let mut builder = TableDescription::builder();
        for (name, key_type, scalar) in keys {
            let element = KeySchemaElement::builder()
                .attribute_name(*name)
                .key_type(key_type.clone())
                .build()
                .unwrap();
            let definition = AttributeDefinition::builder()
                .attribute_name(*name)
                .attribute_type(scalar.clone())
                .build()
                .unwrap();
            builder = builder
                .key_schema(element)
                .attribute_definitions(definition);
        }
        builder.build()
    }

    fn partner_id() -> PartnerId {
        PartnerId::parse("P123456", "partner_id").unwrap()
    }

    fn customer(value: &str) -> CustomerId {
        CustomerId::parse(value, "customer_id").unwrap()
    }

    #[test]
    fn key_schema_matches_in_any_order() {
        let table = table_with_keys(&[
            ("SK", KeyType::Range, ScalarAttributeType::S),
            ("PK", KeyType::Hash, ScalarAttributeType::S),
        ]);
        assert!(check_key_schema("t", &table).is_ok());
    }

    #[test]
    fn key_schema_mismatch_names_found_keys() {
        let table = table_with_keys(&[("id", KeyType::Hash, ScalarAttributeType::N)]);
        let error = check_key_schema("t", &table).unwrap_err();
        let AdminError::TableSchemaMismatch {
            found, expected, ..
        } = &error
        else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(found, "id (HASH, N)");
        assert_eq!(expected, "PK (HASH, S), SK (RANGE, S)");
        assert!(error.help().unwrap().contains("--table-name"));
    }

    #[test]
    fn key_schema_rejects_number_sort_key() {
        let table = table_with_keys(&[
            ("PK", KeyType::Hash, ScalarAttributeType::S),
            ("SK", KeyType::Range, ScalarAttributeType::N),
        ]);
        assert!(check_key_schema("t", &table).is_err());
    }

    #[test]
    fn new_partner_drops_repeated_principals() {
        let role = Grant::parse("arn:aws:iam::111122223333:role/Caller").unwrap();
        let root = Grant::parse("arn:aws:iam::111122223333:root").unwrap();
        let partner = new_partner(partner_id(), vec![role.clone(), root.clone(), role], true);
        assert_eq!(partner.grants.len(), 2);
        assert_eq!(partner.grants[1], root);
        assert_eq!(partner.status, PartnerStatus::Suspended);
    }

    #[test]
    fn partner_json_lists_fields_in_order() {
        let partner = new_partner(
            partner_id(),
            vec![Grant::parse("arn:aws:iam::111122223333:root").unwrap()],
            false,
        );
        let json = serde_json::to_string(&PartnerJson::from(&partner)).unwrap();
        assert_eq!(
            json,
            r#"{"partnerId":"P123456","status":"active","principals":["arn:aws:iam::111122223333:root"]}"#
        );
    }

    #[test]
    fn mapping_from_item_reads_both_ids() {
        let item = table::item(
            table::mapping_key(
                &partner_id(),
                &PartnerCustomerId::parse("tenant-1", "p").unwrap(),
            ),
            &[
                (PARTNER_CUSTOMER_ID_ATTRIBUTE, "tenant-1"),
                (CUSTOMER_ID_ATTRIBUTE, "P123456-000000000042"),
            ],
        );
        let mapping = mapping_from_item(&item).unwrap();
        let json = serde_json::to_string(&mapping).unwrap();
        assert_eq!(
            json,
            r#"{"partnerCustomerId":"tenant-1","customerId":"P123456-000000000042"}"#
        );
    }

    #[test]
    fn mapping_without_customer_id_is_invalid() {
        let mut item = Key::new();
        item.insert(
            PARTNER_CUSTOMER_ID_ATTRIBUTE.to_string(),
            AttributeValue::S("tenant-1".to_string()),
        );
        let error = mapping_from_item(&item).unwrap_err();
        assert!(
            error.to_string().contains("customerId is missing"),
            "{error}"
        );
    }

    #[test]
    fn account_move_describes_each_outcome() {
        let account_id = AccountId::parse("123456789012", "account_id").unwrap();
        let to = customer("P123456-000000000002");
        let outcome = |previous: Option<CustomerId>| AccountMove {
            account_id: account_id.clone(),
            customer_id: to.clone(),
            previous,
        };
        let claimed = outcome(None);
        assert!(claimed.changed());
        assert_eq!(
            claimed.to_string(),
            "claimed unclaimed account 123456789012 for customer P123456-000000000002"
        );
        let moved = outcome(Some(customer("P654321-000000000001")));
        assert!(moved.changed());
        assert!(moved.to_string().starts_with(
            "moved account 123456789012 from customer P654321-000000000001 to customer"
        ));
        let unchanged = outcome(Some(to.clone()));
        assert!(!unchanged.changed());
        assert!(unchanged.to_string().contains("nothing changed"));
    }

    #[test]
    fn customer_not_found_help_names_partner() {
        let error = AdminError::CustomerNotFound(customer("P123456-000000000001"));
        assert_eq!(error.to_string(), "customer P123456-000000000001 not found");
        assert!(error.help().unwrap().contains("--partner-id P123456"));
    }
}
