//! The Lambda function behind `POST /partner/.../analysis`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use partner_analysis_api::aws::load_sdk_config;
use partner_analysis_api::config::Config;
use partner_analysis_api::http::handler::{handle, Invocation};
use partner_analysis_api::service::Service;
use partner_analysis_api::telemetry;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_function();
    let config = Config::from_env().inspect_err(|error| {
        tracing::error!(%error, "cold start failed");
    })?;
    let service = Service::new(config, &load_sdk_config().await);
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let invocation = Invocation {
            request_id: event.context.request_id.clone(),
            deadline_ms: event.context.deadline,
        };
        // Boxed because the SDK futures nest deeper than the compiler's layout limit.
        Box::pin(handle(service, event.payload, &invocation)).await
    }))
    .await
}
