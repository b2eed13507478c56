//! The HTTP edge: API Gateway events in, API Gateway responses out.

pub mod route;
