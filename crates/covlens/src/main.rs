//! covlens command-line entry point.
fn main() {}
