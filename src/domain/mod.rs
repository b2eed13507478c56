//! Domain rules: identifiers, authorization, customer mapping, execution IDs.

pub mod authorization;
pub mod execution;
pub mod ids;
pub mod partner;

/// Cuts caller input to at most 64 characters before it goes into a message.
pub fn echo(value: &str) -> String {
    const MAX_ECHO_CHARS: usize = 64;
    match value.char_indices().nth(MAX_ECHO_CHARS) {
        Some((end, _)) => format!("{}...", &value[..end]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn echo_limits_input_to_64_characters() {
        assert_eq!(super::echo("short"), "short");
        let long = "é".repeat(100);
        assert_eq!(super::echo(&long), format!("{}...", "é".repeat(64)));
    }
}
