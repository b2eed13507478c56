//! Logging set-up for the function and the CLI.

use tracing_subscriber::EnvFilter;

/// Installs the function's global subscriber. The level comes from
/// `RUST_LOG`, else from Lambda's `AWS_LAMBDA_LOG_LEVEL`, else `info`.
pub fn init_function() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").unwrap_or_default();
    init(lambda_level(&level));
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

/// Maps Lambda's application log levels onto tracing's, which have no FATAL.
fn lambda_level(level: &str) -> &'static str {
    match level.to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "WARN" => "warn",
        "ERROR" | "FATAL" => "error",
        _ => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::lambda_level;

    #[test]
    fn lambda_levels_map_to_tracing_levels() {
        let cases = [
            ("TRACE", "trace"),
            ("DEBUG", "debug"),
            ("INFO", "info"),
            ("WARN", "warn"),
            ("ERROR", "error"),
            ("FATAL", "error"),
            ("", "info"),
            ("bogus", "info"),
        ];
        for (lambda, tracing) in cases {
            assert_eq!(lambda_level(lambda), tracing, "{lambda}");
        }
    }
}
