//! Calls made only by the admin CLI.
