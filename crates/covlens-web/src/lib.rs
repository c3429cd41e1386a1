//! covlens-web: the browser view of covlens, a Leptos CSR page over a worker that parses and merges.
//!
//! Code map: [`protocol`] (page ⇄ worker messages), [`worker_state`] (what the worker keeps, pure),
//! [`worker`] (the worker's event loop), [`bridge`] (the page's handle on the worker), [`view`]
//! (sorting, filtering, formatting: pure), [`app`] (thin components over [`view`]).
//!
//! Architecture invariant: the page binary never parses; the worker binary never renders. Each is
//! a `[[bin]]` of this crate and links only what it reaches.

pub mod app;
pub mod batch;
pub mod bridge;
pub mod explore;
pub mod export;
pub mod hash_state;
pub mod highlight;
pub mod loaders;
pub mod loading;
pub mod mcdc;
pub mod merge_policy;
pub mod overview;
pub mod paths_panel;
pub mod paths_view;
pub mod protocol;
pub mod remap_panel;
pub mod remap_view;
pub mod shortcuts;
pub mod source;
pub mod source_view;
pub mod tree;
pub mod view;
pub mod viewer_ui;
pub mod worker;
pub mod worker_state;
