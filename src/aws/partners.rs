//! Reading partner records.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use crate::aws::table::{self, string_attribute, Key};
use crate::aws::{classify, DependencyError};
use crate::domain::authorization::Grant;
use crate::domain::ids::PartnerId;
use crate::domain::partner::{Partner, PartnerStatus};

/// Attribute holding the partner's status, `active` or `suspended`.
pub const STATUS_ATTRIBUTE: &str = "status";
/// Attribute holding the granted principal ARNs, a list of strings.
pub const PRINCIPALS_ATTRIBUTE: &str = "principals";

/// Reads a partner, or `None` when there is no such partner.
pub async fn get_partner(
    client: &Client,
    table_name: &str,
    partner_id: &PartnerId,
) -> Result<Option<Partner>, DependencyError> {
    let output = client
        .get_item()
        .table_name(table_name)
        .set_key(Some(table::partner_key(partner_id)))
        .send()
        .await
        .map_err(|error| classify("DynamoDB GetItem (partner)", error))?;
    output
        .item
        .map(|item| partner_from_item(partner_id, &item))
        .transpose()
}

/// Builds a partner from its stored item.
pub fn partner_from_item(partner_id: &PartnerId, item: &Key) -> Result<Partner, DependencyError> {
    let invalid = |reason: String| DependencyError::InvalidItem {
        key: table::partner_partition(partner_id),
        reason,
    };
    let status = string_attribute(item, STATUS_ATTRIBUTE)
        .and_then(PartnerStatus::parse)
        .ok_or_else(|| invalid(format!("{STATUS_ATTRIBUTE} is not active or suspended")))?;
    let grants = match item.get(PRINCIPALS_ATTRIBUTE) {
        Some(AttributeValue::L(values)) => values
            .iter()
            .map(|value| {
                let arn = value
                    .as_s()
                    .map_err(|_| invalid("a principal is not a string".into()))?;
                Grant::parse(arn).map_err(|error| invalid(error.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(invalid(format!("{PRINCIPALS_ATTRIBUTE} is not a list"))),
    };
    Ok(Partner {
        partner_id: partner_id.clone(),
        status,
        grants,
    })
}

/// Builds the stored item for `partner`.
pub fn partner_item(partner: &Partner, updated_at: &str) -> Key {
    let mut item = table::item(
        table::partner_key(&partner.partner_id),
        &[
            ("partnerId", partner.partner_id.as_str()),
            (STATUS_ATTRIBUTE, partner.status.as_str()),
            ("updatedAt", updated_at),
        ],
    );
    let principals = partner
        .grants
        .iter()
        .map(|grant| AttributeValue::S(grant.arn().to_string()))
        .collect();
    item.insert(
        PRINCIPALS_ATTRIBUTE.to_string(),
        AttributeValue::L(principals),
    );
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_item_round_trips() {
        let partner = Partner {
            partner_id: PartnerId::parse("P123456", "partner_id").unwrap(),
            status: PartnerStatus::Suspended,
            grants: vec![
                Grant::parse("arn:aws:iam::111122223333:role/a/Caller").unwrap(),
                Grant::parse("arn:aws:iam::111122223333:root").unwrap(),
            ],
        };
        let item = partner_item(&partner, "2026-01-01T00:00:00Z");
        assert_eq!(
            partner_from_item(&partner.partner_id, &item).unwrap(),
            partner
        );
    }

    #[test]
    fn partner_with_unknown_status_is_invalid() {
        let partner_id = PartnerId::parse("P123456", "partner_id").unwrap();
        let mut item = table::item(table::partner_key(&partner_id), &[(STATUS_ATTRIBUTE, "on")]);
        item.insert(PRINCIPALS_ATTRIBUTE.to_string(), AttributeValue::L(vec![]));
        let error = partner_from_item(&partner_id, &item).unwrap_err();
        assert!(matches!(error, DependencyError::InvalidItem { .. }));
    }
}
