//! Partner records: status and the principals allowed to act for the partner.

use serde::Serialize;

use crate::domain::authorization::Grant;
use crate::domain::ids::PartnerId;

/// Whether a partner may trigger analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerStatus {
    Active,
    Suspended,
}

impl PartnerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Active => "active",
            PartnerStatus::Suspended => "suspended",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(PartnerStatus::Active),
            "suspended" => Some(PartnerStatus::Suspended),
            _ => None,
        }
    }
}

/// A partner as stored in the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partner {
    pub partner_id: PartnerId,
    pub status: PartnerStatus,
    pub grants: Vec<Grant>,
}

impl Partner {
    /// Tells whether `caller` (an IAM principal ARN) may act for this partner.
    pub fn authorizes(&self, caller: &str) -> bool {
        self.status == PartnerStatus::Active && self.grants.iter().any(|grant| grant.allows(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner(status: PartnerStatus) -> Partner {
        Partner {
            partner_id: PartnerId::parse("P123456", "partner_id").unwrap(),
            status,
            grants: vec![Grant::parse("arn:aws:iam::111122223333:role/Caller").unwrap()],
        }
    }

    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Caller/s";

    #[test]
    fn active_partner_authorizes_granted_caller() {
        assert!(partner(PartnerStatus::Active).authorizes(SESSION));
    }

    #[test]
    fn suspended_partner_authorizes_nobody() {
        assert!(!partner(PartnerStatus::Suspended).authorizes(SESSION));
    }

    #[test]
    fn partner_without_grants_authorizes_nobody() {
        let mut record = partner(PartnerStatus::Active);
        record.grants.clear();
        assert!(!record.authorizes(SESSION));
    }
}
