//! DynamoDB calls made only by the admin CLI.
//!
//! The calls in the other `aws` modules are taken to be the function's, so
//! its IAM policy need not allow the ones here. A call the function needs
//! belongs in those modules, even if the CLI makes it too.

use std::error::Error as StdError;
use std::time::Duration;

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, BillingMode, ConditionCheck, Put, ReturnValue, TableDescription,
    TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::admin::AdminError;
use crate::aws::customers::{claim_item, customer_id_of, now_rfc3339};
use crate::aws::partners::partner_from_item;
use crate::aws::table::{self, Key, CUSTOMER_SORT_PREFIX};
use crate::aws::{classify, DependencyError};
use crate::domain::ids::{AccountId, CustomerId, PartnerId};
use crate::domain::partner::Partner;

/// Maps an SDK failure to [`AdminError::TableNotFound`] when DynamoDB reports
/// the table missing, and classifies it otherwise.
fn failed<E>(
    operation: &'static str,
    table_name: &str,
    error: SdkError<E, HttpResponse>,
) -> AdminError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let code = error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code);
    if code == Some("ResourceNotFoundException") {
        AdminError::TableNotFound(table_name.to_string())
    } else {
        classify(operation, error).into()
    }
}

/// Sends CreateTable with the function's key schema and on-demand billing.
/// Returns `false` when a table of that name already exists.
pub async fn create_table(client: &Client, table_name: &str) -> Result<bool, AdminError> {
    let result = client
        .create_table()
        .table_name(table_name)
        .set_key_schema(Some(table::key_schema()))
        .set_attribute_definitions(Some(table::attribute_definitions()))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(CreateTableError::is_resource_in_use_exception) =>
        {
            Ok(false)
        }
        Err(error) => Err(failed("DynamoDB CreateTable", table_name, error)),
    }
}

pub async fn describe_table(
    client: &Client,
    table_name: &str,
) -> Result<TableDescription, AdminError> {
    let output = client
        .describe_table()
        .table_name(table_name)
        .send()
        .await
        .map_err(|error| failed("DynamoDB DescribeTable", table_name, error))?;
    output
        .table
        .ok_or_else(|| AdminError::TableNotFound(table_name.to_string()))
}

/// Polls DescribeTable with the SDK's `table_exists` waiter until the table is
/// ACTIVE, for at most `max_wait`.
pub async fn wait_until_active(
    client: &Client,
    table_name: &str,
    max_wait: Duration,
) -> Result<(), AdminError> {
    client
        .wait_until_table_exists()
        .table_name(table_name)
        .wait(max_wait)
        .await
        .map_err(|error| DependencyError::Unexpected {
            operation: "wait for DynamoDB table to become ACTIVE",
            source: Box::new(error),
        })?;
    Ok(())
}

/// Writes a partner item, replacing any previous one. Returns `true` when a
/// partner item was replaced.
pub async fn put_partner_item(
    client: &Client,
    table_name: &str,
    item: Key,
) -> Result<bool, AdminError> {
    let output = client
        .put_item()
        .table_name(table_name)
        .set_item(Some(item))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .map_err(|error| failed("DynamoDB PutItem (partner)", table_name, error))?;
    Ok(output.attributes.is_some_and(|old| !old.is_empty()))
}

/// Reads a partner with a strongly consistent read, or `None` when there is none.
pub async fn read_partner(
    client: &Client,
    table_name: &str,
    partner_id: &PartnerId,
) -> Result<Option<Partner>, AdminError> {
    let output = client
        .get_item()
        .table_name(table_name)
        .set_key(Some(table::partner_key(partner_id)))
        .consistent_read(true)
        .send()
        .await
        .map_err(|error| failed("DynamoDB GetItem (partner)", table_name, error))?;
    let partner = output
        .item
        .map(|item| partner_from_item(partner_id, &item))
        .transpose()?;
    Ok(partner)
}

/// Reads every customer mapping item under a partner's partition, following
/// DynamoDB's pages until the last one.
pub async fn query_customer_mappings(
    client: &Client,
    table_name: &str,
    partner_id: &PartnerId,
) -> Result<Vec<Key>, AdminError> {
    client
        .query()
        .table_name(table_name)
        .key_condition_expression("PK = :partition AND begins_with(SK, :prefix)")
        .expression_attribute_values(
            ":partition",
            AttributeValue::S(table::partner_partition(partner_id)),
        )
        .expression_attribute_values(":prefix", AttributeValue::S(CUSTOMER_SORT_PREFIX.into()))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|error| failed("DynamoDB Query (customer mappings)", table_name, error))
}

/// Reads the customer that owns an account, or `None` when it is unclaimed.
pub async fn read_account_owner(
    client: &Client,
    table_name: &str,
    account_id: &AccountId,
) -> Result<Option<CustomerId>, AdminError> {
    let output = client
        .get_item()
        .table_name(table_name)
        .set_key(Some(table::account_key(account_id)))
        .consistent_read(true)
        .send()
        .await
        .map_err(|error| failed("DynamoDB GetItem (account claim)", table_name, error))?;
    let key = table::account_key(account_id);
    let owner = output
        .item
        .map(|item| customer_id_of(&key, &item))
        .transpose()?;
    Ok(owner)
}

/// The outcome of [`write_claim`] when the customer exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimWrite {
    Written,
    /// The account's owner is no longer `previous`, so nothing was written.
    OwnerChanged,
}

/// Claims an account for `customer_id` in one transaction that also checks
/// the customer's ID reservation exists. The claim is written only while the
/// account's owner is still `previous` (`None`: unclaimed).
pub async fn write_claim(
    client: &Client,
    table_name: &str,
    account_id: &AccountId,
    customer_id: &CustomerId,
    previous: Option<&CustomerId>,
) -> Result<ClaimWrite, AdminError> {
    let items = vec![
        customer_exists(table_name, customer_id)?,
        claim_put(table_name, account_id, customer_id, previous)?,
    ];
    let result = client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    let operation = "DynamoDB TransactWriteItems (move account)";
    let Err(error) = result else {
        return Ok(ClaimWrite::Written);
    };
    match claim_failure(&error) {
        Some(ClaimFailure::CustomerMissing) => {
            Err(AdminError::CustomerNotFound(customer_id.clone()))
        }
        Some(ClaimFailure::Contended) => Ok(ClaimWrite::OwnerChanged),
        Some(ClaimFailure::Throttled) => Err(DependencyError::Unavailable {
            operation,
            source: Box::new(error),
        }
        .into()),
        None => Err(failed(operation, table_name, error)),
    }
}

/// Builds the transaction item that requires the customer's ID reservation to exist.
fn customer_exists(
    table_name: &str,
    customer_id: &CustomerId,
) -> Result<TransactWriteItem, AdminError> {
    let check = ConditionCheck::builder()
        .table_name(table_name)
        .set_key(Some(table::customer_key(customer_id)))
        .condition_expression("attribute_exists(PK)")
        .build()
        .map_err(|error| {
            DependencyError::unbuildable("build DynamoDB TransactWriteItems request", error)
        })?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// Builds the transaction item that writes the claim while the owner is still `previous`.
fn claim_put(
    table_name: &str,
    account_id: &AccountId,
    customer_id: &CustomerId,
    previous: Option<&CustomerId>,
) -> Result<TransactWriteItem, AdminError> {
    let builder = Put::builder()
        .table_name(table_name)
        .set_item(Some(claim_item(account_id, customer_id, &now_rfc3339())));
    let builder = match previous {
        None => builder.condition_expression("attribute_not_exists(PK)"),
        Some(owner) => builder
            .condition_expression("customerId = :previous")
            .expression_attribute_values(":previous", AttributeValue::S(owner.to_string())),
    };
    let put = builder.build().map_err(|error| {
        DependencyError::unbuildable("build DynamoDB TransactWriteItems request", error)
    })?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Why DynamoDB cancelled the move transaction, from its per-item reasons in
/// request order: the reservation check first, the claim second.
#[derive(Debug, PartialEq, Eq)]
enum ClaimFailure {
    CustomerMissing,
    /// The claim's condition failed or another transaction held an item.
    Contended,
    Throttled,
}

fn claim_failure<R>(error: &SdkError<TransactWriteItemsError, R>) -> Option<ClaimFailure> {
    let TransactWriteItemsError::TransactionCanceledException(cancelled) =
        error.as_service_error()?
    else {
        return None;
    };
    let codes: Vec<&str> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|reason| reason.code().unwrap_or("None"))
        .collect();
    classify_cancellation(&codes)
}

fn classify_cancellation(codes: &[&str]) -> Option<ClaimFailure> {
    let throttled = |code: &&str| {
        matches!(
            *code,
            "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded"
        )
    };
    let contended = |code: &&str| matches!(*code, "ConditionalCheckFailed" | "TransactionConflict");
    if codes.first() == Some(&"ConditionalCheckFailed") {
        Some(ClaimFailure::CustomerMissing)
    } else if codes.iter().any(throttled) {
        Some(ClaimFailure::Throttled)
    } else if codes.iter().any(contended) {
        Some(ClaimFailure::Contended)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::aws::tests::service_error;

    fn get_item_failure(code: &str) -> AdminError {
        let error = GetItemError::generic(ErrorMetadata::builder().code(code).build());
        failed("GetItem", "partners", service_error(error, 400))
    }

    #[test]
    fn missing_table_is_table_not_found() {
        let error = get_item_failure("ResourceNotFoundException");
        assert!(matches!(&error, AdminError::TableNotFound(name) if name == "partners"));
    }

    #[test]
    fn other_failure_is_dependency_error() {
        let error = get_item_failure("AccessDeniedException");
        assert!(matches!(error, AdminError::Dependency(_)), "{error:?}");
    }

    #[test]
    fn failed_reservation_check_is_missing_customer() {
        assert_eq!(
            classify_cancellation(&["ConditionalCheckFailed", "ConditionalCheckFailed"]),
            Some(ClaimFailure::CustomerMissing)
        );
    }

    #[test]
    fn failed_claim_condition_is_contention() {
        assert_eq!(
            classify_cancellation(&["None", "ConditionalCheckFailed"]),
            Some(ClaimFailure::Contended)
        );
        assert_eq!(
            classify_cancellation(&["TransactionConflict", "None"]),
            Some(ClaimFailure::Contended)
        );
    }

    #[test]
    fn throttled_cancellation_is_retryable() {
        assert_eq!(
            classify_cancellation(&["None", "ThrottlingError"]),
            Some(ClaimFailure::Throttled)
        );
    }

    #[test]
    fn other_cancellation_is_unclassified() {
        assert_eq!(classify_cancellation(&["ValidationError", "None"]), None);
        assert_eq!(classify_cancellation(&[]), None);
    }
}
