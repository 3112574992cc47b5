//! From parsed command line to exit code.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::{
    Cli, ColorChoice, Command, ExplainArgs, FailOn, InspectArgs, ListFormat, PolicyArgs,
    PolicyCommand, PolicyTestArgs, RulesArgs, RulesFormat, ScanArgs,
};
use crate::config;
use crate::environment::Classifier;
use crate::ingest::helm::{self, HelmOptions};
use crate::policy::{self, Policies};
use crate::report::{self, Format};
use crate::rules::{self, Level, Rule, Settings};
use crate::scan::{self, Scan, ScanError, ScanOptions};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub fn run(mut cli: Cli) -> i32 {
    // `-o -` is standard output, as `-` is standard input.
    if cli.scan.output.as_deref() == Some(Path::new("-")) {
        cli.scan.output = None;
    }
    match cli.command {
        Some(Command::Rules(args)) => list_rules(&args),
        Some(Command::Inspect(args)) => inspect(&args),
        Some(Command::Policy(PolicyCommand::Test(args))) => policy_test(&args),
        Some(Command::Baseline(args)) => record_baseline(&args),
        Some(Command::Explain(args)) => explain(&args),
        None => run_scan(&cli.scan),
    }
}

fn usage_error(message: &str) -> i32 {
    eprintln!("infra-lint: error: {message}");
    EXIT_USAGE
}

/// Resolve `--rule` / `--skip-rule` against the built-in registry.
pub fn select_rules(only: &[String], skip: &[String]) -> Result<Vec<&'static Rule>, String> {
    select_from(rules::builtin(), only, skip)
}

/// Resolve `--rule` / `--skip-rule` (id or slug) against `all`.
pub fn select_from(
    all: Vec<&'static Rule>,
    only: &[String],
    skip: &[String],
) -> Result<Vec<&'static Rule>, String> {
    let lookup = |id: &String| {
        all.iter()
            .copied()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id) || r.meta.slug == id)
            .ok_or_else(|| format!("unknown rule {id} (see `infra-lint rules`)"))
    };
    let only: Vec<&Rule> = only.iter().map(lookup).collect::<Result<_, _>>()?;
    let skip: Vec<&Rule> = skip.iter().map(lookup).collect::<Result<_, _>>()?;
    // The scanner's own diagnostics (IL000 a file that does not parse, …)
    // stay with `--rule`: a file the scan could not read must not pass a
    // gate that only asked for some rules. `--skip-rule` still drops them.
    let chosen = |r: &Rule| {
        only.is_empty()
            || only.iter().any(|o| std::ptr::eq(*o, r))
            || matches!(r.check, rules::Check::Builtin)
    };
    Ok(all
        .iter()
        .copied()
        .filter(|r| chosen(r))
        .filter(|r| !skip.iter().any(|s| std::ptr::eq(*s, *r)))
        .collect())
}

fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Load `--policy` directories; errors are printed as code frames.
fn load_policies(args: &PolicyArgs) -> Result<Policies, i32> {
    policy::load(&args.dirs, args.rego_v0).map_err(|errors| {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        eprint!("{}", report::human::policy_errors(&errors, color));
        eprintln!("infra-lint: error: {} problem(s) in policies", errors.len());
        EXIT_USAGE
    })
}

/// Built-in rules plus the user's.
fn all_rules(policies: &Policies) -> Vec<&'static Rule> {
    let mut all = rules::builtin();
    all.extend(policies.rules.iter().copied());
    all
}

/// A scan prepared from the command line and the configuration file.
struct Prepared {
    opts: ScanOptions,
    fail_on: FailOn,
}

fn config_error(e: &config::ConfigError) -> i32 {
    usage_error(&format!("configuration {e}"))
}

/// Command line + `.infra-lint.yaml` → scan options. Flags win over the file.
fn prepare(args: &ScanArgs) -> Result<Prepared, i32> {
    let start = args
        .paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config_path = match &args.config {
        Some(p) if !p.is_file() => {
            return Err(usage_error(&format!(
                "configuration file {} not found",
                p.display()
            )))
        }
        Some(p) => Some(p.clone()),
        None => config::find(&start),
    };
    let loaded = match &config_path {
        Some(p) => config::load(p).map_err(|e| config_error(&e))?,
        None => config::Loaded::default(),
    };
    let cfg = &loaded.config;
    let mut policy_args = args.policies.clone();
    policy_args
        .dirs
        .extend(cfg.policies.iter().map(|p| loaded.dir.join(p)));
    let policies = load_policies(&policy_args)?;
    let all = all_rules(&policies);
    config::validate(&loaded, &all).map_err(|e| config_error(&e))?;
    // Rules the configuration turns off, unless named with --rule.
    let disabled: Vec<String> = cfg
        .disable
        .iter()
        .cloned()
        .chain(
            cfg.rules
                .iter()
                .filter(|(_, o)| o.enabled == Some(false))
                .map(|(id, _)| id.clone()),
        )
        .filter(|id| !args.rules.iter().any(|r| r.eq_ignore_ascii_case(id)))
        .collect();
    let mut skip = args.skip_rules.clone();
    skip.extend(disabled);
    let selected = select_from(all.clone(), &args.rules, &skip).map_err(|e| usage_error(&e))?;
    if args.threads == Some(0) {
        return Err(usage_error("--threads must be at least 1"));
    }
    let canonical = |id: &str| {
        all.iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id) || r.meta.slug == id)
            .map_or_else(|| id.to_string(), |r| r.meta.id.to_string())
    };
    let mut settings = Settings::default();
    let mut levels = BTreeMap::new();
    for (id, options) in &cfg.rules {
        let id = canonical(id);
        if let Some(level) = options.level {
            levels.insert(id.clone(), level);
        }
        if !options.settings.is_empty() {
            settings.overrides.insert(id, options.settings.clone());
        }
    }
    let mut globs = Vec::new();
    for (env, patterns) in cfg.environments.all() {
        globs.extend(config::matchers(patterns).into_iter().map(|g| (g, env)));
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                usage_error(&format!("cannot read baseline {}: {e}", path.display()))
            })?;
            let b: crate::suppress::Baseline = serde_json::from_str(&text).map_err(|e| {
                usage_error(&format!(
                    "baseline {} is not a baseline file: {e}",
                    path.display()
                ))
            })?;
            Some((b, path.display().to_string()))
        }
        None => None,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let opts = ScanOptions {
        free_model_early: true,
        // The human report reads again the files it quotes.
        keep_texts: false,
        paths: args.paths.clone(),
        stdin_name: args.stdin_name.clone(),
        threads,
        classifier: Classifier {
            forced: args.env,
            globs,
            base: Some(loaded.dir.clone()).filter(|d| !d.as_os_str().is_empty()),
            // Set by the scan, which knows its root.
            class_base: None,
        },
        rules: selected,
        settings,
        helm: HelmOptions {
            binary: args.helm.clone().or_else(helm::find_on_path),
            values: args.helm_values.clone(),
            set: args.helm_set.clone(),
            namespace: args.namespace.clone(),
            timeout: Duration::from_secs(args.helm_timeout.max(1)),
            dependency_build: args.helm_dependency_build,
        },
        default_namespace: args.namespace.clone(),
        policies,
        policy_timeout: Some(Duration::from_secs(args.policy_timeout.max(1))),
        max_file_size: args.max_file_size,
        levels,
        exclude: (!cfg.exclude.is_empty()).then(|| scan::Exclude {
            base: loaded.dir.clone(),
            globs: config::matchers(&cfg.exclude),
        }),
        report_unused_ignores: args.report_unused_ignores,
        baseline,
        context: if args.no_context {
            Vec::new()
        } else {
            scan::context_dirs(&args.paths)
        },
        progress: None,
        var_files: args.var_files.clone(),
        vars: args.vars.clone(),
    };
    Ok(Prepared {
        opts,
        fail_on: args.fail_on.or(cfg.fail_on).unwrap_or(FailOn::Warning),
    })
}

/// `infra-lint baseline`: record the current findings.
fn record_baseline(args: &ScanArgs) -> i32 {
    let Some(output) = &args.output else {
        return usage_error("baseline needs -o FILE (e.g. -o .infra-lint-baseline.json)");
    };
    let prepared = match prepare(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let scan = match scan_with_progress(prepared.opts, args) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let baseline = crate::suppress::baseline_of(&scan.findings, &scan.files);
    let text = serde_json::to_string_pretty(&baseline).unwrap_or_default() + "\n";
    if let Err(e) = std::fs::write(output, text) {
        return usage_error(&format!("cannot write {}: {e}", output.display()));
    }
    if !args.quiet {
        eprintln!(
            "infra-lint: recorded {} finding(s) in {}",
            baseline.findings.len(),
            output.display()
        );
    }
    EXIT_OK
}

/// Scan, with a progress bar on stderr when it is a terminal outside CI and
/// the scan takes more than about a second.
fn scan_with_progress(mut opts: ScanOptions, args: &ScanArgs) -> Result<Scan, ScanError> {
    let bar = (!args.no_progress && !args.quiet && crate::progress::wanted_here()).then(|| {
        let counters = std::sync::Arc::new(scan::Progress::default());
        opts.progress = Some(std::sync::Arc::clone(&counters));
        crate::progress::Bar::start(counters)
    });
    let result = scan::scan(opts);
    if let Some(bar) = bar {
        bar.finish();
    }
    result
}

fn run_scan(args: &ScanArgs) -> i32 {
    let started = Instant::now();
    let Prepared { opts, fail_on } = match prepare(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let threads = opts.threads;
    let mut scan = match scan_with_progress(opts, args) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    // Rules left out by --rule/--skip-rule report nothing (the scanner's own
    // IL rules stay with --rule, see `select_from`).
    let selected: std::collections::HashSet<&str> = scan.rules.iter().map(|r| r.meta.id).collect();
    scan.findings.retain(|f| selected.contains(f.rule_id));
    // Reports built whole need the model's memory back first (a large
    // Terraform plan's resources are most of the scan's memory). The JSON
    // report streams, so its model is left for the process exit below.
    if args.format != Format::Json {
        crate::memory::drop_in_parallel(std::mem::take(&mut scan.resources), threads);
        crate::memory::release_free_pages();
    }
    let report_started = Instant::now();
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| write_report(&scan, args, started, threads, f))
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => write_report(&scan, args, started, threads, std::io::stdout().lock())
            .map_err(|e| format!("cannot write to stdout: {e}")),
    };
    if let Err(e) = written {
        return usage_error(&e);
    }
    if args.stats {
        let st = &scan.stats;
        eprintln!(
            "infra-lint: stats: walk {:.3}s, parse {:.3}s, evaluate {:.3}s, report {:.3}s, total {:.3}s; {} files found, {} scanned, {} resources, {} rule evaluations, {} findings; peak memory {}",
            st.walk.as_secs_f64(),
            st.parse.as_secs_f64(),
            st.evaluate.as_secs_f64(),
            report_started.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64(),
            st.files_found,
            st.files_scanned,
            st.resources,
            st.rule_evaluations,
            scan.findings.len(),
            crate::memory::peak_kb().map_or_else(|| "unknown".to_string(), |kb| format!("{:.1} MB", kb as f64 / 1024.0)),
        );
    }
    if args.format != Format::Human && !args.quiet {
        for n in &scan.notes {
            eprintln!("infra-lint: note: {n}");
        }
    }
    let threshold = match fail_on {
        FailOn::Error => Some(Level::Error),
        FailOn::Warning => Some(Level::Warning),
        FailOn::Note => Some(Level::Note),
        FailOn::Never => None,
    };
    let code = match threshold {
        Some(t)
            if scan
                .findings
                .iter()
                .any(|f| f.level >= t && f.suppression.is_none()) =>
        {
            EXIT_FINDINGS
        }
        _ => EXIT_OK,
    };
    // The process exits next: freeing the model (JSON), every finding and
    // every file one by one would be the last serial stretch of the scan
    // (a tenth of a 2-thread scan).
    std::mem::forget(scan);
    code
}

fn list_rules(args: &RulesArgs) -> i32 {
    let policies = match load_policies(&args.policies) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let all = all_rules(&policies);
    let out = match args.format {
        RulesFormat::Markdown => report::explain::document(&all),
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    let m = &r.meta;
                    serde_json::json!({
                        "id": m.id,
                        "slug": m.slug,
                        "title": m.title,
                        "level": m.level,
                        "security_severity": m.security_severity,
                        "env": m.scope,
                        "guide": m.guide,
                        "tags": m.tags,
                        "engine": r.engine(),
                        "settings": m.settings,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
        }
        RulesFormat::Human => {
            let mut s = format!(
                "{:<7} {:<32} {:<8} {:<5} {:<7} TITLE\n",
                "ID", "SLUG", "LEVEL", "ENV", "ENGINE"
            );
            for r in &all {
                let m = &r.meta;
                s.push_str(&format!(
                    "{:<7} {:<32} {:<8} {:<5} {:<7} {}\n",
                    m.id,
                    m.slug,
                    m.level.as_str(),
                    m.scope.as_str(),
                    r.engine(),
                    m.title
                ));
            }
            s
        }
    };
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_USAGE,
    }
}

/// `infra-lint explain RULE`: one rule of the registry (or a user policy).
fn explain(args: &ExplainArgs) -> i32 {
    let policies = match load_policies(&args.policies) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let all = all_rules(&policies);
    let wanted = args.rule.trim();
    let Some(rule) = all
        .iter()
        .copied()
        .find(|r| r.meta.id.eq_ignore_ascii_case(wanted) || r.meta.slug == wanted)
    else {
        return usage_error(&format!(
            "unknown rule {wanted:?}: not a rule id or slug (see `infra-lint rules`)"
        ));
    };
    let text = match args.format {
        RulesFormat::Human => report::explain::text(rule),
        RulesFormat::Markdown => report::explain::markdown(rule),
        RulesFormat::Json => {
            serde_json::to_string_pretty(&report::explain::json(rule)).unwrap_or_default() + "\n"
        }
    };
    write_stdout(&text)
}

fn write_stdout(text: &str) -> i32 {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_USAGE,
    }
}

/// `infra-lint inspect`: every resource as a policy receives it.
fn inspect(args: &InspectArgs) -> i32 {
    let opts = ScanOptions {
        paths: args.paths.clone(),
        stdin_name: args.stdin_name.clone(),
        threads: std::thread::available_parallelism().map_or(1, usize::from),
        classifier: Classifier {
            forced: args.env,
            ..Classifier::default()
        },
        rules: Vec::new(),
        default_namespace: args.namespace.clone(),
        ..ScanOptions::default()
    };
    let scan = match scan::scan(opts) {
        Ok(s) => s,
        Err(e) => return usage_error(&e.to_string()),
    };
    let relations =
        crate::model::relations::Relations::build_with_files(&scan.resources, &scan.files);
    let inputs: Vec<(String, serde_json::Value)> = scan
        .resources
        .iter()
        .map(|r| {
            let file = &scan.files[r.file as usize];
            let input = crate::rego::input(r, file, &scan.resources, &relations);
            let header = format!("# {}:{} {}", file.display, r.header().start.line, r.address);
            (
                header,
                serde_json::to_value(&input).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect();
    let text = match args.format {
        ListFormat::Json => {
            let all: Vec<&serde_json::Value> = inputs.iter().map(|(_, v)| v).collect();
            serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"
        }
        ListFormat::Human => inputs
            .iter()
            .map(|(h, v)| {
                format!(
                    "{h}\n{}\n",
                    serde_json::to_string_pretty(v).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    };
    for f in scan.findings.iter().filter(|f| f.rule_id == "IL000") {
        let file = &scan.files[f.location.file as usize];
        eprintln!(
            "infra-lint: {}:{}: {}",
            file.display, f.location.span.start.line, f.message
        );
    }
    write_stdout(&text)
}

/// `infra-lint policy test`: run `test_*` rules, print pass/fail with file:line.
fn policy_test(args: &PolicyTestArgs) -> i32 {
    let results = match policy::run_tests(&args.dirs, args.rego_v0) {
        Ok(r) => r,
        Err(errors) => {
            eprint!("{}", report::human::policy_errors(&errors, false));
            return EXIT_USAGE;
        }
    };
    let mut out = String::new();
    let failed = results.iter().filter(|r| !r.passed).count();
    for r in &results {
        let status = if r.passed { "PASS" } else { "FAIL" };
        out.push_str(&format!("{status} {}:{} {}\n", r.file, r.line, r.name));
        if let Some(e) = &r.error {
            out.push_str(&format!("     error: {}\n", e.trim()));
        }
    }
    out.push_str(&format!(
        "{} passed, {failed} failed\n",
        results.len() - failed
    ));
    let code = write_stdout(&out);
    if failed > 0 || results.is_empty() {
        EXIT_FINDINGS
    } else {
        code
    }
}

/// Render the report in `args.format` to `sink`.
fn write_report(
    scan: &Scan,
    args: &ScanArgs,
    started: Instant,
    threads: usize,
    sink: impl Write,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, sink);
    match args.format {
        Format::Sarif => {
            if scan.findings.len() > report::sarif::MAX_RESULTS {
                eprintln!(
                    "infra-lint: warning: {} findings exceed GitHub's limit of {} SARIF results: the least severe were left out",
                    scan.findings.len(),
                    report::sarif::MAX_RESULTS
                );
            }
            report::sarif::write(scan, args.sarif_category.as_deref(), &mut out, threads)?;
        }
        Format::Json => report::json::write(scan, &mut out, threads)?,
        Format::Human => {
            let color =
                args.output.is_none() && use_color(args.color, std::io::stdout().is_terminal());
            report::human::write(scan, color, args.quiet, started.elapsed(), &mut out)?;
        }
    }
    out.flush()
}
