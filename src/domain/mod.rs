//! Domain rules: identifiers, authorization, customer mapping, execution IDs.

pub mod ids;
