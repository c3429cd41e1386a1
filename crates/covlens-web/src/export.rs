//! Export of the page's merged report as a download: LCOV and Cobertura through the core's writers (as
//! `covlens merge` writes them), and a JSON summary of the shape `covlens summary --json --files`
//! prints. Built in the worker from [`WorkerState::merged`], the one place the page's merge is computed;
//! plain Rust, tested natively. The page turns the answer into a `Blob` and an `<a download>`.

use covlens_core::formats::{cobertura, lcov};
use covlens_core::{Fidelity, Report, Totals};
use serde::{Deserialize, Serialize};

use crate::worker_state::WorkerState;

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExportFormat {
    Lcov,
    Cobertura,
    /// The `covlens summary --json --files` shape.
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [
        ExportFormat::Lcov,
        ExportFormat::Cobertura,
        ExportFormat::Json,
    ];

    /// The `data-format` hook.
    pub fn id(self) -> &'static str {
        match self {
            ExportFormat::Lcov => "lcov",
            ExportFormat::Cobertura => "cobertura",
            ExportFormat::Json => "json",
        }
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Lcov => "LCOV",
            ExportFormat::Cobertura => "Cobertura XML",
            ExportFormat::Json => "JSON summary",
        }
    }

    /// The download's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Lcov => "covlens-merged.info",
            ExportFormat::Cobertura => "covlens-merged-cobertura.xml",
            ExportFormat::Json => "covlens-summary.json",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Lcov => "text/plain",
            ExportFormat::Cobertura => "application/xml",
            ExportFormat::Json => "application/json",
        }
    }
}

/// A finished export: the worker's answer to [`crate::protocol::Request::Export`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    pub name: String,
    pub mime: String,
    pub text: String,
}

/// One input as the JSON summary lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputInfo {
    pub path: String,
    /// `None` when it failed.
    pub format: Option<&'static str>,
    pub fidelity: Option<Fidelity>,
    pub files: u64,
    pub records: u64,
    /// Rendered (`name:line:col: severity: message`).
    pub diagnostics: Vec<String>,
    pub error: Option<String>,
}

/// The JSON summary of `report` (pretty-printed, final newline), in the shape of
/// `covlens summary --json --files` ([`covlens_core::summary_json`]): `skipped` counts inputs that were
/// not coverage reports (on the page: dropped files kept as source text), `merge_diagnostics` are
/// rendered `severity: message`.
pub fn summary_json(
    report: &Report,
    inputs: &[InputInfo],
    skipped: u64,
    merge_diagnostics: &[String],
) -> String {
    use covlens_core::summary_json::{write, Document, Input};
    write(&Document {
        files: report.files.len() as u64,
        totals: Totals::of_report(report),
        fidelity: report.fidelity,
        inputs: inputs
            .iter()
            .map(|i| Input {
                path: &i.path,
                format: i.format,
                fidelity: i.fidelity,
                files: i.files,
                records: i.records,
                diagnostics: i.diagnostics.clone(),
                error: i.error.as_deref(),
            })
            .collect(),
        skipped,
        merge_diagnostics: merge_diagnostics.to_vec(),
        per_file: Some(
            report
                .files
                .iter()
                .map(|(path, f)| (path.as_str(), Totals::of_file(f)))
                .collect(),
        ),
    })
}

/// The bytes of `report` as `format`; `timestamp` (seconds since 1970, the page's clock) goes into
/// Cobertura's `timestamp` attribute as `covlens merge` writes it.
pub fn write(
    report: &Report,
    format: ExportFormat,
    timestamp: u64,
    summary: impl FnOnce() -> String,
) -> String {
    match format {
        ExportFormat::Lcov => String::from_utf8_lossy(&lcov::write_to_vec(report)).into_owned(),
        ExportFormat::Cobertura => {
            let options = cobertura::WriteOptions {
                timestamp,
                ..cobertura::WriteOptions::default()
            };
            let mut out = Vec::new();
            // Writing into a Vec cannot fail.
            let _ = cobertura::write(report, &options, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        }
        ExportFormat::Json => summary(),
    }
}

impl WorkerState {
    /// The inputs as the JSON summary lists them: loaded ones in load order, then failed ones.
    pub fn export_inputs(&self) -> Vec<InputInfo> {
        let mut out: Vec<InputInfo> = self
            .shard_set()
            .shards()
            .iter()
            .map(|s| InputInfo {
                path: s.name.clone(),
                format: Some(s.format.id()),
                fidelity: Some(s.report.fidelity),
                files: s.report.files.len() as u64,
                records: self.records_of(s.id),
                diagnostics: s.diagnostics.iter().map(|d| d.render(&s.name)).collect(),
                error: None,
            })
            .collect();
        out.extend(self.load_errors().iter().map(|e| InputInfo {
            path: e.name.clone(),
            format: None,
            fidelity: None,
            files: 0,
            records: 0,
            diagnostics: Vec::new(),
            error: Some(e.message.clone()),
        }));
        out
    }

    /// The current merge ([`WorkerState::merged`]) as a download.
    pub fn export(&self, format: ExportFormat, timestamp: u64) -> ExportFile {
        let (report, diagnostics) = self.merged();
        let text = write(&report, format, timestamp, || {
            let merge: Vec<String> = diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.severity, d.message))
                .collect();
            summary_json(
                &report,
                &self.export_inputs(),
                self.source_files() as u64,
                &merge,
            )
        });
        ExportFile {
            name: format.file_name().to_string(),
            mime: format.mime().to_string(),
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/e2e/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn loaded() -> WorkerState {
        let mut st = WorkerState::new();
        for name in ["unit.info", "integration.info", "net-gcovr.xml"] {
            st.load_bytes(name, &fixture(name));
        }
        st.load_bytes("broken.xml", &fixture("truncated-cobertura.xml"));
        st
    }

    /// The LCOV export reads back to the merged totals the page shows (25/29 lines, 9/14 branches,
    /// 6/7 functions for the three fixtures: see worker_state's e2e test).
    #[test]
    fn lcov_export_reads_back_to_the_merged_totals() {
        let st = loaded();
        let file = st.export(ExportFormat::Lcov, 0);
        assert_eq!(file.name, "covlens-merged.info");
        assert_eq!(file.mime, "text/plain");
        let back = covlens_core::parse_bytes(file.text.as_bytes(), &Default::default()).unwrap();
        assert_eq!(back.format, covlens_core::Format::Lcov);
        let t = Totals::of_report(&back.report);
        let got = (
            (t.lines.hit, t.lines.found),
            (t.branches.hit, t.branches.found),
            (t.functions.hit, t.functions.found),
        );
        assert_eq!(got, ((25, 29), (9, 14), (6, 7)));
        assert_eq!(Totals::of_report(&st.merged().0), t);
        assert_eq!(file.text.matches("end_of_record").count(), 5);
    }

    #[test]
    fn cobertura_export_carries_the_page_clock_and_the_merged_lines() {
        let st = loaded();
        let file = st.export(ExportFormat::Cobertura, 1_700_000_000);
        assert_eq!(file.name, "covlens-merged-cobertura.xml");
        assert!(
            file.text.contains(r#"timestamp="1700000000""#),
            "{}",
            &file.text[..300.min(file.text.len())]
        );
        let back = covlens_core::parse_bytes(file.text.as_bytes(), &Default::default()).unwrap();
        assert_eq!(back.format, covlens_core::Format::Cobertura);
        let t = Totals::of_report(&back.report);
        assert_eq!((t.lines.hit, t.lines.found), (25, 29));
    }

    #[test]
    fn json_summary_has_the_cli_shape_and_the_exact_numbers() {
        let mut st = loaded();
        st.load_bytes("src/main.c", b"int main(void) { return 0; }\n");
        let file = st.export(ExportFormat::Json, 0);
        assert_eq!(file.name, "covlens-summary.json");
        let v: serde_json::Value = serde_json::from_str(&file.text).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        // serde_json's map is ordered by key; the CLI's output has the same keys.
        assert_eq!(
            keys,
            [
                "branches",
                "fidelity",
                "files",
                "functions",
                "inputs",
                "lines",
                "merge_diagnostics",
                "per_file",
                "skipped",
                "statements"
            ]
        );
        assert_eq!(v["files"], 5);
        assert_eq!(v["lines"], serde_json::json!({"found": 29, "hit": 25}));
        assert_eq!(v["branches"], serde_json::json!({"found": 14, "hit": 9}));
        assert_eq!(v["functions"], serde_json::json!({"found": 7, "hit": 6}));
        assert_eq!(v["statements"], serde_json::json!({"found": 0, "hit": 0}));
        assert_eq!(v["skipped"], 1);
        let inputs = v["inputs"].as_array().unwrap();
        assert_eq!(inputs.len(), 4);
        assert_eq!(inputs[0]["path"], "unit.info");
        assert_eq!(inputs[0]["format"], "lcov");
        assert_eq!(inputs[0]["files"], 2);
        assert_eq!(inputs[0]["records"], 2);
        assert_eq!(
            inputs[0]["fidelity"],
            serde_json::json!({"lines": "counted", "branches": "counted", "functions": "counted", "branch_identity": "native"})
        );
        assert_eq!(inputs[1]["diagnostics"].as_array().unwrap().len(), 1);
        assert_eq!(inputs[3]["path"], "broken.xml");
        assert_eq!(inputs[3]["format"], serde_json::Value::Null);
        assert!(inputs[3].get("fidelity").is_none());
        assert!(inputs[3]["error"]
            .as_str()
            .unwrap()
            .starts_with("broken.xml: failed to parse Cobertura XML"));
        let per_file: Vec<(&str, u64)> = v["per_file"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap(),
                    f["lines"]["found"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            per_file,
            [
                ("src/main.c", 6),
                ("src/net/http.c", 6),
                ("src/net/url.c", 4),
                ("src/parser.c", 9),
                ("src/util.c", 4)
            ]
        );
    }

    #[test]
    fn an_empty_page_exports_an_empty_report() {
        let st = WorkerState::new();
        assert_eq!(st.export(ExportFormat::Lcov, 0).text, "");
        let v: serde_json::Value =
            serde_json::from_str(&st.export(ExportFormat::Json, 0).text).unwrap();
        assert_eq!(v["files"], 0);
        assert_eq!(v["inputs"], serde_json::json!([]));
    }
}
