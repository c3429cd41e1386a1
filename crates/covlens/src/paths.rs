//! Path reconciliation and conflicts in the CLI: each input is loaded as its own shard, the core joins
//! paths that name one file ([`covlens_core::reconcile`]) and reports where shards disagree
//! ([`covlens_core::merge::find_conflicts`]), then the shards are merged.
//!
//! Every shard's paths must be known before any is renamed, and a conflict names its shards, so each
//! input is kept until all are loaded: in the compact, lossless form of [`covlens_core::compact`]
//! (a fraction of a report's memory). Files are then renamed, checked for conflicts and merged one path
//! at a time, unpacking only the files that more than one shard has. A single input with no path
//! option takes the plain road of [`crate::load`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::Args;
use std::collections::BTreeMap;

use covlens_core::compact::{FileSummary, Summary};
use covlens_core::merge::{find_conflicts, merge_file, Conflict, ConflictKind, MergeIssues};
use covlens_core::reconcile::{reconcile, Reconciliation, Rules, ShardPaths};
use covlens_core::{Diagnostic, Fidelity, FileCoverage, Report, ShardId};

use crate::inputs::{Expanded, Job};
use crate::load::{self, InputInfo, LoadResult};

/// Path options shared by `summary` and `merge` (`--source-root` is each command's own).
#[derive(Args, Debug, Default)]
pub struct PathArgs {
    /// Remove a leading PREFIX from source paths (repeatable; the first match wins)
    #[arg(long = "strip-prefix", value_name = "PREFIX")]
    pub strip_prefix: Vec<String>,
    /// Rewrite a leading FROM of source paths to TO (repeatable; the first match wins; before --strip-prefix)
    #[arg(long = "path-map", value_name = "FROM=TO", value_parser = parse_map)]
    pub path_map: Vec<(String, String)>,
    /// Print on stderr how source paths were joined, with each join's rule, and the paths left apart
    #[arg(long)]
    pub explain_paths: bool,
    /// Do not join paths of different inputs automatically (--strip-prefix and --path-map still apply)
    #[arg(long)]
    pub no_reconcile: bool,
    /// Print every conflict between inputs (coverable lines, branch sets, function starts), naming the
    /// inputs; checksum and version conflicts are always printed, and --strict prints and fails on all
    #[arg(long)]
    pub conflicts: bool,
}

fn parse_map(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((from, to)) if !from.is_empty() => Ok((from.to_string(), to.to_string())),
        _ => Err(format!("expected FROM=TO, got `{s}`")),
    }
}

impl PathArgs {
    fn rules(&self) -> Rules {
        Rules {
            strip_prefixes: self.strip_prefix.clone(),
            path_maps: self.path_map.clone(),
            keep_apart: Vec::new(),
            automatic: !self.no_reconcile,
        }
    }

    /// Whether the shard-by-shard road is needed.
    fn wanted(&self, expanded: &Expanded, source_root: Option<&str>) -> bool {
        expanded.jobs.len() > 1
            || !self.strip_prefix.is_empty()
            || !self.path_map.is_empty()
            || self.explain_paths
            || source_root.is_some()
    }
}

/// Files under `dir`, relative to it with `/` separators, sorted; hidden directories and
/// `node_modules` are not entered. `None` when `dir` is not a readable directory.
pub fn source_tree(dir: &Path) -> Option<Vec<String>> {
    if !dir.is_dir() {
        return None;
    }
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            match entry.file_type() {
                Ok(t) if t.is_dir() => {
                    if !name.starts_with('.') && name != "node_modules" {
                        stack.push((path, child));
                    }
                }
                Ok(_) => out.push(child),
                Err(_) => {}
            }
        }
    }
    out.sort();
    Some(out)
}

/// Loads every job as its own shard (in parallel), returning per-job results in job order.
fn load_shards(expanded: Expanded) -> (Vec<LoadResult<Summary>>, Vec<bool>, Vec<String>, Vec<u64>) {
    let Expanded {
        jobs,
        mut skipped,
        is_dir,
        arg_names,
    } = expanded;
    let args: Vec<usize> = jobs.iter().map(|j| j.arg).collect();
    let nargs = arg_names.len();
    let singles: Vec<Mutex<Option<Expanded>>> = jobs
        .into_iter()
        .map(|job: Job| {
            Mutex::new(Some(Expanded {
                jobs: vec![job],
                skipped: vec![0; nargs],
                // The "directory without reports" check is made below, over all jobs.
                is_dir: vec![false; nargs],
                arg_names: arg_names.clone(),
            }))
        })
        .collect();
    let results: Vec<Mutex<Option<LoadResult<Summary>>>> =
        (0..singles.len()).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(singles.len())
        .max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = singles.get(i) else {
                    break;
                };
                let single = slot.lock().expect("not poisoned").take();
                if let Some(single) = single {
                    let r = load::load_summary(&single, false);
                    *results[i].lock().expect("not poisoned") = Some(r);
                }
            });
        }
    });
    let results: Vec<LoadResult<Summary>> = results
        .into_iter()
        .filter_map(|m| m.into_inner().expect("not poisoned"))
        .collect();
    // A file of a directory that was not a report counts for its argument.
    for (r, &arg) in results.iter().zip(&args) {
        skipped[arg] += r.skipped;
    }
    (results, is_dir, arg_names, skipped)
}

/// A merged file as the shard merge hands it over: still packed when only one shard has it.
pub enum MergedFile {
    Packed(FileSummary),
    Unpacked(FileCoverage),
}

/// What the shard road merges into: a report (`merge`) or a compact summary (`summary`).
pub trait Collect: load::Merge {
    fn put(&mut self, path: String, file: MergedFile);
    fn fidelity_mut(&mut self) -> &mut Fidelity;
}

impl Collect for Report {
    fn put(&mut self, path: String, file: MergedFile) {
        let fc = match file {
            MergedFile::Packed(fs) => fs.into_coverage(),
            MergedFile::Unpacked(fc) => fc,
        };
        self.files.insert(path, fc);
    }
    fn fidelity_mut(&mut self) -> &mut Fidelity {
        &mut self.fidelity
    }
}

impl Collect for Summary {
    fn put(&mut self, path: String, file: MergedFile) {
        let fs = match file {
            MergedFile::Packed(fs) => fs,
            MergedFile::Unpacked(fc) => FileSummary::new(fc),
        };
        self.files.insert(path, fs);
    }
    fn fidelity_mut(&mut self) -> &mut Fidelity {
        &mut self.fidelity
    }
}

/// Renames one shard's files to their canonical paths; files of the shard that become one are merged
/// (like [`Reconciliation::apply`] on a report).
fn rename(
    rec: &Reconciliation,
    id: ShardId,
    shard: Summary,
    diags: &mut Vec<Diagnostic>,
) -> Summary {
    if rec.joins().is_empty() {
        return shard;
    }
    let mut out = Summary::new(shard.fidelity);
    for (path, fs) in shard.files {
        let name = rec.canonical(id, &path).to_owned();
        match out.files.remove(&name) {
            Some(prev) => {
                let mut fc = prev.into_coverage();
                let mut issues = MergeIssues::default();
                merge_file(&mut fc, &fs.into_coverage(), &mut issues);
                diags.extend(issues.to_diagnostics(&name));
                out.files.insert(name, FileSummary::new(fc));
            }
            None => {
                out.files.insert(name, fs);
            }
        }
    }
    out
}

/// Merges the shards path by path, in shard order (the result equals
/// [`covlens_core::merge::merge_shards`] on the unpacked reports): their conflicts, named by shard, and
/// the merge diagnostics that the conflicts do not say already.
fn merge_compact<M: Collect>(
    shards: Vec<(ShardId, Summary)>,
) -> (M, Vec<Diagnostic>, Vec<Conflict>) {
    let mut out = M::default();
    let mut by_path: BTreeMap<String, Vec<(ShardId, FileSummary)>> = BTreeMap::new();
    for (id, shard) in shards {
        let f = out.fidelity_mut();
        *f = f.combine(shard.fidelity);
        for (path, fs) in shard.files {
            by_path.entry(path).or_default().push((id, fs));
        }
    }
    let (mut diags, mut conflicts) = (Vec::new(), Vec::new());
    for (path, mut files) in by_path {
        if files.len() == 1 {
            let (_, fs) = files.pop().expect("one file");
            out.put(path, MergedFile::Packed(fs));
            continue;
        }
        let unpacked: Vec<(ShardId, FileCoverage)> = files
            .into_iter()
            .map(|(id, fs)| (id, fs.into_coverage()))
            .collect();
        let refs: Vec<(ShardId, &FileCoverage)> =
            unpacked.iter().map(|(id, fc)| (*id, fc)).collect();
        conflicts.extend(find_conflicts(&path, &refs));
        drop(refs);
        let mut rest = unpacked.into_iter();
        let (_, mut merged) = rest.next().expect("two files");
        for (_, fc) in rest {
            let mut issues = MergeIssues::default();
            merge_file(&mut merged, &fc, &mut issues);
            issues.clear_conflicts();
            diags.extend(issues.to_diagnostics(&path));
        }
        out.put(path, MergedFile::Unpacked(merged));
    }
    (out, diags, conflicts)
}

/// What reconciliation did, for `--explain-paths` and tests.
pub struct Reconciled<M = Report> {
    pub result: LoadResult<M>,
    pub reconciliation: Reconciliation,
    /// Shard display names, by shard id.
    pub names: Vec<String>,
}

/// Loads, reconciles and merges; `source_root` is a directory whose files are the source tree.
pub fn load_reconciled<M: Collect>(
    expanded: Expanded,
    args: &PathArgs,
    source_root: Option<&str>,
    quiet: bool,
    strict: bool,
) -> Reconciled<M> {
    let (results, is_dir, arg_names, skipped_args) = load_shards(expanded);
    let mut inputs: Vec<InputInfo> = Vec::new();
    let skipped: u64 = skipped_args.iter().sum();
    let mut merge_diagnostics = Vec::new();
    let mut shards: Vec<(ShardId, Summary)> = Vec::new();
    let mut names = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        merge_diagnostics.extend(r.merge_diagnostics);
        let name = r
            .inputs
            .first()
            .map_or_else(|| format!("input {i}"), |x| x.display.clone());
        names.push(name);
        shards.push((ShardId(i as u32), r.report));
        inputs.extend(r.inputs);
    }
    for (arg, dir) in is_dir.iter().enumerate() {
        if *dir && !inputs.iter().any(|i| i.arg == arg) {
            inputs.push(InputInfo {
                display: arg_names[arg].clone(),
                format: None,
                fidelity: None,
                files: 0,
                records: 0,
                diagnostics: Vec::new(),
                error: Some(format!(
                    "no coverage reports found in {} ({} other file{} skipped)",
                    arg_names[arg],
                    skipped_args[arg],
                    if skipped_args[arg] == 1 { "" } else { "s" }
                )),
                arg,
            });
        }
    }
    inputs.sort_by_key(|i| i.arg);

    let tree = match source_root {
        Some(dir) => match source_tree(Path::new(dir)) {
            Some(t) => t,
            None => {
                if !quiet {
                    eprintln!("covlens: note: --source-root {dir} is not a directory here; paths are not matched against a source tree");
                }
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let tree_refs: Vec<&str> = tree.iter().map(String::as_str).collect();
    let paths: Vec<ShardPaths<'_>> = shards
        .iter()
        .map(|(id, r)| ShardPaths {
            shard: *id,
            paths: r.files.keys().map(String::as_str).collect(),
        })
        .collect();
    let rec = reconcile(&paths, &tree_refs, &args.rules());
    drop(paths);
    let renamed: Vec<(ShardId, Summary)> = shards
        .into_iter()
        .map(|(id, r)| (id, rename(&rec, id, r, &mut merge_diagnostics)))
        .collect();
    let (report, d, conflicts) = merge_compact::<M>(renamed);
    merge_diagnostics.extend(d);
    merge_diagnostics.sort_by_cached_key(|d| d.render(""));
    merge_diagnostics.extend(rec.ambiguities().iter().map(|a| a.to_diagnostic()));
    let name = |id: ShardId| names[id.0 as usize].clone();
    // Different revisions always show; what two tools or builds may well disagree on (coverable
    // lines, branch numbering) only when asked or strict, else a merge of different tools drowns in it.
    merge_diagnostics.extend(
        conflicts
            .iter()
            .filter(|c| match c.kind {
                ConflictKind::Checksum | ConflictKind::Version => true,
                ConflictKind::Coverability | ConflictKind::BranchSet => args.conflicts || strict,
                // The merge's own message says it already (without the inputs' names).
                ConflictKind::FunctionStart => args.conflicts,
            })
            .map(|c| c.to_diagnostic(name)),
    );
    Reconciled {
        result: LoadResult {
            inputs,
            skipped,
            report,
            merge_diagnostics,
        },
        reconciliation: rec,
        names,
    }
}

/// `--explain-paths`: every renamed path with its rule, the detected roots and the paths left apart.
pub fn explain<M>(r: &Reconciled<M>) -> String {
    let rec = &r.reconciliation;
    let name = |id: ShardId| r.names[id.0 as usize].as_str();
    let mut out = String::new();
    for (id, root) in rec.roots() {
        out.push_str(&format!("paths: root of {}: {root}\n", name(*id)));
    }
    if rec.joins().is_empty() {
        out.push_str("paths: no path was renamed or joined\n");
    }
    let mut last: Option<&str> = None;
    for j in rec.joins() {
        if last != Some(j.canonical.as_str()) {
            out.push_str(&format!("paths: {}\n", j.canonical));
            last = Some(&j.canonical);
        }
        let rules: Vec<String> = j.rules.iter().map(ToString::to_string).collect();
        let shards: Vec<&str> = j.shards.iter().map(|&s| name(s)).collect();
        out.push_str(&format!(
            "  <- {} ({}): {}\n",
            j.original,
            shards.join(", "),
            rules.join("; ")
        ));
    }
    for a in rec.ambiguities() {
        out.push_str(&format!("paths: {}\n", a.to_diagnostic().message));
    }
    out
}

fn finish_explain<M>(r: &Reconciled<M>, args: &PathArgs) {
    if args.explain_paths {
        eprint!("{}", explain(r));
    }
}

/// The merged report for `merge`, reconciled when there is more than one input or a path option.
pub fn load_report(
    expanded: Expanded,
    show_progress: bool,
    args: &PathArgs,
    source_root: Option<&str>,
    quiet: bool,
    strict: bool,
) -> LoadResult {
    if !args.wanted(&expanded, source_root) {
        return load::load_all(&expanded, show_progress);
    }
    let r = load_reconciled::<Report>(expanded, args, source_root, quiet, strict);
    finish_explain(&r, args);
    r.result
}

/// The merged summary for `summary`, reconciled when there is more than one input or a path option.
pub fn load_summary(
    expanded: Expanded,
    show_progress: bool,
    args: &PathArgs,
    source_root: Option<&str>,
    quiet: bool,
    strict: bool,
) -> LoadResult<Summary> {
    if !args.wanted(&expanded, source_root) {
        return load::load_summary(&expanded, show_progress);
    }
    let r = load_reconciled::<Summary>(expanded, args, source_root, quiet, strict);
    finish_explain(&r, args);
    r.result
}
