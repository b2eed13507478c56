//! AWS adapters: DynamoDB and Step Functions.

pub mod table;
