//! k9 Security partner analysis API.
//!
//! The [`http`] edge turns API Gateway events into requests and errors into
//! responses, [`service`] runs the use case, the [`domain`] contains the rules,
//! and [`aws`] talks to DynamoDB and Step Functions. [`admin`] contains the
//! commands of the operators' CLI, `partner-admin`.

pub mod admin;
pub mod aws;
pub mod config;
pub mod domain;
pub mod http;
pub mod service;
pub mod telemetry;
