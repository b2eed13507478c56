//! Identifiers, each parsed once at the edge with a checked constructor.
//!
//! The published patterns use `\d` and `\w`, which match Unicode digits and
//! letters in Rust's `regex`; these checks accept ASCII only.

use std::fmt;

use rand::Rng;
use thiserror::Error;

/// A value that does not have the form its identifier requires.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {name} {value:?}: expected {expected}")]
pub struct InvalidId {
    /// The identifier's name, as the caller wrote it (`account_id` or `accountId`).
    pub name: &'static str,
    /// The rejected value, cut to 64 characters.
    pub value: String,
    /// The form the value must have.
    pub expected: &'static str,
}

impl InvalidId {
    pub fn new(name: &'static str, value: &str, expected: &'static str) -> Self {
        Self {
            name,
            value: super::echo(value),
            expected,
        }
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// k9 partner ID: `P` and 6 ASCII digits, e.g. `P123456`.
    PartnerId
);
string_id!(
    /// The partner's own tenant ID: 6 to 64 of `A-Z a-z 0-9 _ - .`.
    PartnerCustomerId
);
string_id!(
    /// AWS account ID: 12 ASCII digits.
    AccountId
);
string_id!(
    /// k9 customer ID: `{partnerId}-{12 digits}`, e.g. `P123456-430363089266`.
    CustomerId
);

pub const PARTNER_ID_FORM: &str = "P followed by 6 digits, e.g. P123456";
pub const PARTNER_CUSTOMER_ID_FORM: &str =
    "6 to 64 characters from A-Z a-z 0-9 _ - ., e.g. 550e8400-e29b-41d4-a716-446655440000";
pub const ACCOUNT_ID_FORM: &str = "12 digits, e.g. 123456789012";
pub const CUSTOMER_ID_FORM: &str =
    "a partner ID, a hyphen and 12 digits, e.g. P123456-430363089266";

fn all_digits(value: &str) -> bool {
    value.bytes().all(|byte| byte.is_ascii_digit())
}

impl PartnerId {
    pub fn parse(value: &str, name: &'static str) -> Result<Self, InvalidId> {
        let valid = value.len() == 7 && value.starts_with('P') && all_digits(&value[1..]);
        if valid {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidId::new(name, value, PARTNER_ID_FORM))
        }
    }
}

impl PartnerCustomerId {
    pub fn parse(value: &str, name: &'static str) -> Result<Self, InvalidId> {
        let allowed = |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.');
        let valid = (6..=64).contains(&value.len()) && value.bytes().all(allowed);
        if valid {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidId::new(name, value, PARTNER_CUSTOMER_ID_FORM))
        }
    }
}

impl AccountId {
    pub fn parse(value: &str, name: &'static str) -> Result<Self, InvalidId> {
        if value.len() == 12 && all_digits(value) {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidId::new(name, value, ACCOUNT_ID_FORM))
        }
    }
}

impl CustomerId {
    pub fn parse(value: &str, name: &'static str) -> Result<Self, InvalidId> {
        let invalid = InvalidId::new(name, value, CUSTOMER_ID_FORM);
        let (partner, number) = value.split_once('-').ok_or(invalid.clone())?;
        PartnerId::parse(partner, name).map_err(|_| invalid.clone())?;
        if number.len() == 12 && all_digits(number) {
            Ok(Self(value.to_string()))
        } else {
            Err(invalid)
        }
    }

    /// Draws a new customer ID for `partner_id` with a uniformly random 12-digit number.
    pub fn random(partner_id: &PartnerId, rng: &mut impl Rng) -> Self {
        let number: u64 = rng.random_range(0..1_000_000_000_000);
        Self(format!("{partner_id}-{number:012}"))
    }

    /// Returns the partner ID this customer ID starts with.
    pub fn partner_id(&self) -> PartnerId {
        PartnerId(self.0[..7].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_id_accepts_p_and_six_digits() {
        assert_eq!(
            PartnerId::parse("P123456", "partner_id").unwrap().as_str(),
            "P123456"
        );
    }

    #[test]
    fn partner_id_rejects_other_forms() {
        for value in [
            "P12345",
            "P1234567",
            "p123456",
            "Q123456",
            "P12345a",
            "P١٢٣٤٥٦",
            "",
        ] {
            let error = PartnerId::parse(value, "partner_id").unwrap_err();
            assert_eq!(error.name, "partner_id", "{value}");
        }
    }

    #[test]
    fn partner_customer_id_accepts_allowed_characters() {
        for value in ["abcdef", "A_b-c.9", "o-a1b2c3d4e5", &"x".repeat(64)] {
            assert!(
                PartnerCustomerId::parse(value, "partner_customer_id").is_ok(),
                "{value}"
            );
        }
    }

    #[test]
    fn partner_customer_id_rejects_length_and_unicode() {
        let too_long = "x".repeat(65);
        for value in [
            "abcde",
            too_long.as_str(),
            "abcdéf",
            "abc def",
            "abc/def",
            "ａｂｃｄｅｆ",
        ] {
            assert!(
                PartnerCustomerId::parse(value, "partner_customer_id").is_err(),
                "{value}"
            );
        }
    }

    #[test]
    fn account_id_requires_twelve_ascii_digits() {
        assert!(AccountId::parse("123456789012", "account_id").is_ok());
        for value in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "١٢٣٤٥٦٧٨٩٠١٢",
        ] {
            assert!(AccountId::parse(value, "account_id").is_err(), "{value}");
        }
    }

    #[test]
    fn customer_id_random_has_expected_form() {
        let partner = PartnerId::parse("P123456", "partner_id").unwrap();
        let mut rng = rand::rng();
        for _ in 0..100 {
            let customer = CustomerId::random(&partner, &mut rng);
            assert!(
                CustomerId::parse(customer.as_str(), "customerId").is_ok(),
                "{customer}"
            );
            assert_eq!(customer.as_str().len(), "P123456-".len() + 12);
            assert_eq!(customer.partner_id(), partner);
        }
    }

    #[test]
    fn customer_id_rejects_malformed() {
        for value in [
            "P123456",
            "P123456-12345678901",
            "P12345-123456789012",
            "x-123456789012",
        ] {
            assert!(CustomerId::parse(value, "customer_id").is_err(), "{value}");
        }
    }
}
