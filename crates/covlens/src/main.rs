//! covlens command-line entry point: argument parsing, the `summary` and `merge` commands, exit codes.
//!
//! Exit codes: 0 ok; 1 an input could not be loaded, or `--strict` and a warning; 2 usage error.

mod inputs;
mod load;
mod merge;
mod paths;
mod remap;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use covlens_core::{Diagnostic, Severity};

use crate::load::LoadResult;

/// Exit code of usage errors (clap uses the same).
const EXIT_USAGE: u8 = 2;
/// Exit code of input errors and of `--strict` with warnings.
const EXIT_INPUT: u8 = 1;

/// Diagnostics printed per input before "... and N more".
const SHOWN_DIAGNOSTICS: usize = 20;

const INPUT_HELP: &str = "Coverage reports: files, directories, or - for stdin";
const INPUT_LONG_HELP: &str = "Coverage reports in any format covlens reads, recognised by content (gzip too): \
files, directories, or - for stdin. A directory is searched recursively: every file in it that is a \
report is read, others are skipped and counted; hidden directories and node_modules are not entered.";

#[derive(Parser, Debug)]
#[command(
    name = "covlens",
    version,
    about = "Summarise, merge and convert code coverage reports",
    long_about = "Summarise, merge and convert code coverage reports.\n\n\
Reads LCOV, Cobertura, JaCoCo, Clover, OpenCover, SonarQube generic XML, coverage.py, Istanbul, \
SimpleCov, gcov (text, JSON), gcovr, llvm-cov and Codecov JSON, and Go coverprofiles, plain or gzipped; \
the format of each input is detected from its content, never from its name. Several inputs are merged: line hits and branch counts are summed, \
functions are matched by name.\n\n\
Exit status: 0 ok; 1 an input could not be loaded (the rest is still summarised), or --strict and \
a warning; 2 usage error.",
    after_help = "Examples:\n  covlens summary coverage/\n  covlens summary --json --files lcov.info\n  \
covlens merge shard-*.info -o merged.info\n  covlens merge jacoco.xml -o cobertura.xml --format cobertura"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print coverage totals of the merged inputs
    #[command(
        long_about = "Print coverage totals (lines, branches, functions: found, hit, percent) of the \
merged inputs, with a line per input. With --files, a line per source file too.\n\n\
Each input's fidelity says what it measured per dimension: counted (real execution counts), boolean \
(covered or not: merged counts are then lower bounds) or absent.\n\n\
--format json (or --json) prints {\"files\", \"lines\": {\"found\", \"hit\"}, \"branches\": {..}, \"functions\": {..}} \
and the extras \"statements\", \"fidelity\", \"inputs\" (each with its own \"fidelity\"), \"skipped\", \
\"merge_diagnostics\" and, with --files, \"per_file\". JaCoCo methods count as functions.\n\n\
--format markdown prints tables for a CI job summary (append it to $GITHUB_STEP_SUMMARY): the totals, \
the inputs with their fidelity, and the --least-covered files with the lowest line coverage.\n\n\
Exit status: 0 ok; 1 an input could not be loaded (the totals of the others are still printed), or \
--strict and a warning; 2 usage error."
    )]
    Summary(SummaryArgs),
    /// Merge inputs into one report (LCOV, Cobertura XML, SonarQube generic XML or Codecov JSON)
    #[command(
        long_about = "Merge the inputs into one report, written as LCOV (default), Cobertura XML, \
SonarQube generic coverage XML or Codecov JSON. SonarQube and Codecov have no functions and keep \
only covered/total per line for branches (SonarQube: no line counts either); what a format cannot \
carry is left out, never made up, and a note on stderr says what was left out.\n\n\
The output is written only when the command succeeds: if an input cannot be loaded (or, with \
--strict, when there is a warning) nothing is written and the exit status is 1. A file output is \
written to a temporary file beside it and renamed, so readers never see half a report.\n\n\
The Cobertura timestamp is the current time, or SOURCE_DATE_EPOCH when set (reproducible output).\n\n\
Exit status: 0 written; 1 not written (an input could not be loaded, or --strict and a warning, or \
the output could not be written); 2 usage error."
    )]
    Merge(MergeArgs),
}

#[derive(Args, Debug)]
struct Common {
    /// Exit with status 1 when any input produced a warning
    #[arg(long)]
    strict: bool,
    /// Print no diagnostics, progress or notes on stderr (errors are still printed)
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    source_maps: remap::SourceMapArgs,
}

#[derive(Args, Debug)]
struct SummaryArgs {
    #[arg(value_name = "INPUT", required = true, help = INPUT_HELP, long_help = INPUT_LONG_HELP)]
    inputs: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Markdown only: how many of the least-covered files to list
    #[arg(long, value_name = "N", default_value_t = 10)]
    least_covered: usize,
    /// Also list every source file
    #[arg(long)]
    files: bool,
    /// The source tree: source paths are matched against the files under DIR and named relative to it
    #[arg(long, value_name = "DIR")]
    source_root: Option<String>,
    #[command(flatten)]
    paths: paths::PathArgs,
    #[command(flatten)]
    common: Common,
}

/// Output formats of `summary`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SummaryFormat {
    /// Tables for people
    Text,
    /// A stable JSON shape for scripts
    Json,
    /// GitHub-flavoured Markdown tables for CI job summaries
    Markdown,
}

/// Output formats of `merge`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutFormat {
    Lcov,
    Cobertura,
    /// SonarQube generic coverage XML
    Sonarqube,
    /// Codecov JSON ("custom coverage format")
    Codecov,
}

#[derive(Args, Debug)]
struct MergeArgs {
    #[arg(value_name = "INPUT", required = true, help = INPUT_HELP, long_help = INPUT_LONG_HELP)]
    inputs: Vec<PathBuf>,
    /// Output file, - for stdout
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutFormat::Lcov)]
    format: OutFormat,
    /// The source tree: source paths are matched against the files under DIR and named relative to
    /// it; Cobertura: also the <source> directory written into the report
    #[arg(long, value_name = "DIR")]
    source_root: Option<String>,
    #[command(flatten)]
    paths: paths::PathArgs,
    #[command(flatten)]
    common: Common,
}

/// A usage error found after argument parsing.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("covlens: error: {message}");
    eprintln!("For more information, try '--help'.");
    ExitCode::from(EXIT_USAGE)
}

fn check_inputs(inputs: &[PathBuf]) -> Result<(), ExitCode> {
    if inputs.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(usage_error("- (stdin) given more than once"));
    }
    Ok(())
}

/// Prints the first [`SHOWN_DIAGNOSTICS`] of `diags` rendered for `name`, then how many more.
fn print_diagnostics(diags: &[Diagnostic], render: impl Fn(&Diagnostic) -> String, name: &str) {
    let mut err = std::io::stderr().lock();
    use std::io::Write;
    for d in diags.iter().take(SHOWN_DIAGNOSTICS) {
        let _ = writeln!(err, "{}", render(d));
    }
    if diags.len() > SHOWN_DIAGNOSTICS {
        let _ = writeln!(
            err,
            "{name}: ... and {} more diagnostics",
            diags.len() - SHOWN_DIAGNOSTICS
        );
    }
}

/// Renders a merge diagnostic (its message already names the source file).
pub fn render_merge_diagnostic(d: &Diagnostic) -> String {
    format!("{}: {}", d.severity, d.message)
}

/// Prints errors (always) and diagnostics (unless quiet); returns whether any warning was seen.
fn report_problems<M>(result: &LoadResult<M>, quiet: bool) -> bool {
    let mut warned = false;
    for input in &result.inputs {
        if let Some(e) = &input.error {
            eprintln!("covlens: {e}");
        }
        warned |= input
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning);
        if !quiet {
            print_diagnostics(
                &input.diagnostics,
                |d| d.render(&input.display),
                &input.display,
            );
        }
    }
    warned |= result
        .merge_diagnostics
        .iter()
        .any(|d| d.severity == Severity::Warning);
    if !quiet {
        print_diagnostics(
            &result.merge_diagnostics,
            |d| format!("covlens: {}", render_merge_diagnostic(d)),
            "covlens: merging",
        );
    }
    warned
}

fn exit_status<M>(result: &LoadResult<M>, warned: bool, strict: bool) -> ExitCode {
    if result.failed() > 0 {
        return ExitCode::from(EXIT_INPUT);
    }
    if strict && warned {
        eprintln!("covlens: warnings found and --strict given");
        return ExitCode::from(EXIT_INPUT);
    }
    ExitCode::SUCCESS
}

/// The process is about to end: returning a report's millions of allocations to the allocator one by
/// one would only cost time (a tenth of a large summary's), the OS takes the memory back at once.
fn exit_without_freeing<M>(result: LoadResult<M>) {
    std::mem::forget(result);
}

fn run_summary(args: SummaryArgs) -> ExitCode {
    if let Err(code) = check_inputs(&args.inputs) {
        return code;
    }
    let expanded = inputs::expand(&args.inputs, None);
    let result = paths::load_summary(
        expanded,
        !args.common.quiet,
        &args.paths,
        args.source_root.as_deref(),
        args.common.quiet,
        args.common.strict,
    );
    let warned = report_problems(&result, args.common.quiet);
    let format = if args.json {
        SummaryFormat::Json
    } else {
        args.format
    };
    let text = match format {
        SummaryFormat::Text => summary::human(&result, args.files),
        SummaryFormat::Json => summary::json(&result, args.files),
        SummaryFormat::Markdown => summary::markdown(&result, args.least_covered),
    };
    if let Err(e) = summary::print_stdout(&text) {
        // A closed pipe (`| head`) is not worth a message.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!(
                "covlens: cannot write to stdout: {}",
                inputs::io_message(&e)
            );
            return ExitCode::from(EXIT_INPUT);
        }
    }
    let status = exit_status(&result, warned, args.common.strict);
    exit_without_freeing(result);
    status
}

fn run_merge(args: MergeArgs) -> ExitCode {
    if let Err(code) = check_inputs(&args.inputs) {
        return code;
    }
    let timestamp = match merge::timestamp() {
        Ok(t) => t,
        Err(message) => return usage_error(&message),
    };
    let output = (args.output.as_os_str() != "-").then_some(args.output.as_path());
    let expanded = inputs::expand(&args.inputs, output);
    let result = paths::load_report(
        expanded,
        !args.common.quiet,
        &args.paths,
        args.source_root.as_deref(),
        args.common.quiet,
        args.common.strict,
    );
    let warned = report_problems(&result, args.common.quiet);
    let status = exit_status(&result, warned, args.common.strict);
    if status != ExitCode::SUCCESS {
        eprintln!(
            "covlens: nothing written to {}",
            args.output.to_string_lossy()
        );
        return status;
    }
    let target = merge::Target {
        output: &args.output,
        format: args.format,
        source_root: args.source_root.as_deref(),
        timestamp,
    };
    if !args.common.quiet {
        // What the output format cannot carry is left out, never made up: say so.
        for note in merge::omissions(&result.report, args.format) {
            eprintln!("covlens: note: {note}");
        }
    }
    let written = merge::write(&result.report, &target);
    let (inputs, files) = (result.inputs.len(), result.report.files.len());
    exit_without_freeing(result);
    match written {
        Ok(()) => {
            if !args.common.quiet {
                eprintln!(
                    "covlens: merged {} input{} ({} source files) into {}",
                    inputs,
                    if inputs == 1 { "" } else { "s" },
                    files,
                    if args.output.as_os_str() == "-" {
                        "stdout".to_string()
                    } else {
                        args.output.to_string_lossy().into_owned()
                    }
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("covlens: {message}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors to stderr with status 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match &cli.command {
        Command::Summary(args) => remap::configure(&args.common.source_maps),
        Command::Merge(args) => remap::configure(&args.common.source_maps),
    }
    match cli.command {
        Command::Summary(args) => run_summary(args),
        Command::Merge(args) => run_merge(args),
    }
}
