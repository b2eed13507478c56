//! Logging set-up for the function and the CLI.

use tracing_subscriber::EnvFilter;

/// Installs the function's global subscriber. The level comes from
/// `RUST_LOG`, else from Lambda's `AWS_LAMBDA_LOG_LEVEL`, else `info`.
pub fn init_function() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .map(|level| level.to_lowercase())
        .unwrap_or_else(|_| "info".to_string());
    init(&level);
}

/// Installs the global subscriber at `level` unless `RUST_LOG` is set. JSON
/// lines are written when Lambda's `AWS_LAMBDA_LOG_FORMAT` is `JSON`.
pub fn init(level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format == "JSON");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::io::stderr);
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        builder.init();
    }
}
