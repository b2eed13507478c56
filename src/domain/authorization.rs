//! Grants: the IAM principals that may act for a partner, and how callers match them.

use std::fmt;

use thiserror::Error;

/// An IAM principal ARN that a partner record grants, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// `arn:P:iam::A:role/PATH/NAME`: every session of that role.
    Role {
        partition: String,
        account: String,
        name: String,
        arn: String,
    },
    /// `arn:P:iam::A:user/PATH/NAME`: that user, matched on the exact ARN.
    User { arn: String },
    /// `arn:P:iam::A:root`: every principal of that account.
    Account {
        partition: String,
        account: String,
        arn: String,
    },
}

/// A principal ARN that cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "invalid principal ARN {0:?}: expected arn:PARTITION:iam::ACCOUNT:role/NAME, \
     arn:PARTITION:iam::ACCOUNT:user/NAME or arn:PARTITION:iam::ACCOUNT:root"
)]
pub struct InvalidGrant(pub String);

/// The parts of an ARN this module compares.
struct ArnParts<'a> {
    partition: &'a str,
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split_arn(arn: &str) -> Option<ArnParts<'_>> {
    let mut parts = arn.splitn(6, ':');
    let prefix = parts.next()?;
    let partition = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    let valid = prefix == "arn"
        && valid_partition(partition)
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|byte| byte.is_ascii_digit())
        && !resource.is_empty();
    valid.then_some(ArnParts {
        partition,
        service,
        account,
        resource,
    })
}

/// `aws`, or `aws-` and a lowercase suffix such as `cn` or `us-gov`.
fn valid_partition(partition: &str) -> bool {
    partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|suffix| {
            !suffix.is_empty()
                && suffix
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte == b'-')
        })
}

/// Returns the name of an IAM `PATH/NAME`, checking both against IAM's rules
/// for roles and users: a path of at most 512 printable ASCII characters and
/// a name of 1 to 64 characters from `A-Za-z0-9+=,.@_-`.
fn valid_path_name(path_and_name: &str) -> Option<&str> {
    const MAX_PATH_BYTES: usize = 512;
    const MAX_NAME_BYTES: usize = 64;
    let (path, name) = path_and_name
        .rsplit_once('/')
        .unwrap_or(("", path_and_name));
    let name_allowed = |byte: u8| byte.is_ascii_alphanumeric() || b"+=,.@_-".contains(&byte);
    let path_valid =
        path.len() < MAX_PATH_BYTES && path.bytes().all(|byte| byte.is_ascii_graphic());
    let name_valid = (1..=MAX_NAME_BYTES).contains(&name.len()) && name.bytes().all(name_allowed);
    (path_valid && name_valid).then_some(name)
}

impl Grant {
    /// Parses a granted principal ARN.
    pub fn parse(arn: &str) -> Result<Self, InvalidGrant> {
        let invalid = || InvalidGrant(arn.to_string());
        let parts = split_arn(arn)
            .filter(|parts| parts.service == "iam")
            .ok_or_else(invalid)?;
        if parts.resource == "root" {
            return Ok(Grant::Account {
                partition: parts.partition.to_string(),
                account: parts.account.to_string(),
                arn: arn.to_string(),
            });
        }
        if let Some(path_and_name) = parts.resource.strip_prefix("role/") {
            let name = valid_path_name(path_and_name).ok_or_else(invalid)?;
            return Ok(Grant::Role {
                partition: parts.partition.to_string(),
                account: parts.account.to_string(),
                name: name.to_string(),
                arn: arn.to_string(),
            });
        }
        if let Some(path_and_name) = parts.resource.strip_prefix("user/") {
            valid_path_name(path_and_name).ok_or_else(invalid)?;
            return Ok(Grant::User {
                arn: arn.to_string(),
            });
        }
        Err(invalid())
    }

    /// Returns the ARN as the operator wrote it.
    pub fn arn(&self) -> &str {
        match self {
            Grant::Role { arn, .. } | Grant::User { arn } | Grant::Account { arn, .. } => arn,
        }
    }

    /// Tells whether the caller with ARN `caller` is covered by this grant.
    ///
    /// Role sessions appear as `arn:P:sts::A:assumed-role/NAME/SESSION`, without
    /// the role's path, so a role grant matches on partition, account and name.
    pub fn allows(&self, caller: &str) -> bool {
        let Some(caller_parts) = split_arn(caller) else {
            return false;
        };
        match self {
            Grant::Account {
                partition, account, ..
            } => caller_parts.partition == partition && caller_parts.account == account,
            Grant::User { arn } => caller == arn,
            Grant::Role {
                partition,
                account,
                name,
                ..
            } => {
                caller_parts.service == "sts"
                    && caller_parts.partition == partition
                    && caller_parts.account == account
                    && assumed_role_name(caller_parts.resource) == Some(name.as_str())
            }
        }
    }
}

fn assumed_role_name(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("assumed-role/")?;
    let (name, session) = rest.split_once('/')?;
    (!name.is_empty() && !session.is_empty()).then_some(name)
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.arn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(arn: &str) -> Grant {
        Grant::parse(arn).unwrap()
    }

    #[test]
    fn role_grant_allows_its_sessions_whatever_the_path() {
        let role = grant("arn:aws:iam::111122223333:role/partners/k9/Caller");
        assert!(role.allows("arn:aws:sts::111122223333:assumed-role/Caller/session-1"));
        assert!(!role.allows("arn:aws:sts::111122223333:assumed-role/Other/session-1"));
        assert!(!role.allows("arn:aws:sts::999922223333:assumed-role/Caller/session-1"));
        assert!(!role.allows("arn:aws-cn:sts::111122223333:assumed-role/Caller/session-1"));
        assert!(!role.allows("arn:aws:sts::111122223333:assumed-role/Caller"));
        assert!(!role.allows("arn:aws:iam::111122223333:role/partners/k9/Caller/x"));
    }

    #[test]
    fn role_grant_is_not_a_prefix_match() {
        let role = grant("arn:aws:iam::111122223333:role/Caller");
        assert!(!role.allows("arn:aws:sts::111122223333:assumed-role/CallerAdmin/s"));
    }

    #[test]
    fn user_grant_matches_exact_arn() {
        let user = grant("arn:aws:iam::111122223333:user/ops/alice");
        assert!(user.allows("arn:aws:iam::111122223333:user/ops/alice"));
        assert!(!user.allows("arn:aws:iam::111122223333:user/alice"));
        assert!(!user.allows("arn:aws:iam::111122223333:user/ops/alice2"));
    }

    #[test]
    fn root_grant_allows_every_principal_of_account() {
        let root = grant("arn:aws-us-gov:iam::111122223333:root");
        assert!(root.allows("arn:aws-us-gov:sts::111122223333:assumed-role/Any/s"));
        assert!(root.allows("arn:aws-us-gov:iam::111122223333:user/bob"));
        assert!(!root.allows("arn:aws:iam::111122223333:user/bob"));
        assert!(!root.allows("arn:aws-us-gov:iam::444455556666:user/bob"));
    }

    #[test]
    fn malformed_callers_are_not_allowed() {
        let root = grant("arn:aws:iam::111122223333:root");
        for caller in [
            "",
            "anonymous",
            "arn:aws:iam::11112222333:root",
            "arn:aws:iam:us-east-1:111122223333:root",
        ] {
            assert!(!root.allows(caller), "{caller}");
        }
    }

    #[test]
    fn parse_limits_name_to_64_characters() {
        let longest = format!("arn:aws:iam::111122223333:role/{}", "r".repeat(64));
        assert!(Grant::parse(&longest).is_ok());
        let too_long = format!("arn:aws:iam::111122223333:user/{}", "u".repeat(65));
        assert_eq!(Grant::parse(&too_long), Err(InvalidGrant(too_long.clone())));
    }

    #[test]
    fn parse_rejects_other_arns() {
        for arn in [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111122223333:group/admins",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/bad name",
            "arn:aws:iam::111122223333:role/bad path/Name",
            "arn:awsfoo:iam::111122223333:root",
            "arn:aws-:iam::111122223333:root",
            "arn:aws:sts::111122223333:assumed-role/Caller/s",
            "arn:aws:iam::1111222233:root",
            "*",
        ] {
            assert_eq!(
                Grant::parse(arn),
                Err(InvalidGrant(arn.to_string())),
                "{arn}"
            );
        }
    }
}
