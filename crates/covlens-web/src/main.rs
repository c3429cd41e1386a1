//! covlens web app entry point (mounts the app).
fn main() {}
