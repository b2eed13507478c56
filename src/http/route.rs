//! Route matching and path parameter extraction.

/// The only route the function serves, as API Gateway writes it.
pub const ROUTE: &str =
    "/partner/{partner_id}/customer/{partner_customer_id}/account/{account_id}/analysis";
