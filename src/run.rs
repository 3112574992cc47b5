//! From parsed command line to exit code.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::cli::{Cli, ColorChoice, Command, FailOn, ListFormat, RulesArgs, ScanArgs};
use crate::environment::Classifier;
use crate::ingest::helm::{self, HelmOptions};
use crate::report::{self, Format};
use crate::rules::{self, Level, Rule, Settings};
use crate::scan::{self, ScanError, ScanOptions};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Rules(args)) => list_rules(&args),
        None => run_scan(&cli.scan),
    }
}

fn usage_error(message: &str) -> i32 {
    eprintln!("infra-lint: error: {message}");
    EXIT_USAGE
}

/// Resolve `--rule` / `--skip-rule` against the registry.
pub fn select_rules(only: &[String], skip: &[String]) -> Result<Vec<&'static Rule>, String> {
    let lookup = |id: &String| {
        rules::find(id).ok_or_else(|| format!("unknown rule {id} (see `infra-lint rules`)"))
    };
    let only: Vec<&Rule> = only.iter().map(lookup).collect::<Result<_, _>>()?;
    let skip: Vec<&Rule> = skip.iter().map(lookup).collect::<Result<_, _>>()?;
    Ok(rules::builtin()
        .into_iter()
        .filter(|r| only.is_empty() || only.iter().any(|o| std::ptr::eq(*o, *r)))
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

fn run_scan(args: &ScanArgs) -> i32 {
    let started = Instant::now();
    let selected = match select_rules(&args.rules, &args.skip_rules) {
        Ok(r) => r,
        Err(e) => return usage_error(&e),
    };
    if args.threads == Some(0) {
        return usage_error("--threads must be at least 1");
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let opts = ScanOptions {
        paths: args.paths.clone(),
        stdin_name: args.stdin_name.clone(),
        threads,
        classifier: Classifier {
            forced: args.env,
            globs: Vec::new(),
        },
        rules: selected,
        settings: Settings::default(),
        helm: HelmOptions {
            binary: args.helm.clone().or_else(helm::find_on_path),
            values: args.helm_values.clone(),
            set: args.helm_set.clone(),
            namespace: args.namespace.clone(),
            timeout: Duration::from_secs(args.helm_timeout.max(1)),
            dependency_build: args.helm_dependency_build,
        },
        default_namespace: args.namespace.clone(),
    };
    let mut scan = match scan::scan(opts) {
        Ok(s) => s,
        Err(e @ ScanError::NothingReadable(_)) => return usage_error(&e.to_string()),
        Err(e) => return usage_error(&e.to_string()),
    };
    // IL000 and other scanner rules obey --rule/--skip-rule like the others.
    scan.findings
        .retain(|f| scan.rules.iter().any(|r| r.meta.id == f.rule_id));
    let to_file = args.output.is_some();
    let text = match args.format {
        Format::Sarif => report::sarif::render(&scan),
        Format::Json => report::json::render(&scan),
        Format::Human => {
            let color = !to_file && use_color(args.color, std::io::stdout().is_terminal());
            report::human::render(&scan, color, args.quiet, started.elapsed())
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write to stdout: {e}")),
    };
    if let Err(e) = written {
        return usage_error(&e);
    }
    if args.format != Format::Human && !args.quiet {
        for n in &scan.notes {
            eprintln!("infra-lint: note: {n}");
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Level::Error),
        FailOn::Warning => Some(Level::Warning),
        FailOn::Note => Some(Level::Note),
        FailOn::Never => None,
    };
    match threshold {
        Some(t) if scan.findings.iter().any(|f| f.level >= t) => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}

fn list_rules(args: &RulesArgs) -> i32 {
    let all = rules::builtin();
    let out = match args.format {
        ListFormat::Json => {
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
        ListFormat::Human => {
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
