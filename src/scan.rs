//! One scan: discover → read → ingest → evaluate, producing sorted findings.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::discover::{self, FileClass};
use crate::environment::Classifier;
use crate::evaluate::{Checks, Evaluator};
use crate::findings::{self, Finding};
use crate::ingest::helm::{self, HelmOptions};
use crate::ingest::kubernetes::{self, Outcome};
use crate::ingest::kustomize;
use crate::ingest::plan;
use crate::ingest::terraform;
use crate::model::{AttrPath, Resource};
use crate::policy::Policies;
use crate::rules::{self, Level, Rule, Settings};
use crate::source::{FileId, Location, Pos, SourceFile, Span};
use crate::suppress::{self, Baseline};

pub struct ScanOptions {
    /// Free the model as soon as its rules ran (less peak memory): Terraform
    /// resources before the Kubernetes files are read, the rest before the
    /// findings are merged and sorted. The scan then returns no resources;
    /// off for callers that read `Scan::resources`.
    pub free_model_early: bool,
    /// Keep every file's text in `Scan::files`. Without it, the texts of
    /// manifests and Terraform files are freed once they are parsed and
    /// their directives read; a report quoting them reads them again
    /// ([`SourceFile::reread`]).
    pub keep_texts: bool,
    /// Files and directories; `-` reads a YAML stream from stdin.
    pub paths: Vec<PathBuf>,
    pub stdin_name: String,
    pub threads: usize,
    pub classifier: Classifier,
    pub rules: Vec<&'static Rule>,
    pub settings: Settings,
    /// How chart directories are rendered.
    pub helm: HelmOptions,
    /// Namespace of namespaced objects that set none (`--namespace`).
    pub default_namespace: Option<String>,
    /// User policies (`--policy`); their rules are also in `rules`.
    pub policies: Policies,
    /// Time limit of one policy evaluation on one resource.
    pub policy_timeout: Option<Duration>,
    /// Larger files are reported (IL002), not read.
    pub max_file_size: u64,
    /// Levels set per rule id by the configuration.
    pub levels: BTreeMap<String, Level>,
    /// Paths not to scan (configuration `exclude`).
    pub exclude: Option<Exclude>,
    /// Report suppressions that matched nothing (IL004).
    pub report_unused_ignores: bool,
    /// Findings recorded here are suppressed (`--baseline`), with its name.
    pub baseline: Option<(Baseline, String)>,
    /// Context: directories read one level deep (not recursively) besides
    /// `paths`, whose files rules see (relations such as a Deployment's
    /// PodDisruptionBudget; a Terraform module's other files) but whose
    /// findings are not reported. The command line sets it to the directories
    /// of FILE arguments ([`context_dirs`]), so a file list (pre-commit) gets
    /// the findings a full scan reports for those files.
    pub context: Vec<PathBuf>,
    /// Counters a progress display reads while the scan runs.
    pub progress: Option<Arc<Progress>>,
    /// Terraform `--var-file`s for root modules, in order.
    pub var_files: Vec<PathBuf>,
    /// Terraform `--var NAME=VALUE`s for root modules, in order.
    pub vars: Vec<(String, String)>,
}

/// Globs of paths not to scan, relative to `base` (the configuration's folder).
#[derive(Clone, Debug)]
pub struct Exclude {
    pub base: PathBuf,
    pub globs: Vec<globset::GlobMatcher>,
}

impl Exclude {
    fn excludes(&self, path: &Path) -> bool {
        let cwd = std::env::current_dir().unwrap_or_default();
        let absolute = cwd.join(path);
        let Some(rel) = discover::relative(&absolute, &self.base) else {
            return false;
        };
        // A glob excludes a file or any folder above it.
        let mut prefix = String::new();
        rel.split('/').any(|part| {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            self.globs.iter().any(|g| g.is_match(&prefix))
        })
    }
}

/// Far above any real manifest or module file; guards against generated or hostile input.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Generous: built-in policies take microseconds per resource.
pub const DEFAULT_POLICY_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            free_model_early: false,
            keep_texts: true,
            paths: vec![PathBuf::from(".")],
            stdin_name: "<stdin>".to_string(),
            threads: 1,
            classifier: Classifier::default(),
            rules: rules::builtin(),
            settings: Settings::default(),
            helm: HelmOptions::default(),
            default_namespace: None,
            policies: Policies::default(),
            policy_timeout: Some(DEFAULT_POLICY_TIMEOUT),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            levels: BTreeMap::new(),
            exclude: None,
            report_unused_ignores: false,
            baseline: None,
            context: Vec::new(),
            progress: None,
            var_files: Vec::new(),
            vars: Vec::new(),
        }
    }
}

/// What a progress display reads while a scan runs: the stage, and steps
/// done of the stage's total (files read, files parsed, resources
/// evaluated). Updating it costs one relaxed atomic add per step.
#[derive(Debug, Default)]
pub struct Progress {
    pub stage: AtomicUsize,
    pub done: AtomicUsize,
    pub total: AtomicUsize,
}

impl Progress {
    pub const WALK: usize = 0;
    pub const READ: usize = 1;
    pub const PARSE: usize = 2;
    pub const EVALUATE: usize = 3;

    fn start(&self, stage: usize, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.stage.store(stage, Ordering::Relaxed);
    }

    pub fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// (stage, done, total), for display.
    pub fn get(&self) -> (usize, usize, usize) {
        (
            self.stage.load(Ordering::Relaxed),
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// The directories of the FILE arguments among `paths`: the context that
/// makes a scan of a file list report what a full scan reports for them.
pub fn context_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-" && p.is_file())
        .map(|p| match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Add the files of the context directories (one level deep) to the walked
/// candidates; returns the display names of the added (context-only) files.
/// A `Chart.yaml` found only as context is left out: its chart is not
/// rendered. So is a Terraform plan: plans do not relate to one another, and
/// a plan beside a named `.tf` file must not stand in for what is committed.
fn add_context(
    candidates: &mut Vec<discover::Candidate>,
    context: &[PathBuf],
    root: &Path,
    threads: usize,
) -> std::collections::BTreeSet<String> {
    let mut added = std::collections::BTreeSet::new();
    if context.is_empty() {
        return added;
    }
    let (mut found, _) = discover::walk_to_depth(context, root, threads, Some(1));
    // A changed file of a child module is evaluated through its callers.
    let tf_dirs: Vec<PathBuf> = context
        .iter()
        .filter(|d| {
            found.iter().any(|c| {
                c.class == FileClass::Terraform && c.path.parent().is_some_and(|p| p == d.as_path())
            })
        })
        .cloned()
        .collect();
    if !tf_dirs.is_empty() {
        let (tree, _) = discover::walk(&[root.to_path_buf()], root, threads);
        let tf_files: Vec<PathBuf> = tree
            .into_iter()
            .filter(|c| c.class == FileClass::Terraform)
            .map(|c| c.path)
            .collect();
        let callers = crate::ingest::terraform::project::local_callers(&tf_dirs, &tf_files);
        let (caller_files, _) = discover::walk_to_depth(&callers, root, threads, Some(1));
        found.extend(
            caller_files
                .into_iter()
                .filter(|c| c.class == FileClass::Terraform),
        );
    }
    let named: std::collections::BTreeSet<String> =
        candidates.iter().map(|c| c.display.clone()).collect();
    for c in found {
        if named.contains(&c.display)
            || added.contains(&c.display)
            || c.path.file_name().is_some_and(|n| n == "Chart.yaml")
            || is_plan_file(&c.path)
        {
            continue;
        }
        added.insert(c.display.clone());
        candidates.push(c);
    }
    candidates.sort();
    added
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub files_found: usize,
    pub files_scanned: usize,
    pub resources: usize,
    pub walk: Duration,
    pub parse: Duration,
    pub evaluate: Duration,
    /// (rule, resource) pairs evaluated.
    pub rule_evaluations: usize,
}

pub struct Scan {
    /// What report paths are relative to (SARIF `%SRCROOT%`).
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    pub resources: Vec<Resource>,
    pub findings: Vec<Finding>,
    /// Things the user should know that are not findings (unfollowed links,
    /// unreadable files, policy errors), sorted.
    pub notes: Vec<String>,
    pub stats: Stats,
    pub rules: Vec<&'static Rule>,
}

#[derive(Debug)]
pub enum ScanError {
    /// Nothing could be read at all (exit code 2).
    NothingReadable(Vec<String>),
    Setup(anyhow::Error),
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanError::NothingReadable(notes) => {
                write!(f, "nothing could be read")?;
                for n in notes {
                    write!(f, "\n  {n}")?;
                }
                Ok(())
            }
            ScanError::Setup(e) => write!(f, "{e:#}"),
        }
    }
}

/// The scan root: a single directory argument, otherwise the working directory.
/// `.` components are dropped (`./k8s` and `.` name the directory itself).
fn scan_root(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let dirs: Vec<&PathBuf> = paths.iter().filter(|p| p.as_os_str() != "-").collect();
    match dirs.as_slice() {
        [one] if one.is_dir() => discover::normalize(&cwd.join(one)),
        _ => cwd.to_path_buf(),
    }
}

/// A file's text and, if it was not valid UTF-8, where and why.
type Decoded = (String, Option<(usize, String)>);

/// Bytes to text ([`crate::source::decode`]); invalid UTF-8 is reported.
fn decode(bytes: Vec<u8>) -> Decoded {
    let (text, bad) = crate::source::decode(bytes);
    (
        text,
        bad.map(|at| (at, "file is not valid UTF-8 text".to_string())),
    )
}

/// Root modules evaluated at a time in the Terraform stage: enough to keep
/// every thread busy, few enough that their resources stay small beside the
/// parsed modules.
const TERRAFORM_BATCH_ROOTS: usize = 64;

/// What evaluating the Terraform resources before the others left behind.
#[derive(Default)]
struct Staged {
    findings: Vec<Finding>,
    errors: Vec<crate::evaluate::EvalError>,
    evaluations: usize,
    /// Directives of the Terraform files, collected while their resources lived.
    directives: Vec<suppress::Directive>,
    tf_files: std::collections::HashSet<FileId>,
    resources: usize,
    /// Resources not in context files (counted as scanned).
    outside_context: usize,
    /// Notes and internal errors of evaluating the root modules.
    notes: Vec<String>,
    internal_errors: Vec<(FileId, String)>,
    /// Time spent evaluating rules (module evaluation counts as parsing).
    took: std::time::Duration,
}

/// The Terraform stage of a staged scan: root modules are evaluated, checked
/// and freed a batch at a time (the resources of a whole tree beside its
/// parsed modules were the peak of the stage). Checks stay within a root
/// module, except S3 buckets' companions by name: those checks run at the
/// end, on the buckets and companions kept from every batch.
fn terraform_stage(
    loaded: &terraform::Loaded,
    tf_opts: &terraform::Options,
    tf_ids: &[FileId],
    evaluator: &Evaluator,
    files: &[SourceFile],
    context_files: &std::collections::BTreeSet<String>,
    threads: usize,
) -> Staged {
    let mut out = Staged::default();
    let is_tf: std::collections::HashSet<FileId> = tf_ids.iter().copied().collect();
    let mut ends = suppress::BlockEnds::new(files, |id| is_tf.contains(&id));
    // Kept to the end for the checks that read other root modules.
    let mut across: Vec<Resource> = Vec::new();
    for batch in loaded.roots().chunks(TERRAFORM_BATCH_ROOTS) {
        let mut part = loaded.evaluate(batch, tf_opts);
        part.remap(tf_ids);
        out.notes.append(&mut part.notes);
        out.internal_errors.append(&mut part.internal_errors);
        let t = Instant::now();
        let (findings, mut errors, evaluations) =
            evaluator.run_checks(&part.resources, files, Checks::WithinRoot);
        let batch: Vec<&Resource> = part.resources.iter().collect();
        ends.add(&batch);
        drop(batch);
        out.findings.extend(findings);
        out.errors.append(&mut errors);
        out.evaluations += evaluations;
        out.resources += part.resources.len();
        out.outside_context += part
            .resources
            .iter()
            .filter(|r| {
                files
                    .get(r.file as usize)
                    .is_none_or(|f| !context_files.contains(&f.display))
            })
            .count();
        let (kept, done): (Vec<Resource>, Vec<Resource>) = part
            .resources
            .into_iter()
            .partition(crate::rules::read_across_roots);
        across.extend(kept);
        crate::memory::drop_in_parallel(done, threads);
        out.took += t.elapsed();
    }
    // The checks that read other root modules, on what they read, in scan order.
    let t = Instant::now();
    let (findings, mut errors, evaluations) =
        evaluator.run_checks(&across, files, Checks::AcrossRoots);
    out.findings.extend(findings);
    out.errors.append(&mut errors);
    out.evaluations += evaluations;
    crate::memory::drop_in_parallel(across, threads);
    out.took += t.elapsed();
    out.directives = ends.directives(files);
    out.tf_files = is_tf;
    // The findings were made among the rules' temporaries and the resources;
    // copies of them pack into fewer pages, and the freed model is returned
    // before the Kubernetes stage (14 MB on the generated corpus).
    // Copied on all threads: copied on one, this was a 10 ms serial stretch.
    let packed: Vec<Finding> = out
        .findings
        .par_iter()
        .with_min_len(crate::parallel::RESOURCES_PER_JOB)
        .cloned()
        .collect();
    crate::memory::drop_in_parallel(std::mem::replace(&mut out.findings, packed), threads);
    out
}

struct Loaded {
    file: SourceFile,
    class: FileClass,
    problem: Option<(usize, String)>,
    /// A file helm renders (under a chart's `templates/` or `charts/`): a
    /// template, not a manifest.
    in_chart: bool,
    /// The chart this stream was rendered from.
    rendered_from: Option<usize>,
    /// Over `--max-file-size`: not read (`problem` says why).
    too_large: bool,
    /// A Terraform plan, read while loading (its `file` keeps no text).
    plan: Option<plan::Plan>,
    /// Not read yet (`file` has no text): read after the Terraform stage, so
    /// that the Kubernetes texts are not in memory beside Terraform's model.
    unread: bool,
}

impl Loaded {
    /// A plan read as a stream: its file keeps no text, positions stay right.
    fn plan(mut file: SourceFile, class: FileClass, plan: plan::Plan) -> Loaded {
        file.streamed = true;
        Loaded {
            file,
            class,
            problem: None,
            in_chart: false,
            rendered_from: None,
            too_large: false,
            plan: Some(plan),
            unread: false,
        }
    }
}

pub fn scan(opts: ScanOptions) -> Result<Scan, ScanError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        // Generous stacks: parsers of hostile input recurse.
        .stack_size(16 * 1024 * 1024)
        .build()
        .context("starting worker threads")
        .map_err(ScanError::Setup)?;
    pool.install(|| scan_in_pool(opts))
}

fn scan_in_pool(mut opts: ScanOptions) -> Result<Scan, ScanError> {
    let mut evaluator = Evaluator::new(
        opts.rules.clone(),
        opts.settings.clone(),
        &opts.policies,
        opts.policy_timeout,
        opts.levels.clone(),
    )
    .map_err(ScanError::Setup)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = scan_root(&opts.paths, &cwd);
    let class_base = crate::environment::class_base(&root, &cwd);
    opts.classifier.class_base = Some(class_base.clone());
    let mut stats = Stats::default();
    let progress = opts.progress.clone().unwrap_or_default();
    evaluator.progress = opts.progress.clone();
    let mut notes = Vec::new();

    let t = Instant::now();
    let roots: Vec<PathBuf> = opts
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let reads_stdin = roots.len() < opts.paths.len();
    let missing: Vec<String> = roots
        .iter()
        .filter(|r| !r.exists())
        .map(|r| format!("{}: no such file or directory", r.display()))
        .collect();
    if !missing.is_empty() && missing.len() == roots.len() && !reads_stdin {
        return Err(ScanError::NothingReadable(missing));
    }
    let (mut candidates, walk_notes) = discover::walk(&roots, &root, opts.threads);
    // Context files (see `ScanOptions::context`) are read, ingested and
    // evaluated like the others; their findings are dropped after suppressions
    // and the baseline. Terraform hook: a changed `.tf` file needs its whole
    // module, and its directory is context, so the module's other `.tf` files
    // reach `terraform_ingest` among `candidates`; `context_files` names them
    // should the ingester need to tell named files from context.
    // With a file list, findings are reported in the named files only.
    let named: Option<std::collections::BTreeSet<String>> =
        (!opts.context.is_empty()).then(|| candidates.iter().map(|c| c.display.clone()).collect());
    let context_files = add_context(&mut candidates, &opts.context, &root, opts.threads);
    notes.extend(walk_notes.into_iter().map(|n| {
        if n.path.is_empty() {
            n.message
        } else {
            format!("{}: {}", n.path, n.message)
        }
    }));
    let candidates: Vec<discover::Candidate> = match &opts.exclude {
        Some(ex) => candidates
            .into_iter()
            .filter(|c| !ex.excludes(&c.path))
            .collect(),
        None => candidates,
    };
    stats.walk = t.elapsed();
    stats.files_found = candidates.len();

    let t = Instant::now();
    let charts = helm::find_charts(&candidates);
    let templates_dirs = helm::rendered_dirs(&candidates);
    // Kustomizations above the scan (up to the repository) may name its
    // files as patches.
    let above = kustomize::above(
        &opts
            .context
            .iter()
            .chain([&root])
            .cloned()
            .collect::<Vec<_>>(),
        &class_base,
        &cwd,
    );
    let kustomizations =
        kustomize::Kustomizations::find(&candidates, &above, &root, &cwd, opts.max_file_size);
    notes.extend(kustomizations.notes.iter().cloned());
    progress.start(
        Progress::READ,
        candidates
            .iter()
            .filter(|c| c.class == FileClass::Yaml)
            .count(),
    );
    // With a Terraform stage ahead (see `staged` below), the Kubernetes texts
    // are read after it.
    let defer_reading = opts.free_model_early
        && !evaluator.needs_whole_model()
        && candidates.iter().any(|c| c.class == FileClass::Terraform);
    let read: Vec<Result<Loaded, String>> = candidates
        .par_iter()
        .with_max_len(crate::parallel::FILES_PER_JOB)
        .filter(|c| c.class == FileClass::Yaml)
        .map(|c| {
            progress.tick();
            let size = std::fs::metadata(&c.path).map_or(0, |m| m.len());
            let mut head = None;
            if is_json(&c.path) {
                match read_plan(c, &opts.classifier) {
                    Ok(Ok(loaded)) => return Ok(loaded),
                    Ok(Err(prefix)) => head = Some(prefix),
                    Err(e) => return Err(e),
                }
            }
            if size > opts.max_file_size {
                let mut file = SourceFile::new(Some(c.path.clone()), c.display.clone(), String::new());
                file.class_path = Some(c.class_path.clone());
                return Ok(Loaded {
                    file,
                    class: c.class,
                    problem: Some((
                        0,
                        format!(
                            "{} is {size} bytes, over the --max-file-size limit of {} bytes: not scanned",
                            c.display, opts.max_file_size
                        ),
                    )),
                    in_chart: false,
                    rendered_from: None,
                    too_large: true,
                    plan: None,
                    unread: false,
                });
            }
            let unread = defer_reading && head.is_none();
            let (text, problem) = if unread {
                (String::new(), None)
            } else {
                let bytes = match head {
                    // The sniffed prefix was the whole file.
                    Some((bytes, true)) => bytes,
                    _ => std::fs::read(&c.path)
                        .map_err(|e| format!("{}: cannot read: {e}", c.display))?,
                };
                decode(bytes)
            };
            let mut file = SourceFile::new(Some(c.path.clone()), c.display.clone(), text);
            file.class_path = Some(c.class_path.clone());
            Ok(Loaded {
                file,
                class: c.class,
                problem,
                in_chart: templates_dirs
                    .iter()
                    .any(|dir| helm::within(&c.display, dir)),
                rendered_from: None,
                too_large: false,
                plan: None,
                unread,
            })
        })
        .collect();
    let mut loaded = Vec::new();
    let mut unreadable = Vec::new();
    for r in read {
        match r {
            Ok(l) => loaded.push(l),
            Err(e) => unreadable.push(e),
        }
    }
    if reads_stdin {
        let mut stdin = std::io::stdin().lock();
        let read = match discover::read_prefix(&mut stdin) {
            Ok((prefix, complete)) if discover::is_plan(&prefix, complete) => {
                let plan = plan::ingest(
                    std::io::Cursor::new(prefix).chain(stdin),
                    0,
                    &opts.stdin_name,
                    &opts.classifier,
                );
                let file = SourceFile::new(None, opts.stdin_name.clone(), String::new());
                loaded.push(Loaded::plan(file, FileClass::Yaml, plan));
                None
            }
            Ok((mut bytes, _)) => Some(stdin.read_to_end(&mut bytes).map(|_| bytes)),
            Err(e) => Some(Err(e)),
        };
        match read {
            None => {}
            Some(Ok(bytes)) => {
                let (text, problem) = decode(bytes);
                loaded.push(Loaded {
                    file: SourceFile::new(None, opts.stdin_name.clone(), text),
                    class: FileClass::Yaml,
                    problem,
                    in_chart: false,
                    rendered_from: None,
                    too_large: false,
                    plan: None,
                    unread: false,
                });
            }
            Some(Err(e)) => unreadable.push(format!("{}: cannot read: {e}", opts.stdin_name)),
        }
    }
    let has_terraform = candidates.iter().any(|c| c.class == FileClass::Terraform);
    if loaded.is_empty() && !unreadable.is_empty() && !has_terraform {
        return Err(ScanError::NothingReadable(unreadable));
    }
    notes.extend(unreadable);
    // A rendered stream on stdin names its chart templates; when the charts
    // are under the scan root but were not walked, find them for mapping.
    let mut known_charts = charts.clone();
    if roots.is_empty()
        && loaded
            .iter()
            .any(|l| l.file.path.is_none() && l.file.text.contains("# Source:"))
    {
        let (found, _) = discover::walk(std::slice::from_ref(&root), &root, opts.threads);
        let extra = helm::find_charts(&found);
        for c in found
            .iter()
            .filter(|c| extra.iter().any(|ch| helm::within(&c.display, &ch.display)))
        {
            if let Ok(bytes) = std::fs::read(&c.path) {
                let (text, _) = decode(bytes);
                loaded.push(Loaded {
                    file: SourceFile::new(Some(c.path.clone()), c.display.clone(), text),
                    class: c.class,
                    problem: None,
                    in_chart: true,
                    rendered_from: None,
                    too_large: false,
                    plan: None,
                    unread: false,
                });
            }
        }
        known_charts.extend(extra);
    }
    let mut chart_failures = Vec::new();
    for rendering in helm::render_charts(&charts, &opts.helm) {
        match rendering.result {
            Ok(text) => {
                let mut file = SourceFile::new(None, rendering.display, text);
                file.class_path = Some(rendering.class_path);
                loaded.push(Loaded {
                    file,
                    class: FileClass::Yaml,
                    problem: None,
                    in_chart: false,
                    rendered_from: Some(rendering.chart),
                    too_large: false,
                    plan: None,
                    unread: false,
                });
            }
            Err(e) => chart_failures.push((rendering.chart, rendering.display, e)),
        }
    }
    loaded.sort_by(|a, b| a.file.display.cmp(&b.file.display));

    // Terraform modules are directories, read and evaluated as a whole; their
    // files join the one file table, sorted by name with the others.
    let tf_opts = terraform::Options {
        classifier: &opts.classifier,
        var_files: &opts.var_files,
        vars: &opts.vars,
        display_base: &root,
        class_base: &class_base,
        max_file_size: opts.max_file_size,
        keep_texts: opts.keep_texts,
    };
    let (mut tf, tf_loaded) = terraform_load(&candidates, &opts, &tf_opts);
    let displays: Vec<&str> = loaded.iter().map(|l| l.file.display.as_str()).collect();
    let (yaml_ids, tf_ids) = terraform::merge_order(&displays, &tf.files);
    tf.remap(&tf_ids);

    // Plans were read while loading; they only get their file ids here.
    let mut plans: Vec<(FileId, plan::Plan)> = Vec::new();
    for (l, &id) in loaded.iter_mut().zip(&yaml_ids) {
        if let Some(p) = l.plan.take() {
            plans.push((id, p));
        }
    }
    // The file table comes first: Terraform's rules can then run, and its
    // resources be freed, before the Kubernetes files are ingested.
    let total = yaml_ids.len() + tf_ids.len();
    let mut rendered_from: Vec<Option<usize>> = vec![None; total];
    let mut slots: Vec<Option<SourceFile>> = (0..total).map(|_| None).collect();
    for (l, &id) in loaded.iter_mut().zip(&yaml_ids) {
        rendered_from[id as usize] = l.rendered_from;
        let empty = SourceFile::new(None, String::new(), String::new());
        slots[id as usize] = Some(std::mem::replace(&mut l.file, empty));
    }
    for (f, &id) in std::mem::take(&mut tf.files).into_iter().zip(&tf_ids) {
        slots[id as usize] = Some(f);
    }
    let mut files: Vec<SourceFile> = slots.into_iter().flatten().collect();

    // Nothing relates Terraform resources to Kubernetes ones (references are
    // Terraform's, selectors Kubernetes'), so the two models are evaluated one
    // after the other and never alive together: that was the peak of a mixed
    // tree. Plans (which stand for configuration) and policies reading the
    // inventory need every resource at once.
    let staged = opts.free_model_early
        && plans.is_empty()
        && !evaluator.needs_whole_model()
        && tf_loaded.as_ref().is_some_and(|l| !l.roots().is_empty());
    let mut staged_out = Staged::default();
    if let (true, Some(tf_loaded)) = (staged, &tf_loaded) {
        progress.start(Progress::EVALUATE, 0);
        staged_out = terraform_stage(
            tf_loaded,
            &tf_opts,
            &tf_ids,
            &evaluator,
            &files,
            &context_files,
            opts.threads,
        );
        tf.notes.append(&mut staged_out.notes);
        tf.internal_errors.append(&mut staged_out.internal_errors);
        if !opts.keep_texts {
            // Fingerprinted and freed on all threads.
            let is_tf = &staged_out.tf_files;
            files
                .par_iter_mut()
                .with_max_len(crate::parallel::FILES_PER_JOB)
                .enumerate()
                .filter(|(id, _)| is_tf.contains(&(*id as FileId)))
                .for_each(|(_, file)| file.release_text());
        }
    } else if let Some(tf_loaded) = &tf_loaded {
        let mut all = tf_loaded.evaluate(tf_loaded.roots(), &tf_opts);
        all.remap(&tf_ids);
        tf.resources = all.resources;
        tf.notes.append(&mut all.notes);
        tf.internal_errors.append(&mut all.internal_errors);
    }
    if let Some(tf_loaded) = tf_loaded {
        tf_loaded.free();
    }
    crate::memory::release_free_pages();
    read_deferred(&mut loaded, &yaml_ids, &mut files, &progress, &mut notes);

    for &id in &yaml_ids {
        if let Some(file) = files.get_mut(id as usize) {
            file.patch = file.path.is_some() && kustomizations.is_patch(&file.display);
        }
    }
    progress.start(Progress::PARSE, loaded.len());
    let outcomes: Vec<(Vec<Resource>, Option<Finding>)> = loaded
        .par_iter()
        .zip(yaml_ids.par_iter())
        .with_max_len(crate::parallel::FILES_PER_JOB)
        .map(|(l, &id)| {
            progress.tick();
            let file = &files[id as usize];
            if l.in_chart || file.streamed {
                (Vec::new(), None)
            } else {
                let builds = file
                    .path
                    .is_some()
                    .then(|| kustomizations.builds_of(&file.display))
                    .flatten();
                ingest(l, file, id, &opts.classifier, builds)
            }
        })
        .collect();
    // Chart templates are quoted while rules run (`evaluate::template_span`).
    let templates: std::collections::HashSet<FileId> = loaded
        .iter()
        .zip(&yaml_ids)
        .filter(|(l, _)| l.in_chart)
        .map(|(_, &id)| id)
        .collect();
    drop(loaded);
    let mut resources = Vec::new();
    let mut found = Vec::new();
    let mut scanned = tf_ids.len();
    for (file, pos, message) in std::mem::take(&mut tf.syntax_errors) {
        found.push(parse_error(file, pos, message));
    }
    for (file, message) in std::mem::take(&mut tf.internal_errors) {
        found.push(scanner_finding(
            &rules::INTERNAL_ERROR,
            file,
            Pos::new(1, 1),
            message,
        ));
    }
    for (file, message) in std::mem::take(&mut tf.too_large) {
        found.push(scanner_finding(
            &rules::FILE_TOO_LARGE,
            file,
            Pos::new(1, 1),
            message,
        ));
    }
    resources.append(&mut tf.resources);
    notes.append(&mut tf.notes);
    for (res, finding) in outcomes {
        if !res.is_empty() || finding.is_some() {
            scanned += 1;
        }
        resources.extend(res);
        found.extend(finding);
    }
    let mut plan_ids = std::collections::BTreeSet::new();
    for (id, p) in plans {
        plan_ids.insert(id);
        scanned += 1;
        match p.error {
            Some(e) => found.push(parse_error(id, e.pos, e.message)),
            None => {
                let mut mine = p.resources;
                for r in &mut mine {
                    r.file = id;
                }
                // Moved, not copied, when it is the only input (a large plan).
                if resources.is_empty() {
                    resources = mine;
                } else {
                    resources.append(&mut mine);
                }
            }
        }
    }
    if !context_files.is_empty() {
        for f in files.iter_mut() {
            f.context = context_files.contains(&f.display);
        }
    }
    // A plan whose configuration is in the scan stands for it.
    let locator = plan::Locator::new(&mut resources, &plan_ids, &files, &|id| {
        files.get(id as usize).is_some_and(|f| f.context)
    });
    // Built only when Helm output or a chart needs it: over every file of a
    // large tree it was a serial stretch of several milliseconds.
    let index = std::cell::OnceCell::new();
    let by_display =
        || index.get_or_init(|| helm::FileIndex::new(files.iter().map(|f| f.display.as_str())));
    for (chart, display, error) in chart_failures {
        let chart = &charts[chart];
        let file = by_display().get(&chart.chart_yaml).unwrap_or(0);
        // The scan root has no name of its own: the chart's name says which.
        let what = if chart.display.is_empty() {
            &chart.name
        } else {
            &chart.display
        };
        found.push(chart_not_rendered(file, what, &display, &error));
    }
    for r in &mut resources {
        let from = rendered_from
            .get(r.file as usize)
            .copied()
            .flatten()
            .and_then(|i| charts.get(i));
        if let Some(origin) = &mut r.helm {
            origin.template =
                helm::resolve_template(&origin.source, from, &known_charts, by_display());
        }
        if let Some(ns) = &opts.default_namespace {
            kubernetes::apply_default_namespace(r, ns);
        }
    }
    stats.parse = t.elapsed().saturating_sub(staged_out.took);
    stats.files_scanned = scanned;
    stats.resources = resources.len() + staged_out.resources;
    if !context_files.is_empty() {
        // Counts are of the named files; context files are not "scanned".
        let is_context = |id: FileId| files.get(id as usize).is_some_and(|f| f.context);
        let counted: std::collections::BTreeSet<FileId> = resources
            .iter()
            .map(|r| r.file)
            .chain(found.iter().map(|f| f.location.file))
            .chain((0..files.len() as FileId).filter(|&id| {
                files[id as usize]
                    .path
                    .as_deref()
                    .and_then(discover::classify)
                    == Some(FileClass::Terraform)
            }))
            .filter(|&id| is_context(id))
            .collect();
        stats.files_scanned = scanned.saturating_sub(counted.len());
        stats.resources =
            resources.iter().filter(|r| !is_context(r.file)).count() + staged_out.outside_context;
    }

    // Read before the rules run, so that the texts can go first.
    let directives = if staged {
        let tf_files = &staged_out.tf_files;
        let mut d = std::mem::take(&mut staged_out.directives);
        d.extend(suppress::collect_in(&files, &resources, |id| {
            !tf_files.contains(&id)
        }));
        // The order of one collection over all files: comments by file, then annotations.
        d.sort_by_key(|d| match d.scope {
            suppress::Scope::Lines(..) => (0, d.file),
            suppress::Scope::Resource(_) => (1, 0),
        });
        d
    } else {
        suppress::collect(&files, resources.iter().chain(&locator.shadowed))
    };
    if !opts.keep_texts {
        // On all threads: each release hashes the text (to know it again
        // when quoted), serially a pass over every byte of the tree.
        files
            .par_iter_mut()
            .with_max_len(crate::parallel::FILES_PER_JOB)
            .enumerate()
            .filter(|(id, _)| !templates.contains(&(*id as FileId)))
            .for_each(|(_, file)| file.release_text());
    }
    crate::memory::release_free_pages();
    let t = Instant::now();
    progress.start(Progress::EVALUATE, resources.len());
    let (rule_findings, mut errors, evaluations) = evaluator.run(&resources, &files);
    // Returned before the findings are merged and sorted, which need as
    // much again as the findings take.
    if opts.free_model_early {
        crate::memory::drop_in_parallel(std::mem::take(&mut resources), opts.threads);
        crate::memory::release_free_pages();
    }
    stats.rule_evaluations = evaluations + staged_out.evaluations;
    // Into one vector of the exact size (the order does not matter: sorted
    // below; doubling would hold half as much again), moved on all threads:
    // one thread took 15 ms to copy them and fault the pages in.
    let parts = [
        std::mem::take(&mut found),
        rule_findings,
        std::mem::take(&mut staged_out.findings),
    ];
    found.reserve_exact(parts.iter().map(Vec::len).sum());
    for more in parts {
        found.par_extend(
            more.into_par_iter()
                .with_min_len(crate::parallel::RESOURCES_PER_JOB),
        );
    }
    errors.append(&mut staged_out.errors);
    errors.sort();
    for e in errors {
        notes.push(format!(
            "{} could not be evaluated on {}: {}",
            e.rule, e.address, e.message
        ));
    }
    relocate_plan_findings(&mut found, &locator, &plan_ids);
    let suppression_notes = suppress::apply(
        &mut found,
        &directives,
        &opts.rules,
        suppress::today(),
        opts.report_unused_ignores,
    );
    found.extend(suppression_notes);
    if let Some((baseline, name)) = &opts.baseline {
        suppress::apply_baseline(&mut found, &files, baseline, name);
    }
    if let Some(named) = &named {
        // Also drops the files of child modules that only a listed module's
        // calls brought in; stdin is always named.
        found.retain(|f| {
            files
                .get(f.location.file as usize)
                .is_none_or(|file| file.path.is_none() || named.contains(&file.display))
        });
    }
    findings::sort(&mut found);
    stats.evaluate = t.elapsed() + staged_out.took;
    notes.sort();
    notes.dedup();

    Ok(Scan {
        root,
        files,
        resources,
        findings: found,
        notes,
        stats,
        rules: opts.rules,
    })
}

/// Read the files left unread while loading (`Loaded::unread`) into their
/// slots of the file table. One that cannot be read keeps an empty text (it
/// has no resources) and gets the note an unreadable file gets while loading.
fn read_deferred(
    loaded: &mut [Loaded],
    ids: &[FileId],
    files: &mut [SourceFile],
    progress: &Progress,
    notes: &mut Vec<String>,
) {
    let unread = loaded.iter().filter(|l| l.unread).count();
    if unread == 0 {
        return;
    }
    progress.start(Progress::READ, unread);
    // Read on all threads: one by one afterwards it was a 25 ms serial
    // stretch on the generated corpus.
    // A file's slot, and the file read (with the problem its text has) or a note.
    type Read = (usize, Result<(SourceFile, Option<(usize, String)>), String>);
    let read: Vec<Read> = loaded
        .par_iter()
        .with_max_len(crate::parallel::FILES_PER_JOB)
        .enumerate()
        .filter(|(_, l)| l.unread)
        .map(|(i, _)| {
            progress.tick();
            let slot = &files[ids[i] as usize];
            let text = match &slot.path {
                Some(path) => std::fs::read(path)
                    .map(decode)
                    .map_err(|e| format!("{}: cannot read: {e}", slot.display)),
                None => Ok((String::new(), None)),
            };
            let read = text.map(|(text, problem)| {
                let mut file = SourceFile::new(slot.path.clone(), slot.display.clone(), text);
                file.class_path = slot.class_path.clone();
                (file, problem)
            });
            (i, read)
        })
        .collect();
    for (i, read) in read {
        loaded[i].unread = false;
        match read {
            Ok((file, problem)) => {
                files[ids[i] as usize] = file;
                loaded[i].problem = problem;
            }
            Err(note) => notes.push(note),
        }
    }
}

fn ingest(
    l: &Loaded,
    file: &SourceFile,
    id: FileId,
    classifier: &Classifier,
    builds: Option<&kustomize::Builds>,
) -> (Vec<Resource>, Option<Finding>) {
    if let Some((offset, message)) = &l.problem {
        if l.too_large {
            let f = scanner_finding(&rules::FILE_TOO_LARGE, id, Pos::new(1, 1), message.clone());
            return (Vec::new(), Some(f));
        }
        let pos = file.pos_of_offset(*offset);
        return (Vec::new(), Some(parse_error(id, pos, message.clone())));
    }
    // A bug on one file must not hide the findings of the others.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ingest_file(l, file, id, classifier, builds)
    })) {
        Ok(result) => result,
        Err(payload) => (
            Vec::new(),
            Some(scanner_finding(
                &rules::INTERNAL_ERROR,
                id,
                Pos::new(1, 1),
                format!(
                    "internal error while reading this file: {}",
                    panic_message(&*payload)
                ),
            )),
        ),
    }
}

fn ingest_file(
    l: &Loaded,
    file: &SourceFile,
    id: FileId,
    classifier: &Classifier,
    builds: Option<&kustomize::Builds>,
) -> (Vec<Resource>, Option<Finding>) {
    crate::fault::point("ingest", &file.display);
    match l.class {
        FileClass::Yaml => match kubernetes::ingest(file, id, classifier, builds) {
            Outcome::Resources(r) => (r, None),
            Outcome::NotKubernetes | Outcome::Template => (Vec::new(), None),
            Outcome::Invalid(e) => (Vec::new(), Some(parse_error(id, e.pos, e.message))),
        },
        FileClass::Terraform => (Vec::new(), None),
    }
}

/// A `.json` file whose first bytes are those of a Terraform plan.
fn is_plan_file(path: &Path) -> bool {
    is_json(path)
        && std::fs::File::open(path)
            .and_then(|mut f| discover::read_prefix(&mut f))
            .is_ok_and(|(prefix, complete)| discover::is_plan(&prefix, complete))
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Read a `.json` candidate as a Terraform plan if its first bytes say it is
/// one (the plan is streamed: `--max-file-size` does not apply, and its text
/// is not kept). Otherwise the prefix read, and whether it is the whole file.
fn read_plan(
    c: &discover::Candidate,
    classifier: &crate::environment::Classifier,
) -> Result<Result<Loaded, (Vec<u8>, bool)>, String> {
    let cannot = |e: std::io::Error| format!("{}: cannot read: {e}", c.display);
    let mut f = std::fs::File::open(&c.path).map_err(cannot)?;
    let (prefix, complete) = discover::read_prefix(&mut f).map_err(cannot)?;
    if !discover::is_plan(&prefix, complete) {
        return Ok(Err((prefix, complete)));
    }
    let src = std::io::Cursor::new(prefix).chain(std::io::BufReader::with_capacity(1 << 16, f));
    let plan = plan::ingest(src, 0, &c.class_path, classifier);
    let mut file = SourceFile::new(Some(c.path.clone()), c.display.clone(), String::new());
    file.class_path = Some(c.class_path.clone());
    Ok(Ok(Loaded::plan(file, c.class, plan)))
}

/// Findings on plan resources whose configuration is in the scan go to the
/// `.tf` files; the plan location stays as a related location.
fn relocate_plan_findings(
    found: &mut [Finding],
    locator: &plan::Locator,
    plans: &std::collections::BTreeSet<FileId>,
) {
    for f in found.iter_mut() {
        if !plans.contains(&f.location.file) {
            continue;
        }
        let Some(address) = &f.resource else {
            continue;
        };
        if let Some((location, origin)) = locator.locate(f.location.file, address, &f.path) {
            f.related.insert(
                0,
                findings::Related {
                    location: f.location,
                    message: "in the plan".to_string(),
                },
            );
            f.location = location;
            f.origin = origin;
        }
    }
}

/// Read the Terraform files among `candidates` (see [`terraform::load`]);
/// `None` when there are none.
fn terraform_load(
    candidates: &[discover::Candidate],
    opts: &ScanOptions,
    tf_opts: &terraform::Options,
) -> (terraform::Output, Option<terraform::Loaded>) {
    let tf = terraform::Candidate::from_walk(candidates);
    if tf.is_empty() && opts.var_files.is_empty() {
        return (terraform::Output::default(), None);
    }
    let (out, loaded) = terraform::load(&tf, tf_opts);
    (out, Some(loaded))
}

/// An IL001 finding: a chart directory that could not be rendered.
fn chart_not_rendered(file: FileId, chart: &str, rendering: &str, error: &str) -> Finding {
    scanner_finding(
        &rules::CHART_NOT_RENDERED,
        file,
        Pos::new(1, 1),
        format!("chart {chart} was not scanned: rendering {rendering} failed: {error}"),
    )
}

/// A file-level finding of one of the scanner's own rules (IL…).
pub fn scanner_finding(rule: &'static Rule, file: FileId, pos: Pos, message: String) -> Finding {
    Finding {
        rule_id: rule.meta.id,
        level: rule.meta.level,
        message,
        location: Location {
            file,
            span: Span::point(pos),
        },
        resource: None,
        path: AttrPath::root(),
        related: Vec::new(),
        template: None,
        suppression: None,
        origin: Vec::new(),
    }
}

/// An IL000 finding at `pos`.
pub fn parse_error(file: FileId, pos: Pos, message: String) -> Finding {
    scanner_finding(
        &rules::PARSE_ERROR,
        file,
        pos,
        format!("cannot parse: {message}"),
    )
}

/// The text of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
