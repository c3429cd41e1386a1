//! Browser tests of the page's components, mounted in headless Chromium by wasm-bindgen-test-runner.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p covlens-web --target wasm32-unknown-unknown`
//! (the runner is set in .cargo/config.toml; browser flags come from this crate's webdriver.json).
#![cfg(target_arch = "wasm32")]

use covlens_web::app::{FileTable, SummaryCards};
use covlens_web::protocol::{Count, FileRow, Summary};
use covlens_web::view::Sort;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let div: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&div).unwrap();
    div
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

fn c(hit: u64, found: u64) -> Count {
    Count { hit, found }
}

fn row(path: &str, lines: Count, branches: Count, functions: Count) -> FileRow {
    FileRow {
        path: path.into(),
        totals: Summary {
            lines,
            branches,
            functions,
        },
    }
}

fn row_paths(root: &Element) -> Vec<String> {
    all(root, "[data-testid=file-row]")
        .iter()
        .map(|e| e.get_attribute("data-path").unwrap())
        .collect()
}

fn cells(row: &Element, selector: &str) -> Vec<String> {
    all(row, selector)
        .iter()
        .map(|c| c.text_content().unwrap().trim().to_string())
        .collect()
}

/// Lets the reactive system run the effects a change scheduled.
async fn settle() {
    leptos::task::tick().await;
    leptos::task::tick().await;
}

#[wasm_bindgen_test]
async fn file_table_sorts_by_column_and_filters_by_text() {
    let root = container();
    let rows = RwSignal::new(vec![
        row("src/b.rs", c(5, 10), c(0, 0), c(1, 1)),
        row("src/a.rs", c(9, 10), c(1, 4), c(0, 2)),
        row("lib/c.rs", c(1, 3), c(3, 4), c(0, 0)),
    ]);
    let sort = RwSignal::new(Sort::default());
    let filter = RwSignal::new(String::new());
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <FileTable rows=rows sort=sort filter=filter /> }
    });
    let el: &Element = root.as_ref();

    assert_eq!(row_paths(el), ["lib/c.rs", "src/a.rs", "src/b.rs"]);
    let first = one(el, "[data-testid=file-row]");
    assert_eq!(
        cells(&first, "td"),
        ["lib/c.rs", "33.3%", "75.0%", "\u{2013}"]
    );
    assert_eq!(
        one(el, "[data-testid=file-count]").text_content().unwrap(),
        "3 files"
    );

    // First click on Lines: worst first; second click flips.
    one(el, "[data-testid=sort-lines]")
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    assert_eq!(row_paths(el), ["lib/c.rs", "src/b.rs", "src/a.rs"]);
    assert_eq!(
        one(el, "th.col-lines")
            .get_attribute("aria-sort")
            .as_deref(),
        Some("ascending")
    );
    one(el, "[data-testid=sort-lines]")
        .unchecked_into::<HtmlElement>()
        .click();
    settle().await;
    assert_eq!(row_paths(el), ["src/a.rs", "src/b.rs", "lib/c.rs"]);
    assert_eq!(
        one(el, "th.col-lines")
            .get_attribute("aria-sort")
            .as_deref(),
        Some("descending")
    );
    assert_eq!(
        one(el, "th.col-path").get_attribute("aria-sort").as_deref(),
        Some("none")
    );

    // Typing in the filter keeps the matching rows, and the footer sums only those.
    let input: HtmlInputElement = one(el, "[data-testid=filter]").unchecked_into();
    input.set_value("SRC");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(filter.get_untracked(), "SRC");
    assert_eq!(row_paths(el), ["src/a.rs", "src/b.rs"]);
    assert_eq!(
        one(el, "[data-testid=file-count]").text_content().unwrap(),
        "2 of 3 files"
    );
    assert_eq!(
        cells(&one(el, "tfoot tr"), "th, td"),
        ["Total shown", "70.0%", "25.0%", "33.3%"]
    );

    // New rows from the worker replace the old ones, keeping sort and filter.
    rows.set(vec![row("src/z.rs", c(0, 1), c(0, 0), c(0, 0))]);
    settle().await;
    assert_eq!(row_paths(el), ["src/z.rs"]);
    drop(handle);
    assert!(all(el, "[data-testid=file-row]").is_empty());
}

#[wasm_bindgen_test]
async fn summary_cards_expose_exact_counts() {
    let root = container();
    let summary = RwSignal::new(Summary::default());
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <SummaryCards summary=summary /> }
    });
    let el: &Element = root.as_ref();
    let attrs = |id: &str| {
        let card = one(el, &format!("[data-testid=summary-{id}]"));
        (
            card.get_attribute("data-hit").unwrap(),
            card.get_attribute("data-found").unwrap(),
            card.query_selector(".card-pct")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap(),
            card.class_name(),
        )
    };
    assert_eq!(
        attrs("lines"),
        (
            "0".into(),
            "0".into(),
            "\u{2013}".into(),
            "card lvl-none".into()
        )
    );

    summary.set(Summary {
        lines: c(18_446_744_073_709_551_614, u64::MAX),
        branches: c(3, 4),
        functions: c(9, 10),
    });
    settle().await;
    // Counts beyond 2^53 survive exactly: they are text, never JS numbers.
    assert_eq!(
        attrs("lines"),
        (
            "18446744073709551614".into(),
            "18446744073709551615".into(),
            "99.9%".into(),
            "card lvl-high".into()
        )
    );
    assert_eq!(
        attrs("branches"),
        (
            "3".into(),
            "4".into(),
            "75.0%".into(),
            "card lvl-medium".into()
        )
    );
    assert_eq!(
        attrs("functions"),
        (
            "9".into(),
            "10".into(),
            "90.0%".into(),
            "card lvl-high".into()
        )
    );
    // The bar's length is set through CSSOM (allowed by the page's style-src 'self').
    let fill: HtmlElement = one(el, "[data-testid=summary-branches] .bar-fill").unchecked_into();
    assert_eq!(fill.style().get_property_value("width").unwrap(), "75%");
    drop(handle);
}
