//! covlens web app entry point: mounts the page (everything else lives in the library).
fn main() {
    covlens_web::app::mount();
}
