//! covlens worker entry point: parses and merges coverage inputs off the page's thread.
fn main() {
    covlens_web::worker::run();
}
