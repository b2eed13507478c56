//! The HTTP edge: API Gateway events in, API Gateway responses out.

pub mod body;
pub mod error;
pub mod event;
pub mod handler;
pub mod response;
pub mod route;
