//! Times the worker's first view (reconcile, merge, per-file rows) natively on the given reports:
//! `cargo run --release -p covlens-web --example first_view -- /tmp/covbench/lcov-shards/*.info`.
//! The first view after a drop reconciles the paths afresh; the later ones keep the reconciliation.
use std::time::Instant;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: first_view REPORT...");
        std::process::exit(2);
    }
    let mut state = covlens_web::worker_state::WorkerState::new();
    let t = Instant::now();
    for p in &paths {
        match std::fs::read(p) {
            Ok(bytes) => state.load_bytes(p, &bytes),
            Err(e) => {
                eprintln!("{p}: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("load {} reports: {:.0?}", paths.len(), t.elapsed());
    for run in ["first (reconciles)", "again", "again"] {
        let t = Instant::now();
        let (view, _) = state.first_view();
        println!(
            "first_view {run}: {:.0?} ({} files, lines {}/{})",
            t.elapsed(),
            view.files.len(),
            view.summary.lines.hit,
            view.summary.lines.found
        );
    }
}
