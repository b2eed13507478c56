//! The single-table layout shared by the function and the admin CLI.
//!
//! | item | `PK` | `SK` |
//! |---|---|---|
//! | partner | `PARTNER#P123456` | `PARTNER` |
//! | customer mapping | `PARTNER#P123456` | `CUSTOMER#<partnerCustomerId>` |
//! | customer ID reservation | `CUSTOMER#P123456-430363089266` | `CUSTOMER` |
//! | account claim | `ACCOUNT#123456789012` | `ACCOUNT` |

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::domain::ids::{AccountId, CustomerId, PartnerCustomerId, PartnerId};

/// Partition key attribute name.
pub const PARTITION_KEY: &str = "PK";
/// Sort key attribute name.
pub const SORT_KEY: &str = "SK";

/// Sort key prefix of the customer mappings under a partner's partition.
pub const CUSTOMER_SORT_PREFIX: &str = "CUSTOMER#";

/// Returns the table's key schema: string `PK` as hash key, string `SK` as range key.
pub fn key_schema() -> Vec<KeySchemaElement> {
    [(PARTITION_KEY, KeyType::Hash), (SORT_KEY, KeyType::Range)]
        .into_iter()
        .map(|(name, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .expect("attribute name and key type are set")
        })
        .collect()
}

/// Attribute definitions for the key attributes, both strings.
pub fn attribute_definitions() -> Vec<AttributeDefinition> {
    [PARTITION_KEY, SORT_KEY]
        .into_iter()
        .map(|name| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute name and type are set")
        })
        .collect()
}

/// A primary key of one item.
pub type Key = HashMap<String, AttributeValue>;

fn key(partition: String, sort: String) -> Key {
    HashMap::from([
        (PARTITION_KEY.to_string(), AttributeValue::S(partition)),
        (SORT_KEY.to_string(), AttributeValue::S(sort)),
    ])
}

pub fn partner_partition(partner_id: &PartnerId) -> String {
    format!("PARTNER#{partner_id}")
}

pub fn partner_key(partner_id: &PartnerId) -> Key {
    key(partner_partition(partner_id), "PARTNER".to_string())
}

pub fn mapping_key(partner_id: &PartnerId, partner_customer_id: &PartnerCustomerId) -> Key {
    key(
        partner_partition(partner_id),
        format!("{CUSTOMER_SORT_PREFIX}{partner_customer_id}"),
    )
}

pub fn customer_key(customer_id: &CustomerId) -> Key {
    key(format!("CUSTOMER#{customer_id}"), "CUSTOMER".to_string())
}

pub fn account_key(account_id: &AccountId) -> Key {
    key(format!("ACCOUNT#{account_id}"), "ACCOUNT".to_string())
}

/// Builds an item from `key` and the string attributes in `fields`.
pub fn item(key: Key, fields: &[(&str, &str)]) -> Key {
    let mut item = key;
    for (name, value) in fields {
        item.insert(name.to_string(), AttributeValue::S(value.to_string()));
    }
    item
}

/// Reads a string attribute from an item.
pub fn string_attribute<'a>(item: &'a Key, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}
