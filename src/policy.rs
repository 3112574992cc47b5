//! User Rego policies: loading (v1 or v0 per file), the `infralint.*`
//! convention, load-time validation, and the `policy test` runner.
//!
//! Convention: a package under `infralint.` declares
//! `metadata := {"id", "title", "severity", "env", "resource_types", "help"}`
//! and `deny` (and `warn`) sets of `{"msg": …, "path": [...]}` or strings.
//! The user documentation is `docs/policy-input.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{Engine, Value as RValue};

use crate::rules::{self, Applies, Check, Level, Rule, RuleMeta, Scope};

/// A `.rego` file as loaded.
#[derive(Clone, Debug)]
pub struct PolicyFile {
    /// As reports name it.
    pub display: String,
    pub source: String,
    /// Rego v0 syntax (detected, or forced with `--rego-v0`).
    pub v0: bool,
}

/// A problem with a policy, located in its file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Policies loaded from the user's directories.
#[derive(Clone, Default)]
pub struct Policies {
    pub files: Vec<PolicyFile>,
    pub rules: Vec<&'static Rule>,
}

impl Policies {
    /// Whether any policy reads the cross-resource inventory.
    pub fn uses_inventory(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.source.contains("infralint.inventory"))
    }
}

/// Every `.rego` file under `dirs` (recursively), sorted.
pub fn rego_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, PolicyError> {
    let mut out = Vec::new();
    for dir in dirs {
        if dir.is_file() {
            out.push(dir.clone());
            continue;
        }
        if !dir.is_dir() {
            return Err(PolicyError {
                file: dir.display().to_string(),
                line: 1,
                col: 1,
                message: "no such policy directory".to_string(),
            });
        }
        for entry in ignore::WalkBuilder::new(dir)
            .hidden(false)
            .build()
            .flatten()
        {
            let p = entry.path();
            if p.is_file() && p.extension().is_some_and(|e| e == "rego") {
                out.push(p.to_path_buf());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `--> file:line:col` in a regorus error, with the message that follows
/// (`file` when the error names none).
fn located(file: &str, err: &str) -> PolicyError {
    let mut line = 1;
    let mut col = 1;
    let mut file = file;
    if let Some(pos) = err.find("-->") {
        let rest = err[pos + 3..].trim_start();
        let loc = rest.split_whitespace().next().unwrap_or("");
        let mut parts = loc.rsplitn(3, ':');
        col = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
        line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(1);
        // The error may be in another file of the package.
        file = parts.next().filter(|f| !f.is_empty()).unwrap_or(file);
        // regorus counts a tab as 4 columns; reports count code points. The
        // source line follows the marker: `-->`, ` |`, `N | text`.
        let prefix = format!("{line:<width$}| ", width = line.to_string().len() + 1);
        if let Some(text) = err[pos..]
            .lines()
            .nth(2)
            .and_then(|l| l.strip_prefix(&prefix))
        {
            col = code_point_col(text, col);
        }
    }
    let message = err
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| err.trim().to_string());
    PolicyError {
        file: file.to_string(),
        line,
        col,
        message,
    }
}

/// The 1-based code-point column of regorus' column `col` in `text` (where a
/// tab is 4 columns and other characters their UTF-8 length).
fn code_point_col(text: &str, col: u32) -> u32 {
    let mut at = 1u32;
    for (i, ch) in text.chars().enumerate() {
        if at >= col {
            return i as u32 + 1;
        }
        at += if ch == '\t' { 4 } else { ch.len_utf8() as u32 };
    }
    text.chars().count() as u32 + 1 + col.saturating_sub(at)
}

/// Parse one file, trying Rego v1 then v0 (unless `force_v0`).
fn parse_file(display: &str, source: &str, force_v0: bool) -> Result<bool, PolicyError> {
    let attempt = |v0: bool| {
        let mut e = Engine::new();
        e.set_rego_v0(v0);
        e.add_policy(display.to_string(), source.to_string())
            .map(|_| ())
            .map_err(|err| err.to_string())
    };
    if force_v0 {
        return attempt(true)
            .map(|_| true)
            .map_err(|e| located(display, &e));
    }
    match attempt(false) {
        Ok(()) => Ok(false),
        // A file using v1 keywords it does not import is not v0: the v0
        // parser would only print "will be treated as identifier" warnings
        // on stderr before failing.
        Err(v1) if uses_unimported_keywords(source) => Err(located(display, &v1)),
        Err(v1) => match attempt(true) {
            Ok(()) => Ok(true),
            // A v0 rule body (`deny[msg] { … }`): the v0 error is the real one.
            Err(v0) if v1.contains("`if` keyword is required") => Err(located(display, &v0)),
            // Report the v1 error: it is the syntax we document.
            Err(_) => Err(located(display, &v1)),
        },
    }
}

/// `source` without comments and string literals (crudely: quotes, escapes
/// and raw strings), as words.
fn code_words(source: &str) -> Vec<(String, char)> {
    let mut words = Vec::new();
    for line in source.lines() {
        let mut code = String::new();
        let mut chars = line.chars();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    code.push(' ');
                }
                (Some(_), _) => {}
                (None, '"' | '`') => quote = Some(c),
                (None, '#') => break,
                (None, c) => code.push(c),
            }
        }
        let chars: Vec<char> = code.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.' {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                let next = chars[i..]
                    .iter()
                    .copied()
                    .find(|c| !c.is_whitespace())
                    .unwrap_or('\n');
                words.push((chars[start..i].iter().collect(), next));
            } else {
                i += 1;
            }
        }
    }
    words
}

/// Whether `source` uses `if`, `contains`, `in` or `every` as keywords
/// without importing them (`import rego.v1`, `import future.keywords…`).
fn uses_unimported_keywords(source: &str) -> bool {
    let words = code_words(source);
    let imported = |kw: &str| {
        words.windows(2).any(|w| {
            w[0].0 == "import"
                && (w[1].0 == "rego.v1"
                    || w[1].0 == "future.keywords"
                    || w[1].0 == format!("future.keywords.{kw}"))
        })
    };
    ["if", "contains", "in", "every"].into_iter().any(|kw| {
        !imported(kw)
            && words
                .iter()
                // `contains(s, x)` is also a builtin function.
                .any(|(w, next)| w == kw && !(kw == "contains" && *next == '('))
    })
}

/// An engine with every file added with its own syntax.
pub fn engine_with(files: &[PolicyFile]) -> Result<Engine, PolicyError> {
    let mut engine = Engine::new();
    for f in files {
        engine.set_rego_v0(f.v0);
        engine
            .add_policy(f.display.clone(), f.source.clone())
            .map_err(|e| located(&f.display, &e.to_string()))?;
    }
    engine.set_rego_v0(false);
    Ok(engine)
}

/// Read and parse the policy files of `dirs`.
pub fn read(dirs: &[PathBuf], force_v0: bool) -> Result<Vec<PolicyFile>, Vec<PolicyError>> {
    let paths = rego_files(dirs).map_err(|e| vec![e])?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let display = display_path(&path);
        let source = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                errors.push(PolicyError {
                    file: display,
                    line: 1,
                    col: 1,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        match parse_file(&display, &source, force_v0) {
            Ok(v0) => files.push(PolicyFile {
                display,
                source,
                v0,
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    crate::discover::relative(&cwd.join(path), &cwd).unwrap_or_else(|| path.display().to_string())
}

/// How long the load-time evaluation of an entry point on empty input may take.
const LOAD_TIME_LIMIT: Duration = Duration::from_secs(1);

/// How long one `test_*` rule may take.
const TEST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Work units (statements, loop iterations) between reads of the clock
/// during a policy evaluation. Reading it on every unit was about 1% of
/// a large scan's CPU time; a unit takes well under a microsecond, so the
/// limit is still noticed within a fraction of a millisecond of passing.
const TIME_CHECK_INTERVAL: NonZeroU32 = NonZeroU32::new(128).expect("non-zero");

/// Stop any evaluation of `engine` that takes longer than `limit`.
pub fn limit_time(engine: &mut Engine, limit: Duration) {
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit,
        check_interval: TIME_CHECK_INTERVAL,
    });
}

/// Whether an evaluation error is the time limit stopping it.
pub fn is_time_limit(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<regorus::LimitError>().is_some())
        || e.to_string().contains("exceeded time limit")
}

/// Load user policies: parse, validate builtins, and register their rules.
pub fn load(dirs: &[PathBuf], force_v0: bool) -> Result<Policies, Vec<PolicyError>> {
    if dirs.is_empty() {
        return Ok(Policies::default());
    }
    let files = read(dirs, force_v0)?;
    let mut errors = missing_builtins(&files);
    let mut engine = engine_with(&files).map_err(|e| vec![e])?;
    // A looping policy must not hang the load: it is stopped and reported
    // per resource by the scan (`--policy-timeout`).
    limit_time(&mut engine, LOAD_TIME_LIMIT);
    let mut packages = engine.get_packages().unwrap_or_default();
    packages.sort();
    packages.dedup();
    let mut rules: Vec<&'static Rule> = Vec::new();
    let mut seen = BTreeSet::new();
    engine.set_input(RValue::new_object());
    for package in packages {
        let Some(pkg) = package.strip_prefix("data.") else {
            continue;
        };
        if !pkg.starts_with("infralint.") {
            continue;
        }
        let file = files
            .iter()
            .find(|f| declares_package(&f.source, pkg) && f.source.contains("metadata"))
            .map_or_else(String::new, |f| f.display.clone());
        let metadata = match engine.eval_rule(format!("data.{pkg}.metadata")) {
            Ok(RValue::Undefined) | Err(_) => continue,
            Ok(v) => v,
        };
        match rule_from_metadata(pkg, &file, &metadata) {
            Ok(rule) => {
                if !seen.insert(rule.meta.id) {
                    errors.push(meta_error(
                        &file,
                        format!("rule id {} is declared twice", rule.meta.id),
                    ));
                    continue;
                }
                // Every entry point is evaluated once now, never first mid-scan.
                let sources: Vec<&str> = files.iter().map(|f| f.source.as_str()).collect();
                for entry in ["deny", "warn"]
                    .into_iter()
                    .filter(|e| declares_rule(&sources, pkg, e))
                {
                    match engine.eval_rule(format!("data.{pkg}.{entry}")) {
                        Err(e) if !is_time_limit(&e) => errors.push(located(&file, &e.to_string())),
                        _ => {}
                    }
                }
                rules.push(rule);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        rules.sort_by_key(|r| r.meta.id);
        Ok(Policies { files, rules })
    } else {
        errors.sort();
        errors.dedup();
        Err(errors)
    }
}

/// Whether a file of package `pkg` among `sources` defines rule `name`.
pub fn declares_rule(sources: &[&str], pkg: &str, name: &str) -> bool {
    sources.iter().any(|src| {
        declares_package(src, pkg)
            && src.lines().any(|l| {
                l.strip_prefix(name).is_some_and(|rest| {
                    rest.starts_with([' ', '[', '{', ':', '=']) || rest.is_empty()
                })
            })
    })
}

fn declares_package(source: &str, pkg: &str) -> bool {
    source
        .lines()
        .any(|l| l.trim_start().strip_prefix("package ").map(str::trim) == Some(pkg))
}

fn meta_error(file: &str, message: String) -> PolicyError {
    PolicyError {
        file: file.to_string(),
        line: 1,
        col: 1,
        message,
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn get_str(meta: &RValue, key: &str) -> Option<String> {
    meta.as_object()
        .ok()?
        .get(&RValue::from(key))?
        .as_string()
        .ok()
        .map(|s| s.to_string())
}

/// A rule of the registry from a package's `metadata`.
fn rule_from_metadata(pkg: &str, file: &str, meta: &RValue) -> Result<&'static Rule, PolicyError> {
    let err = |m: String| meta_error(file, format!("{pkg}: {m}"));
    let id = get_str(meta, "id").ok_or_else(|| err("metadata.id is required".into()))?;
    if rules::builtin()
        .iter()
        .any(|r| r.meta.id.eq_ignore_ascii_case(&id))
    {
        return Err(err(format!(
            "rule id {id} collides with a built-in rule; choose another id"
        )));
    }
    let title = get_str(meta, "title").ok_or_else(|| err("metadata.title is required".into()))?;
    let severity = get_str(meta, "severity").unwrap_or_else(|| "warning".to_string());
    let (level, security) = match severity.to_ascii_lowercase().as_str() {
        "critical" => (Level::Error, "9.0"),
        "error" | "high" => (Level::Error, "7.5"),
        "warning" | "medium" => (Level::Warning, "5.0"),
        "note" | "low" | "info" => (Level::Note, "3.0"),
        other => return Err(err(format!("metadata.severity {other:?} is not one of error, warning, note, critical, high, medium, low"))),
    };
    let scope = match get_str(meta, "env").as_deref().unwrap_or("all") {
        "all" => Scope::All,
        "prod" | "production" => Scope::Prod,
        other => return Err(err(format!("metadata.env {other:?} is not all or prod"))),
    };
    let types: Vec<&'static str> = meta
        .as_object()
        .ok()
        .and_then(|o| o.get(&RValue::from("resource_types")))
        .and_then(|v| v.as_array().ok())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_string().ok().map(|s| leak(s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let help = get_str(meta, "help").unwrap_or_else(|| title.clone());
    let applies = if types.is_empty() {
        Applies::Any
    } else {
        Applies::Types(Box::leak(types.into_boxed_slice()))
    };
    let rule = Rule {
        meta: RuleMeta {
            id: leak(id),
            slug: leak(
                get_str(meta, "slug")
                    .unwrap_or_else(|| pkg.rsplit('.').next().unwrap_or(pkg).replace('_', "-")),
            ),
            title: leak(title.clone()),
            level,
            security_severity: security,
            scope,
            guide: leak(get_str(meta, "guide").unwrap_or_else(|| "custom policy".to_string())),
            tags: &["custom"],
            rationale: leak(get_str(meta, "description").unwrap_or(title)),
            help: leak(help),
            settings: &[],
            applies,
        },
        check: Check::Rego {
            package: leak(pkg.to_string()),
            file: leak(file.to_string()),
            source: "",
        },
    };
    Ok(Box::leak(Box::new(rule)))
}

/// Names called like functions in `source` (`a.b(`), minus Rego keywords.
fn called_names(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in source.lines() {
        let code = line.split('#').next().unwrap_or("");
        let bytes = code.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
                {
                    i += 1;
                }
                // Skip names inside strings crudely: a quote count before start that is odd.
                let quotes = code[..start].matches('"').count();
                if i < bytes.len() && bytes[i] == b'(' && quotes % 2 == 0 {
                    out.insert(code[start..i].to_string());
                }
            } else {
                i += 1;
            }
        }
    }
    out
}

/// Function names the policies define themselves (`name(args) := …`, `name(x) if …`).
fn defined_functions(files: &[PolicyFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        for line in f.source.lines() {
            let t = line.trim_start();
            if let Some(paren) = t.find('(') {
                let name = &t[..paren];
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && line.starts_with(name)
                {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

/// Builtins the policies call that this engine lacks, found before any scan.
fn missing_builtins(files: &[PolicyFile]) -> Vec<PolicyError> {
    let defined = defined_functions(files);
    let mut probed: BTreeMap<String, bool> = BTreeMap::new();
    let mut errors = Vec::new();
    for f in files {
        for name in called_names(&f.source) {
            let last = name.rsplit('.').next().unwrap_or(&name);
            if defined.contains(last) || name.starts_with("data.") || is_keyword(&name) {
                continue;
            }
            let missing = *probed.entry(name.clone()).or_insert_with(|| {
                let mut probe = Engine::new();
                probe
                    .add_policy(
                        "probe.rego".to_string(),
                        format!("package probe\np := {name}(1)\n"),
                    )
                    .is_ok()
                    && probe
                        .eval_rule("data.probe.p".to_string())
                        .err()
                        .is_some_and(|e| e.to_string().contains("could not find function"))
            });
            if missing {
                let (line, col) = f
                    .source
                    .lines()
                    .enumerate()
                    .find_map(|(i, l)| {
                        l.find(&format!("{name}("))
                            .map(|c| (i as u32 + 1, l[..c].chars().count() as u32 + 1))
                    })
                    .unwrap_or((1, 1));
                errors.push(PolicyError {
                    file: f.display.clone(),
                    line,
                    col,
                    message: format!("builtin {name} is not available in infra-lint's Rego engine"),
                });
            }
        }
    }
    errors
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "if" | "not"
            | "some"
            | "every"
            | "with"
            | "else"
            | "in"
            | "contains"
            | "default"
            | "import"
            | "package"
            | "as"
    )
}

/// One `test_*` rule's outcome.
pub struct TestResult {
    pub file: String,
    pub line: u32,
    pub name: String,
    pub passed: bool,
    pub error: Option<String>,
}

/// Run every `test_*` rule of the policies in `dirs`, like `opa test`.
pub fn run_tests(dirs: &[PathBuf], force_v0: bool) -> Result<Vec<TestResult>, Vec<PolicyError>> {
    let files = read(dirs, force_v0)?;
    let mut engine = engine_with(&files).map_err(|e| vec![e])?;
    limit_time(&mut engine, TEST_TIME_LIMIT);
    engine.set_input(RValue::new_object());
    let mut results = Vec::new();
    for f in &files {
        let Some(pkg) = f.source.lines().find_map(|l| {
            l.trim_start()
                .strip_prefix("package ")
                .map(|p| p.trim().to_string())
        }) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for (i, line) in f.source.lines().enumerate() {
            let Some(name) = test_rule_name(line) else {
                continue;
            };
            if !seen.insert(name.clone()) {
                continue;
            }
            let (passed, error) = match engine.eval_rule(format!("data.{pkg}.{name}")) {
                Ok(RValue::Bool(true)) => (true, None),
                Ok(_) => (false, None),
                // One line: `file:line:col: message` when regorus locates it.
                Err(e) => {
                    let text = e.to_string();
                    let error = if text.contains("-->") {
                        located(&f.display, &text).to_string()
                    } else {
                        text
                    };
                    (false, Some(error))
                }
            };
            results.push(TestResult {
                file: f.display.clone(),
                line: i as u32 + 1,
                name: format!("data.{pkg}.{name}"),
                passed,
                error,
            });
        }
    }
    Ok(results)
}

fn test_rule_name(line: &str) -> Option<String> {
    if !line.starts_with("test_") {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    Some(line[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_locations() {
        let e = located(
            "p.rego",
            "\n--> p.rego:3:7\n  |\n3 | x := \n  |       ^\nerror: expecting expression",
        );
        assert_eq!(
            (e.line, e.col, e.message.as_str()),
            (3, 7, "expecting expression")
        );
    }

    #[test]
    fn tab_columns() {
        let err = "\n--> p.rego:12:16\n   |\n12 | \tto_number(\"three\") == 3\n   |                ^\nerror: could not parse string as number";
        let e = located("q.rego", err);
        assert_eq!((e.file.as_str(), e.line, e.col), ("p.rego", 12, 13));
        assert_eq!(code_point_col("\t\tx", 9), 3);
        assert_eq!(code_point_col("é = 1", 4), 3);
        assert_eq!(code_point_col("ab", 5), 5);
    }

    #[test]
    fn keywords() {
        assert!(uses_unimported_keywords("deny contains x if { x := 1 }"));
        assert!(!uses_unimported_keywords(
            "import rego.v1\ndeny contains x if { x := 1 }"
        ));
        assert!(!uses_unimported_keywords(
            "import future.keywords.if\nallow if { true }"
        ));
        assert!(!uses_unimported_keywords(
            "deny[msg] { contains(input.a, \"if\"); msg := \"in\" } # every"
        ));
    }

    #[test]
    fn calls() {
        let names =
            called_names("deny contains x if { x := sprintf(\"%v(\", [crypto.sha256(input.a)]) }");
        assert!(names.contains("sprintf"));
        assert!(names.contains("crypto.sha256"));
    }
}
