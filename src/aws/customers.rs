//! Customer mappings and account claims, created atomically on first use.

use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{CancellationReason, Get, Put, TransactGetItem, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use rand::Rng;

use crate::aws::table::{self, string_attribute, Key};
use crate::aws::{classify, DependencyError};
use crate::domain::ids::{AccountId, CustomerId, PartnerCustomerId, PartnerId};

/// Attribute holding a k9 customer ID, on mappings and claims.
pub const CUSTOMER_ID_ATTRIBUTE: &str = "customerId";

/// Rounds of read-then-write before a contended request gives up with a 503.
const MAX_ROUNDS: u32 = 6;

const NOT_EXISTS: &str = "attribute_not_exists(PK)";

/// The outcome of looking up, and if needed creating, a customer and its claim on an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// The account belongs to this customer, now or from before.
    Granted(CustomerId),
    /// Another customer owns the account, or it is claimed while this partner
    /// customer has no mapping yet. Nothing was written.
    Denied,
}

/// The partner customer and the account of one request.
#[derive(Clone, Copy, Debug)]
pub struct CustomerAccount<'a> {
    pub partner_id: &'a PartnerId,
    pub partner_customer_id: &'a PartnerCustomerId,
    pub account_id: &'a AccountId,
}

/// Result of one read-then-write round.
enum Round {
    Done(Ownership),
    /// Another request changed the items between read and write; read again.
    Contended,
}

/// Finds the customer mapped to the partner customer and checks it owns the
/// account, creating the mapping and the claim when they are missing.
///
/// Writes are conditional, so concurrent first requests for one partner
/// customer all end with the same customer ID, and no request leaves a
/// mapping without a claim or a claim without a mapping.
pub async fn resolve_owner(
    client: &Client,
    table_name: &str,
    request: CustomerAccount<'_>,
) -> Result<Ownership, DependencyError> {
    for round in 1..=MAX_ROUNDS {
        match resolve_once(client, table_name, request).await? {
            Round::Done(ownership) => return Ok(ownership),
            Round::Contended => {
                tracing::debug!(round, account_id = %request.account_id, "customer write contended");
                tokio::time::sleep(backoff(round)).await;
            }
        }
    }
    Err(DependencyError::Exhausted {
        operation: "customer mapping",
        attempts: MAX_ROUNDS,
        reason: "concurrent requests kept changing the same items",
    })
}

fn backoff(round: u32) -> Duration {
    let base_ms = 10 * u64::from(round);
    Duration::from_millis(rand::rng().random_range(base_ms..base_ms * 3))
}

async fn resolve_once(
    client: &Client,
    table_name: &str,
    request: CustomerAccount<'_>,
) -> Result<Round, DependencyError> {
    let mapping_key = table::mapping_key(request.partner_id, request.partner_customer_id);
    let account_key = table::account_key(request.account_id);
    let Some(snapshot) = read_snapshot(client, table_name, [mapping_key, account_key]).await?
    else {
        return Ok(Round::Contended);
    };
    let [mapping, owner] = snapshot;
    match (mapping, owner) {
        (Some(customer), Some(owner)) if customer == owner => {
            Ok(Round::Done(Ownership::Granted(customer)))
        }
        (_, Some(_)) => Ok(Round::Done(Ownership::Denied)),
        (Some(customer), None) => claim_account(client, table_name, request, customer).await,
        (None, None) => create_customer(client, table_name, request).await,
    }
}

/// Reads the customer IDs on the mapping and the account claim together.
///
/// One `TransactGetItems` gives a consistent snapshot: two separate reads
/// could see a concurrent request's claim but not its mapping, and deny a
/// request that should be granted. Returns `None` when a concurrent
/// transaction on the same items cancelled the read.
async fn read_snapshot(
    client: &Client,
    table_name: &str,
    keys: [Key; 2],
) -> Result<Option<[Option<CustomerId>; 2]>, DependencyError> {
    let operation = "DynamoDB TransactGetItems (customer and claim)";
    let gets = keys
        .iter()
        .map(|key| transact_get(table_name, key.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let output = match client
        .transact_get_items()
        .set_transact_items(Some(gets))
        .send()
        .await
    {
        Ok(output) => output,
        Err(error) => {
            let reasons = match error.as_service_error() {
                Some(TransactGetItemsError::TransactionCanceledException(cancelled)) => {
                    cancelled.cancellation_reasons()
                }
                _ => &[],
            };
            return match cancellation(reasons) {
                Some(Cancellation::Contended) => Ok(None),
                Some(Cancellation::Throttled) => Err(DependencyError::Unavailable {
                    operation,
                    source: Box::new(error),
                }),
                Some(Cancellation::Other) | None => Err(classify(operation, error)),
            };
        }
    };
    let responses = output.responses();
    let customer_at = |index: usize| {
        let item = responses.get(index).and_then(|response| response.item());
        item.map(|item| customer_id_of(&keys[index], item))
            .transpose()
    };
    Ok(Some([customer_at(0)?, customer_at(1)?]))
}

fn transact_get(table_name: &str, key: Key) -> Result<TransactGetItem, DependencyError> {
    let get = Get::builder()
        .table_name(table_name)
        .set_key(Some(key))
        .build()
        .map_err(|error| {
            DependencyError::unbuildable("build DynamoDB TransactGetItems request", error)
        })?;
    Ok(TransactGetItem::builder().get(get).build())
}

/// Reads the customer ID stored on a mapping or claim item found at `key`.
pub fn customer_id_of(key: &Key, item: &Key) -> Result<CustomerId, DependencyError> {
    let invalid = |reason: &str| DependencyError::InvalidItem {
        key: string_attribute(key, table::PARTITION_KEY)
            .unwrap_or_default()
            .to_string(),
        reason: reason.to_string(),
    };
    let value = string_attribute(item, CUSTOMER_ID_ATTRIBUTE)
        .ok_or_else(|| invalid("customerId is missing"))?;
    CustomerId::parse(value, CUSTOMER_ID_ATTRIBUTE).map_err(|error| invalid(&error.to_string()))
}

/// Claims an unclaimed account for an existing customer.
async fn claim_account(
    client: &Client,
    table_name: &str,
    request: CustomerAccount<'_>,
    customer: CustomerId,
) -> Result<Round, DependencyError> {
    let now = now_rfc3339();
    let result = client
        .put_item()
        .table_name(table_name)
        .set_item(Some(claim_item(request.account_id, &customer, &now)))
        .condition_expression(NOT_EXISTS)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Round::Done(Ownership::Granted(customer))),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|service| service.is_conditional_check_failed_exception()) =>
        {
            Ok(Round::Contended)
        }
        Err(error) => Err(classify("DynamoDB PutItem (account claim)", error)),
    }
}

/// Creates a new customer: its mapping, its customer ID reservation and its
/// claim on the account, in one transaction.
async fn create_customer(
    client: &Client,
    table_name: &str,
    request: CustomerAccount<'_>,
) -> Result<Round, DependencyError> {
    let customer = CustomerId::random(request.partner_id, &mut rand::rng());
    let now = now_rfc3339();
    let mapping = table::item(
        table::mapping_key(request.partner_id, request.partner_customer_id),
        &[
            ("partnerId", request.partner_id.as_str()),
            ("partnerCustomerId", request.partner_customer_id.as_str()),
            (CUSTOMER_ID_ATTRIBUTE, customer.as_str()),
            ("createdAt", &now),
        ],
    );
    let reservation = reservation_item(request, &customer, &now);
    let claim = claim_item(request.account_id, &customer, &now);
    let items = [mapping, reservation, claim]
        .into_iter()
        .map(|item| conditional_put(table_name, item))
        .collect::<Result<Vec<_>, _>>()?;
    let result = client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    match result {
        Ok(_) => Ok(Round::Done(Ownership::Granted(customer))),
        Err(error) => {
            let operation = "DynamoDB TransactWriteItems (new customer)";
            let reasons = match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    cancelled.cancellation_reasons()
                }
                _ => &[],
            };
            match cancellation(reasons) {
                Some(Cancellation::Contended) => Ok(Round::Contended),
                Some(Cancellation::Throttled) => Err(DependencyError::Unavailable {
                    operation,
                    source: Box::new(error),
                }),
                Some(Cancellation::Other) | None => Err(classify(operation, error)),
            }
        }
    }
}

/// Cause of a cancelled transaction, from its per-item cancellation reasons.
enum Cancellation {
    /// An item already existed or another transaction held it: read again and retry.
    Contended,
    /// Throttled or over capacity: worth a retry later, not now.
    Throttled,
    /// A validation failure or another cause that no retry fixes.
    Other,
}

fn cancellation(reasons: &[CancellationReason]) -> Option<Cancellation> {
    if reasons.is_empty() {
        return None;
    }
    let codes: Vec<&str> = reasons
        .iter()
        .filter_map(|reason| reason.code())
        .filter(|code| *code != "None")
        .collect();
    let throttled = |code: &&str| {
        matches!(
            *code,
            "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded"
        )
    };
    let contended = |code: &&str| matches!(*code, "ConditionalCheckFailed" | "TransactionConflict");
    if codes.iter().any(throttled) {
        Some(Cancellation::Throttled)
    } else if !codes.is_empty() && codes.iter().all(contended) {
        Some(Cancellation::Contended)
    } else {
        Some(Cancellation::Other)
    }
}

fn conditional_put(table_name: &str, item: Key) -> Result<TransactWriteItem, DependencyError> {
    let put = Put::builder()
        .table_name(table_name)
        .set_item(Some(item))
        .condition_expression(NOT_EXISTS)
        .build()
        .map_err(|error| {
            DependencyError::unbuildable("build DynamoDB TransactWriteItems request", error)
        })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Builds the item that reserves a customer ID, so no two customers share one.
fn reservation_item(request: CustomerAccount<'_>, customer: &CustomerId, now: &str) -> Key {
    table::item(
        table::customer_key(customer),
        &[
            (CUSTOMER_ID_ATTRIBUTE, customer.as_str()),
            ("partnerId", request.partner_id.as_str()),
            ("partnerCustomerId", request.partner_customer_id.as_str()),
            ("createdAt", now),
        ],
    )
}

/// Builds the item that records which customer owns an account.
pub fn claim_item(account_id: &AccountId, customer: &CustomerId, now: &str) -> Key {
    table::item(
        table::account_key(account_id),
        &[
            ("accountId", account_id.as_str()),
            (CUSTOMER_ID_ATTRIBUTE, customer.as_str()),
            ("claimedAt", now),
        ],
    )
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancelled(codes: &[&str]) -> Option<Cancellation> {
        let reasons: Vec<CancellationReason> = codes
            .iter()
            .map(|code| CancellationReason::builder().code(*code).build())
            .collect();
        cancellation(&reasons)
    }

    #[test]
    fn condition_failures_and_conflicts_are_contention() {
        let cases: [&[&str]; 3] = [
            &["ConditionalCheckFailed", "None", "None"],
            &["None", "TransactionConflict", "None"],
            &[
                "ConditionalCheckFailed",
                "TransactionConflict",
                "ConditionalCheckFailed",
            ],
        ];
        for codes in cases {
            assert!(
                matches!(cancelled(codes), Some(Cancellation::Contended)),
                "{codes:?}"
            );
        }
    }

    #[test]
    fn capacity_cancellations_are_throttling() {
        let cases: [&[&str]; 2] = [
            &["ThrottlingError", "None", "None"],
            &[
                "ConditionalCheckFailed",
                "ProvisionedThroughputExceeded",
                "None",
            ],
        ];
        for codes in cases {
            assert!(
                matches!(cancelled(codes), Some(Cancellation::Throttled)),
                "{codes:?}"
            );
        }
    }

    #[test]
    fn other_cancellations_are_not_retried() {
        let cases: [&[&str]; 2] = [
            &["ValidationError", "None", "None"],
            &["None", "None", "None"],
        ];
        for codes in cases {
            assert!(
                matches!(cancelled(codes), Some(Cancellation::Other)),
                "{codes:?}"
            );
        }
    }
}
