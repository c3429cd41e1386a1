//! Diagnostics and errors: what went wrong, where (line:column or byte offset) and why.
//!
//! Parsing never throws away a whole input for one bad record: a malformed record becomes a
//! [`Diagnostic`] and is skipped. Only input that cannot be read at all is a [`ParseError`].
//! Neither type knows the input's name; the caller (CLI, worker) adds it when rendering.

use std::fmt;

use crate::detect::Format;

/// A position in an input.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Position {
    /// 1-based line and, where known, 1-based column.
    LineCol { line: u64, column: Option<u64> },
    /// 0-based byte offset (binary or single-line inputs).
    Byte(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::LineCol {
                line,
                column: Some(c),
            } => write!(f, "{line}:{c}"),
            Position::LineCol { line, column: None } => write!(f, "{line}"),
            Position::Byte(b) => write!(f, "byte {b}"),
        }
    }
}

/// How serious a diagnostic is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    /// Something was noted but nothing was lost (a summary record that disagreed with the data).
    Note,
    /// Something was skipped, clamped or saturated: numbers may differ from what the producer meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
        })
    }
}

/// A problem found while reading or merging input that did not stop the rest from loading.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub position: Option<Position>,
    /// Lowercase, no trailing period: `malformed DA record (missing count)`.
    pub message: String,
}

impl Diagnostic {
    /// A warning at `position`.
    pub fn warning(position: Option<Position>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            position,
            message: message.into(),
        }
    }
    /// A note at `position`.
    pub fn note(position: Option<Position>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Note,
            position,
            message: message.into(),
        }
    }
    /// `input:12:7: warning: message`, the form compilers use, so editors can jump to it.
    pub fn render(&self, input: &str) -> String {
        match self.position {
            Some(p) => format!("{input}:{p}: {}: {}", self.severity, self.message),
            None => format!("{input}: {}: {}", self.severity, self.message),
        }
    }
}

/// Input that cannot be read as the format it claims (or as any format).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParseError {
    pub format: Option<Format>,
    pub position: Option<Position>,
    pub message: String,
}

impl ParseError {
    pub fn new(
        format: Option<Format>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        ParseError {
            format,
            position,
            message: message.into(),
        }
    }
    /// `input: failed to parse Cobertura XML at 12:7: tag not closed`.
    pub fn render(&self, input: &str) -> String {
        let what = match self.format {
            Some(f) => format!("failed to parse {}", f.display_name()),
            None => "failed to read".to_string(),
        };
        match self.position {
            Some(p) => format!("{input}: {what} at {p}: {}", self.message),
            None => format!("{input}: {what}: {}", self.message),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("input"))
    }
}

impl std::error::Error for ParseError {}

/// A parsed value with the diagnostics found on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<T> {
    pub value: T,
    pub diagnostics: Vec<Diagnostic>,
}

/// Diagnostics capped at `ParseOptions::max_diagnostics` (0: no cap), shared by every parser; messages
/// are built only when kept, and one final note says how many were left out.
#[derive(Debug)]
pub(crate) struct Diags {
    list: Vec<Diagnostic>,
    max: usize,
    dropped: u64,
}

impl Diags {
    pub(crate) fn new(max: usize) -> Diags {
        Diags {
            list: Vec::new(),
            max,
            dropped: 0,
        }
    }

    /// Whether another diagnostic would be kept.
    pub(crate) fn accepting(&self) -> bool {
        self.max == 0 || self.list.len() < self.max
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        position: Option<Position>,
        message: impl FnOnce() -> String,
    ) {
        if self.accepting() {
            self.list.push(Diagnostic {
                severity,
                position,
                message: message(),
            });
        } else {
            self.dropped += 1;
        }
    }

    pub(crate) fn warn(&mut self, position: Option<Position>, message: impl FnOnce() -> String) {
        self.push(Severity::Warning, position, message);
    }

    pub(crate) fn note(&mut self, position: Option<Position>, message: impl FnOnce() -> String) {
        self.push(Severity::Note, position, message);
    }

    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            let n = self.dropped;
            self.list.push(Diagnostic::note(
                None,
                format!("{n} more diagnostic(s) not shown (limit {})", self.max),
            ));
        }
        self.list
    }
}
