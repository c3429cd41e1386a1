//! The `merge` output: writing the merged report as LCOV, Cobertura XML, SonarQube generic XML or Codecov
//! JSON to a file (atomically) or stdout, and saying what the chosen format leaves out.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use covlens_core::formats::{cobertura, codecov, lcov, sonarqube};
use covlens_core::Report;

use crate::inputs::io_message;
use crate::OutFormat;

/// Where and how to write.
pub struct Target<'a> {
    pub output: &'a Path,
    pub format: OutFormat,
    pub source_root: Option<&'a str>,
    /// Seconds since the Unix epoch (as gcovr writes it; Java Cobertura wrote milliseconds).
    pub timestamp: u64,
}

/// The report timestamp: `SOURCE_DATE_EPOCH` when set (reproducible builds), else the clock.
pub fn timestamp() -> Result<u64, String> {
    match std::env::var_os("SOURCE_DATE_EPOCH") {
        Some(v) => {
            let s = v.to_string_lossy();
            s.trim().parse::<u64>().map_err(|_| {
                format!("SOURCE_DATE_EPOCH must be a number of seconds since 1970, not `{s}`")
            })
        }
        None => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

fn write_to(report: &Report, target: &Target<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    match target.format {
        OutFormat::Lcov => lcov::write(report, out),
        OutFormat::Cobertura => {
            let options = cobertura::WriteOptions {
                timestamp: target.timestamp,
                source_root: target.source_root.map(str::to_string),
                ..cobertura::WriteOptions::default()
            };
            cobertura::write(report, &options, out)
        }
        OutFormat::Sonarqube => sonarqube::write(report, out),
        OutFormat::Codecov => codecov::write(report, out),
    }
}

/// What writing `report` as `format` leaves out (the format has no place for it), one note per kind.
pub fn omissions(report: &Report, format: OutFormat) -> Vec<String> {
    match format {
        // LCOV carries everything the model holds; Cobertura's losses are documented in its writer.
        OutFormat::Lcov | OutFormat::Cobertura => Vec::new(),
        OutFormat::Sonarqube => sonarqube::omissions(report),
        OutFormat::Codecov => codecov::omissions(report),
    }
}

/// A temporary name beside `path`, so the final rename stays on one file system.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "covlens-output".to_string());
    path.with_file_name(format!(".{name}.covlens-{}.tmp", std::process::id()))
}

/// Writes the report; the error message names the output.
pub fn write(report: &Report, target: &Target<'_>) -> Result<(), String> {
    if target.output.as_os_str() == "-" {
        let stdout = std::io::stdout().lock();
        let mut w = BufWriter::with_capacity(1 << 20, stdout);
        return write_to(report, target, &mut w)
            .and_then(|()| w.flush())
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(format!("cannot write to stdout: {}", io_message(&e)))
                }
            });
    }
    let shown = target.output.to_string_lossy();
    let tmp = temp_path(target.output);
    let result = (|| -> std::io::Result<()> {
        let file = std::fs::File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        write_to(report, target, &mut w)?;
        w.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&tmp, target.output)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {shown}: {}", io_message(&e))
    })
}
