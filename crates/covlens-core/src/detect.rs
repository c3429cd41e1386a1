//! Format detection from content (never from file names): a sniff of the first bytes of an input.

/// The input formats covlens knows.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
    CoveragepyJson,
    Go,
    GcovText,
    GcovJson,
    LlvmCovJson,
    GcovrJson,
    Codecov,
    Istanbul,
    Simplecov,
    Clover,
    Sonarqube,
    Opencover,
    VisualStudio,
    DotCover,
    V8,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 18] = [
        Format::Lcov,
        Format::Cobertura,
        Format::Jacoco,
        Format::CoveragepyJson,
        Format::Go,
        Format::GcovText,
        Format::GcovJson,
        Format::LlvmCovJson,
        Format::GcovrJson,
        Format::Codecov,
        Format::Istanbul,
        Format::Simplecov,
        Format::Clover,
        Format::Sonarqube,
        Format::Opencover,
        Format::VisualStudio,
        Format::DotCover,
        Format::V8,
    ];

    /// A short stable id, used on the command line (`--format lcov`) and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Format::Lcov => "lcov",
            Format::Cobertura => "cobertura",
            Format::Jacoco => "jacoco",
            Format::CoveragepyJson => "coveragepy-json",
            Format::Go => "go",
            Format::GcovText => "gcov-text",
            Format::GcovJson => "gcov-json",
            Format::LlvmCovJson => "llvm-cov-json",
            Format::GcovrJson => "gcovr-json",
            Format::Codecov => "codecov",
            Format::Istanbul => "istanbul",
            Format::Simplecov => "simplecov",
            Format::Clover => "clover",
            Format::Sonarqube => "sonarqube",
            Format::Opencover => "opencover",
            Format::VisualStudio => "visualstudio",
            Format::DotCover => "dotcover",
            Format::V8 => "v8",
        }
    }

    /// The name people know it by, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Format::Lcov => "LCOV",
            Format::Cobertura => "Cobertura XML",
            Format::Jacoco => "JaCoCo XML",
            Format::CoveragepyJson => "coverage.py JSON",
            Format::Go => "Go coverprofile",
            Format::GcovText => "gcov text",
            Format::GcovJson => "gcov JSON",
            Format::LlvmCovJson => "llvm-cov export JSON",
            Format::GcovrJson => "gcovr JSON",
            Format::Codecov => "Codecov JSON",
            Format::Istanbul => "Istanbul JSON",
            Format::Simplecov => "SimpleCov JSON",
            Format::Clover => "Clover XML",
            Format::Sonarqube => "SonarQube generic coverage XML",
            Format::Opencover => "OpenCover XML",
            Format::VisualStudio => "Visual Studio coverage XML",
            Format::DotCover => "dotCover XML",
            Format::V8 => "V8 JavaScript coverage",
        }
    }

    /// The format with id `id`.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }
}

/// How much of an input [`detect`] needs to see; feeding it more changes nothing. Every format is
/// decided on the first [`HEAD_LEN`] bytes but Istanbul JSON, whose keys are scanned further: its first
/// distinguishing key (`fnMap`, `branchMap`) follows the first file's whole `statementMap`, which in a
/// big Jest output or an istanbul-reports wrapper can be tens of KiB.
pub const SNIFF_LEN: usize = 64 << 10;

/// What every detector sees but the Istanbul key scan.
const HEAD_LEN: usize = 8192;

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Guesses the format of an input from its first bytes (up to [`SNIFF_LEN`]).
pub fn detect(head: &[u8]) -> Option<Format> {
    // A gzip input (`.gcov.json.gz`, `lcov.info.gz`) is recognised by what it holds.
    if crate::container::is_gzip(head) {
        return detect_plain(&crate::container::gunzip_prefix(head, SNIFF_LEN));
    }
    detect_plain(head)
}

fn detect_plain(input: &[u8]) -> Option<Format> {
    let input = &input[..input.len().min(SNIFF_LEN)];
    // UTF-16 with a byte order mark (Visual Studio's `.coveragexml`): detected on its UTF-8 text.
    if let Some(endian) = crate::formats::visualstudio::utf16::bom(input) {
        let (text, _) = crate::formats::visualstudio::utf16::transcode(input, endian);
        return detect_plain(&text);
    }
    detect_head(&input[..input.len().min(HEAD_LEN)])
        .or_else(|| detect_istanbul_keys(strip_bom(input)).then_some(Format::Istanbul))
}

/// Istanbul JSON seen through up to [`SNIFF_LEN`] bytes: an object in which `"statementMap"` and
/// `"fnMap"` or `"branchMap"` appear as keys of object values (`"fnMap": {`).
fn detect_istanbul_keys(input: &[u8]) -> bool {
    fn key_positions<'a>(text: &'a [u8], key: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        memchr::memmem::find_iter(text, key).filter(move |&at| {
            let rest = text[at + key.len()..].trim_ascii_start();
            rest.strip_prefix(b":")
                .is_some_and(|v| v.trim_ascii_start().starts_with(b"{"))
        })
    }
    if !input.trim_ascii_start().starts_with(b"{") {
        return false;
    }
    key_positions(input, b"\"statementMap\"").next().is_some()
        && (key_positions(input, b"\"fnMap\"").next().is_some()
            || key_positions(input, b"\"branchMap\"").next().is_some())
}

fn detect_head(head: &[u8]) -> Option<Format> {
    let head = strip_bom(head);
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if detect_v8(trimmed) {
        return Some(Format::V8);
    }
    if trimmed.starts_with('{') && detect_coveragepy_json(trimmed) {
        return Some(Format::CoveragepyJson);
    }
    if trimmed.starts_with('{') && detect_istanbul(trimmed) {
        return Some(Format::Istanbul);
    }
    if trimmed.starts_with('{') && detect_simplecov(trimmed) {
        return Some(Format::Simplecov);
    }
    if trimmed.starts_with("mode:") {
        return detect_go(trimmed);
    }
    if trimmed.starts_with('<') {
        return detect_xml(trimmed);
    }
    if let Some(f) = detect_gcc_llvm_codecov(trimmed) {
        return Some(f);
    }
    detect_lcov(trimmed)
}

fn detect_xml(text: &str) -> Option<Format> {
    // The root element is the first start tag that is not a declaration, comment or doctype.
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            // Doctypes name the format too: JaCoCo's `<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" ...>`.
            if rest.starts_with("!DOCTYPE")
                && rest[..rest.find('>').unwrap_or(rest.len())].contains("JACOCO")
            {
                return Some(Format::Jacoco);
            }
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        return match name {
            // Clover: `<coverage generated=.. [clover=..]><project ..>` (a `<testproject>` too); Cobertura
            // never has a `<project>` element.
            "coverage"
                if tag.contains("clover=")
                    || text.contains("<project")
                    || text.contains("<testproject") =>
            {
                Some(Format::Clover)
            }
            "coverage"
                if tag.contains("line-rate")
                    || tag.contains("lines-valid")
                    || text.contains("<packages")
                    || text.contains("<sources") =>
            {
                Some(Format::Cobertura)
            }
            // SonarQube generic coverage: `<coverage version="1"><file path=..><lineToCover ..>`.
            "coverage" if text.contains("<lineToCover") || text.contains("<file path") => {
                Some(Format::Sonarqube)
            }
            // OpenCover (and coverlet, AltCover): nothing else has this root; ReportGenerator wraps
            // several sessions in a `<root>`.
            "CoverageSession" => Some(Format::Opencover),
            "root" if text.contains("<CoverageSession") => Some(Format::Opencover),
            // Visual Studio `.coveragexml` (a DataSet dump) and dotnet-coverage's `-f xml`.
            "CoverageDSPriv" => Some(Format::VisualStudio),
            "results" if text.contains("<modules") && text.contains("<module ") => {
                Some(Format::VisualStudio)
            }
            // dotCover DetailedXml, or ReportGenerator's `<root>` around several of them.
            "Root" if tag.contains("DotCoverVersion") || text.contains("<FileIndices") => {
                Some(Format::DotCover)
            }
            "root" if text.contains("<FileIndices") => Some(Format::DotCover),
            "report"
                if text.contains("<sessioninfo")
                    || text.contains("<package")
                    || text.contains("<counter") =>
            {
                Some(Format::Jacoco)
            }
            _ => None,
        };
    }
}

/// V8 JavaScript coverage: a `NODE_V8_COVERAGE` / CDP `{"result":[{"scriptId":..`, a Playwright or
/// Puppeteer list `[{"url":..,"scriptId"|"functions"|"ranges"`, or one `{"scriptId":..` script.
fn detect_v8(text: &str) -> bool {
    if !text.starts_with('{') && !text.starts_with('[') {
        return false;
    }
    let compact: String = text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .take(4096)
        .collect();
    if let Some(rest) = compact.strip_prefix("{\"result\":[") {
        return rest.starts_with(']')
            || rest.starts_with("{\"scriptId\":")
            || rest.starts_with("{\"url\":")
            || rest.starts_with("{\"functions\":");
    }
    if compact.starts_with("{\"scriptId\":") || compact.starts_with("[{\"scriptId\":") {
        return compact.contains("\"functions\":") || compact.contains("\"url\":");
    }
    if let Some(rest) = compact
        .strip_prefix("[{\"url\":\"")
        .or_else(|| compact.strip_prefix("{\"url\":\""))
    {
        let rest = skip_json_string(rest).unwrap_or("");
        return rest.starts_with(",\"scriptId\":")
            || rest.starts_with(",\"functions\":[")
            || (compact.starts_with('[') && rest.starts_with(",\"ranges\":[{\"start\":"));
    }
    false
}

/// coverage.py's `coverage json`: an object whose file entries have `executed_lines` (format 3), or
/// whose `meta` has coverage.py's `show_contexts` flag (when a huge first entry hides the lists).
fn detect_coveragepy_json(text: &str) -> bool {
    text.contains("\"executed_lines\"")
        || text.contains("\"missing_lines\"")
        || (text.contains("\"meta\"") && text.contains("\"show_contexts\""))
}

/// Istanbul's `coverage-final.json` (a map of, or one, `FileCoverage`): `statementMap` with `fnMap` or
/// `branchMap`, keys no other JSON format has.
fn detect_istanbul(text: &str) -> bool {
    text.contains("\"statementMap\"")
        && (text.contains("\"fnMap\"") || text.contains("\"branchMap\""))
}

/// SimpleCov: the JSON formatter's `coverage.json` (its `meta` names `simplecov_version`, its files
/// carry `lines_covered_percent`), or a `.resultset.json`:
/// `{"<command name>":{"coverage":{"<path>":{"lines":[` (or `:[`, before SimpleCov 0.18).
fn detect_simplecov(text: &str) -> bool {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .take(4096)
        .collect();
    // With their values, so that SimpleCov's JSON schema (which names these keys) is not taken for a report.
    if compact.contains("\"simplecov_version\":\"")
        || compact
            .split("\"lines_covered_percent\":")
            .skip(1)
            .any(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    {
        return true;
    }
    let Some(rest) = compact.strip_prefix("{\"") else {
        return false;
    };
    let Some(rest) = skip_json_string(rest).and_then(|r| r.strip_prefix(":{\"coverage\":{")) else {
        return false;
    };
    if rest.starts_with('}') {
        return true;
    }
    let Some(rest) = rest.strip_prefix('"').and_then(skip_json_string) else {
        return false;
    };
    rest.starts_with(":[")
        || rest.starts_with(":{\"lines\":")
        || rest.starts_with(":{\"branches\":")
        || rest.starts_with(":{\"methods\":")
}

/// The text after the end of a JSON string whose opening quote is already consumed.
fn skip_json_string(s: &str) -> Option<&str> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(&s[i + 1..]),
            _ => {}
        }
    }
    None
}

/// A Go coverprofile: `mode: set|count|atomic` on the first line.
fn detect_go(text: &str) -> Option<Format> {
    let first = text.lines().next()?;
    let mode = first.strip_prefix("mode:")?.trim();
    matches!(mode, "set" | "count" | "atomic").then_some(Format::Go)
}

/// gcov text (classic and intermediate), gcov JSON, gcovr JSON, llvm-cov export JSON, Codecov JSON.
fn detect_gcc_llvm_codecov(text: &str) -> Option<Format> {
    if text.starts_with('{') {
        // Keys as the tools write them; whitespace between tokens does not matter.
        let compact: String = text
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .take(4096)
            .collect();
        if text.contains("\"gcovr/format_version\"") {
            return Some(Format::GcovrJson);
        }
        if text.contains("\"gcc_version\"") && text.contains("\"files\"") {
            return Some(Format::GcovJson);
        }
        if text.contains("\"llvm.coverage.json.export\"")
            || (compact.starts_with("{\"data\":[{\"")
                && (compact.contains("\"segments\":") || compact.contains("\"filename\":")))
        {
            return Some(Format::LlvmCovJson);
        }
        return detect_codecov(&compact).then_some(Format::Codecov);
    }
    let first = text.lines().next()?.trim_end();
    // Intermediate text: `version:` and `file:` lines, then `function:`, `lcount:`, `branch:` lines.
    if first.starts_with("file:") || first.starts_with("version:") {
        return text
            .lines()
            .skip(1)
            .find(|l| !l.trim().is_empty())
            .filter(|l| {
                ["file:", "function:", "lcount:", "branch:"]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .map(|_| Format::GcovText);
    }
    // Classic text: `<count>:<line>:`, the count `-`, `#####`, `=====` or a number (maybe with `*`).
    let (count, rest) = first.split_once(':')?;
    let count = count.trim().trim_end_matches('*');
    let count_ok = matches!(count, "-" | "#####" | "=====")
        || (!count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()));
    let (line, _) = rest.split_once(':')?;
    let line = line.trim();
    (count_ok && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()))
        .then_some(Format::GcovText)
}

/// `{"coverage":{"<path>":{"<digits>":` or `{"coverage":{"<path>":[` (whitespace removed).
fn detect_codecov(compact: &str) -> bool {
    let Some(rest) = compact.strip_prefix("{\"coverage\":{\"") else {
        return false;
    };
    // Skip the path string.
    let mut escaped = false;
    let mut end = None;
    for (i, c) in rest.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else { return false };
    let after = &rest[end + 1..];
    let Some(value) = after.strip_prefix(':') else {
        return false;
    };
    if value.starts_with('[') || value.starts_with("{}") {
        return true;
    }
    value
        .strip_prefix("{\"")
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
}

fn detect_lcov(text: &str) -> Option<Format> {
    // Every record key of the lcov 2.x grammar (geninfo(1)), plus `KF` which some producers write for `SF`.
    const KEYS: [&str; 20] = [
        "TN:",
        "SF:",
        "KF:",
        "VER:",
        "FN:",
        "FNDA:",
        "FNF:",
        "FNH:",
        "FNL:",
        "FNA:",
        "BRDA:",
        "BRF:",
        "BRH:",
        "MCDC:",
        "MCF:",
        "MCH:",
        "DA:",
        "LF:",
        "LH:",
        "end_of_record",
    ];
    // The first line that is not blank or a comment decides.
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    KEYS.iter()
        .any(|k| line.starts_with(k))
        .then_some(Format::Lcov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(b"TN:\nSF:/a.c\nDA:1,1\nend_of_record\n"),
            Some(Format::Lcov)
        );
        assert_eq!(
            detect(b"\xEF\xBB\xBF# comment\n\nSF:a\n"),
            Some(Format::Lcov)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\" ?>\n<!DOCTYPE coverage SYSTEM \"x.dtd\">\n<coverage line-rate=\"1\" version=\"1\">"),
            Some(Format::Cobertura)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"x\">"),
            Some(Format::Jacoco)
        );
        assert_eq!(
            detect(b"<report name=\"x\"><sessioninfo id=\"a\"/>"),
            Some(Format::Jacoco)
        );
        assert_eq!(detect(b"MCDC:3,2,t,1,0,a\n"), Some(Format::Lcov));
        assert_eq!(detect(b"FNA:0,1,main\n"), Some(Format::Lcov));
        assert_eq!(detect(b"{\"a\": 1}"), None);
        assert_eq!(detect(b""), None);
    }
}
