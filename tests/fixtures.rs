//! Per-rule fixtures: `fixtures/<RULE-ID>/**/{fail,pass}-*.yaml`, or `fail-*/`
//! and `pass-*/` folders (a Terraform case is a module folder).
//!
//! Expectations are written inline, as trailing YAML comments. `# expect: ID`
//! marks a line where rule ID must report a finding; `# related: ID` marks a
//! line a finding of rule ID must point at as a related location (the HPA
//! that explains a replica count, …). Several ids are separated by commas:
//!
//! ```yaml
//!       - name: web  # expect: K8S001
//!         resources: {}  # expect: K8S006, K8S007
//! ```
//!
//! Only markers of the folder's own rule count in that folder. The set of
//! (file, line) pairs the rule reports must equal its `expect` markers, and
//! the set of related locations its `related` markers, exactly.
//!
//! Every folder needs at least three `fail-*` files (each with an `expect`
//! marker) and three `pass-*` files (with none), and every file must hold at
//! least one resource of a kind the rule looks at, so a typo in `kind` cannot
//! make a fixture pass vacuously. Sub-folders are allowed: the environment
//! comes from the path (`dev/`, `staging/`, `overlays/prod/`), as in a real
//! repository; files are named by their path inside the rule folder. A case
//! spread over several files (a Deployment and its PodDisruptionBudget) is a
//! folder named `fail-*` / `pass-*`: everything under it is one case.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use infra_lint::environment::Classifier;
use infra_lint::rules::Settings;
use infra_lint::run::select_rules;
use infra_lint::scan::{scan, ScanOptions};

const MIN_FAIL_CASES: usize = 3;
const MIN_PASS_CASES: usize = 3;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `K8S001`, `AWS020`, `GCP004`: an upper-case letter, upper-case letters or
/// digits, then three digits.
fn looks_like_rule_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4
        && b.len() <= 10
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[b.len() - 3..].iter().all(u8::is_ascii_digit)
}

/// Files a scan of the folder would read.
fn is_scanned(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".yaml", ".yml", ".json", ".tf", ".tfvars"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MarkerKind {
    Expect,
    Related,
}

impl MarkerKind {
    fn keyword(self) -> &'static str {
        match self {
            MarkerKind::Expect => "expect:",
            MarkerKind::Related => "related:",
        }
    }
}

/// The `# expect:` / `# related:` markers of a line, with their rule ids.
fn markers(line: &str) -> Result<Vec<(MarkerKind, Vec<String>)>, String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find('#') {
        rest = &rest[i + 1..];
        let after = rest.trim_start();
        for kind in [MarkerKind::Expect, MarkerKind::Related] {
            let Some(list) = after.strip_prefix(kind.keyword()) else {
                continue;
            };
            // The list ends at the next comment marker, if any.
            let list = list.split('#').next().unwrap_or_default();
            let ids: Vec<String> = list
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if ids.is_empty() {
                return Err(format!("empty `# {}` marker", kind.keyword()));
            }
            if let Some(bad) = ids.iter().find(|id| !looks_like_rule_id(id)) {
                return Err(format!(
                    "`{bad}` in `# {}` is not a rule id",
                    kind.keyword()
                ));
            }
            found.push((kind, ids));
        }
    }
    Ok(found)
}

struct FixtureFile {
    /// Path inside the rule folder, `/`-separated (what the scan reports).
    name: String,
    lines: Vec<String>,
    /// Lines (1-based) with an `expect` marker for the folder's rule.
    expected: BTreeSet<u32>,
    /// Lines (1-based) with a `related` marker for the folder's rule.
    related: BTreeSet<u32>,
}

/// The case a file belongs to: the path (inside the rule folder) of the
/// first `fail-*` / `pass-*` component of its path, the file itself or a folder.
fn case_of(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').collect();
    let at = parts
        .iter()
        .position(|p| p.starts_with("fail-") || p.starts_with("pass-"))?;
    Some(parts[..=at].join("/"))
}

fn is_fail_case(case: &str) -> bool {
    case.rsplit('/').next().unwrap_or(case).starts_with("fail-")
}

impl FixtureFile {
    fn case(&self) -> String {
        case_of(&self.name).unwrap_or_else(|| self.name.clone())
    }

    fn line(&self, line: u32) -> &str {
        self.lines
            .get((line as usize).wrapping_sub(1))
            .map_or("", |l| l.trim())
    }
}

fn read_file(
    path: &Path,
    name: String,
    rule: &str,
    errors: &mut Vec<String>,
) -> Option<FixtureFile> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(format!("{name}: cannot read: {e}"));
            return None;
        }
    };
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut expected = BTreeSet::new();
    let mut related = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let number = i as u32 + 1;
        match markers(line) {
            Err(e) => errors.push(format!("{name}:{number}: {e}")),
            Ok(found) => {
                for (kind, ids) in found {
                    if ids.iter().any(|id| id == rule) {
                        match kind {
                            MarkerKind::Expect => expected.insert(number),
                            MarkerKind::Related => related.insert(number),
                        };
                    }
                }
            }
        }
    }
    Some(FixtureFile {
        name,
        lines,
        expected,
        related,
    })
}

/// Every fixture file under `dir`, named relative to `base`.
fn read_folder(
    dir: &Path,
    base: &Path,
    rule: &str,
    errors: &mut Vec<String>,
    out: &mut Vec<FixtureFile>,
) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("cannot read {}: {e}", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if path.is_dir() {
            read_folder(&path, base, rule, errors, out);
            continue;
        }
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !is_scanned(&file_name) {
            continue;
        }
        let lower = file_name.to_ascii_lowercase();
        // Terraform modules are folders: their files sit in fail-*/pass-* folders.
        let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
        if !(yaml || rel.contains('/')) || case_of(&rel).is_none() {
            errors.push(format!(
                "{rel}: fixture files are named fail-*.yaml or pass-*.yaml, or sit in a fail-* or pass-* folder"
            ));
            continue;
        }
        out.extend(read_file(&path, rel, rule, errors));
    }
}

/// Compare reported (file, line) pairs with marked ones, in both directions.
fn compare(
    what: &str,
    rule: &str,
    expected: &BTreeSet<(String, u32)>,
    reported: &BTreeMap<(String, u32), Vec<String>>,
    text_of: &dyn Fn(&str, u32) -> String,
    errors: &mut Vec<String>,
) {
    for (file, line) in expected {
        if !reported.contains_key(&(file.clone(), *line)) {
            errors.push(format!(
                "missing    {file}:{line}: expected {rule} {what} here, got nothing\n             | {}",
                text_of(file, *line)
            ));
        }
    }
    for ((file, line), messages) in reported {
        if !expected.contains(&(file.clone(), *line)) {
            let mut s = format!(
                "unexpected {file}:{line}: {rule} {what} without a marker\n             | {}",
                text_of(file, *line)
            );
            for m in messages {
                let _ = write!(s, "\n             = {m}");
            }
            errors.push(s);
        }
    }
}

/// Check one fixture folder; every problem found is returned, not just the first.
fn check_folder(rule: &str) -> Result<(), String> {
    let dir = fixtures_root().join(rule);
    if !dir.is_dir() {
        return Err(format!("fixtures/{rule}/ does not exist"));
    }
    let mut errors = Vec::new();
    let mut files = Vec::new();
    read_folder(&dir, &dir, rule, &mut errors, &mut files);
    files.sort_by(|a, b| a.name.cmp(&b.name));

    // Cases: a fail-*/pass-* file, or everything under a fail-*/pass-* folder.
    let mut cases: BTreeMap<String, Vec<&FixtureFile>> = BTreeMap::new();
    for f in &files {
        cases.entry(f.case()).or_default().push(f);
    }
    let fails = cases.keys().filter(|c| is_fail_case(c)).count();
    let passes = cases.len() - fails;
    if fails < MIN_FAIL_CASES {
        errors.push(format!(
            "needs at least {MIN_FAIL_CASES} fail-* cases, has {fails}"
        ));
    }
    if passes < MIN_PASS_CASES {
        errors.push(format!(
            "needs at least {MIN_PASS_CASES} pass-* cases, has {passes}"
        ));
    }
    for (case, members) in &cases {
        if is_fail_case(case) {
            if members.iter().all(|f| f.expected.is_empty()) {
                errors.push(format!(
                    "{case}: a fail-* case needs at least one `# expect: {rule}` marker"
                ));
            }
        } else {
            for f in members {
                for line in &f.expected {
                    errors.push(format!(
                        "{}:{line}: a pass-* case must not expect {rule}: {}",
                        f.name,
                        f.line(*line)
                    ));
                }
            }
        }
    }

    let rules = match select_rules(&[rule.to_string()], &[]) {
        Ok(r) => r,
        Err(e) => return Err(format!("fixtures/{rule}: {e}")),
    };
    let opts = ScanOptions {
        paths: vec![dir.clone()],
        threads: 1,
        classifier: Classifier::default(),
        rules: rules.clone(),
        settings: Settings::default(),
        ..ScanOptions::default()
    };
    let result = match scan(opts) {
        Ok(s) => s,
        Err(e) => return Err(format!("fixtures/{rule}: scan failed: {e}")),
    };
    for note in &result.notes {
        // Registry and git modules are not downloaded in fixtures: rules read
        // their calls as `module` resources, which is what such a case tests.
        if note.contains("not resolved: not downloaded") {
            continue;
        }
        errors.push(format!("scan note: {note}"));
    }

    // Every case must hold a resource of a kind the rule looks at. (Whether
    // the rule applies in the file's environment is what a pass file under
    // `dev/` may be testing, so that is not required.)
    let mut case_applies: BTreeMap<String, bool> =
        cases.keys().map(|c| (c.clone(), false)).collect();
    for (id, sf) in result.files.iter().enumerate() {
        let applicable = result
            .resources
            .iter()
            .filter(|r| r.file as usize == id)
            .any(|r| rules.iter().any(|rule| rule.meta.applies.matches(r)));
        if let Some(seen) = case_of(&sf.display).and_then(|c| case_applies.get_mut(&c)) {
            *seen |= applicable;
        }
    }
    for (case, applicable) in &case_applies {
        if !applicable {
            errors.push(format!("{case}: holds no resource that {rule} looks at"));
        }
    }
    for f in &files {
        if !result.files.iter().any(|sf| sf.display == f.name) {
            errors.push(format!("{}: was not scanned", f.name));
        }
    }

    // (file, line) → messages, for findings and for their related locations.
    // Findings of any other rule (IL000 parse errors…) are always unexpected.
    let display = |file: u32| {
        result
            .files
            .get(file as usize)
            .map_or_else(|| "?".to_string(), |f| f.display.clone())
    };
    let mut reported: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    let mut reported_related: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    for finding in &result.findings {
        let file = display(finding.location.file);
        let line = finding.location.span.start.line;
        if finding.rule_id != rule {
            errors.push(format!(
                "{file}:{line}: unexpected {} finding: {}",
                finding.rule_id, finding.message
            ));
            continue;
        }
        reported
            .entry((file.clone(), line))
            .or_default()
            .push(format!("{} ({})", finding.message, finding.path));
        for r in &finding.related {
            reported_related
                .entry((display(r.location.file), r.location.span.start.line))
                .or_default()
                .push(format!(
                    "{} (related to the finding at {file}:{line})",
                    r.message
                ));
        }
    }
    let expected: BTreeSet<(String, u32)> = files
        .iter()
        .flat_map(|f| f.expected.iter().map(|l| (f.name.clone(), *l)))
        .collect();
    let expected_related: BTreeSet<(String, u32)> = files
        .iter()
        .flat_map(|f| f.related.iter().map(|l| (f.name.clone(), *l)))
        .collect();
    let by_name: BTreeMap<&str, &FixtureFile> =
        files.iter().map(|f| (f.name.as_str(), f)).collect();
    let text_of =
        |file: &str, line: u32| by_name.get(file).map_or("", |f| f.line(line)).to_string();

    compare("finding", rule, &expected, &reported, &text_of, &mut errors);
    compare(
        "related location",
        rule,
        &expected_related,
        &reported_related,
        &text_of,
        &mut errors,
    );

    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fixtures/{rule}: {} problem(s)\n  {}",
            errors.len(),
            errors.join("\n  ")
        ))
    }
}

fn run_folder(rule: &str) {
    if let Err(report) = check_folder(rule) {
        panic!("\n{report}\n");
    }
}

macro_rules! fixture_tests {
    ($($test:ident => $rule:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_folder($rule);
            }
        )*

        /// Folders with a test of their own above.
        const LISTED: &[&str] = &[$($rule),*];
    };
}

fixture_tests! {
    k8s001_run_as_non_root => "K8S001",
    k8s002_no_privilege_escalation => "K8S002",
    k8s003_read_only_root_filesystem => "K8S003",
    k8s004_drop_all_capabilities => "K8S004",
    k8s005_privileged_or_host_namespaces => "K8S005",
    k8s006_resource_requests => "K8S006",
    k8s007_resource_limits => "K8S007",
    k8s008_readiness_probe => "K8S008",
    k8s009_liveness_probe => "K8S009",
    k8s010_image_pinned => "K8S010",
    k8s015_namespace_pod_security => "K8S015",
    k8s018_secret_literal_in_env => "K8S018",
    k8s019_secret_in_manifest => "K8S019",
    k8s020_storageclass_encrypted => "K8S020",
    k8s021_rbac_wildcard => "K8S021",
}

/// Folders added later without a test of their own are still checked here.
#[test]
fn unlisted_fixture_folders() {
    let entries = fs::read_dir(fixtures_root()).expect("fixtures/ exists");
    let mut folders: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| looks_like_rule_id(name) && !LISTED.contains(&name.as_str()))
        .collect();
    folders.sort();
    let failures: Vec<String> = folders
        .iter()
        .filter_map(|rule| check_folder(rule).err())
        .collect();
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

/// Every rule the registry lists (`infra-lint rules --format json`), native
/// or Rego, has a fixture folder: a rule without one is untested against the
/// real-world styles above. Scanner diagnostics (IL000…) check no resource.
#[test]
fn every_registry_rule_has_a_fixture_folder() {
    let tmp = support::tempdir();
    let rules = support::run_in(tmp.path(), ["rules", "--format", "json"], None).json();
    let rules = rules
        .as_array()
        .expect("`rules --format json` prints a list");
    let missing: Vec<&str> = rules
        .iter()
        .filter(|r| r["engine"] != "scanner")
        .filter_map(|r| r["id"].as_str())
        .filter(|id| !fixtures_root().join(id).is_dir())
        .collect();
    assert!(
        rules.len() > missing.len(),
        "the registry lists no rule with a fixture folder"
    );
    assert!(
        missing.is_empty(),
        "rules without a fixtures/<ID>/ folder: {}",
        missing.join(", ")
    );
}

#[test]
fn marker_parsing() {
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(markers("- name: web"), Ok(vec![]));
    assert_eq!(markers("image: nginx:1.25.3  # pinned"), Ok(vec![]));
    assert_eq!(
        markers("  - name: web  # expect: K8S001"),
        Ok(vec![(MarkerKind::Expect, ids(&["K8S001"]))])
    );
    assert_eq!(
        markers("resources: {}  #expect: K8S006, K8S007"),
        Ok(vec![(MarkerKind::Expect, ids(&["K8S006", "K8S007"]))])
    );
    assert_eq!(
        markers("minReplicas: 2  # related: K8S011"),
        Ok(vec![(MarkerKind::Related, ids(&["K8S011"]))])
    );
    assert_eq!(
        markers("image: nginx  # pinned later # expect: K8S010 # related: K8S011"),
        Ok(vec![
            (MarkerKind::Expect, ids(&["K8S010"])),
            (MarkerKind::Related, ids(&["K8S011"])),
        ])
    );
    assert!(markers("x: 1 # expect: k8s001").is_err());
    assert!(markers("x: 1 # expect:").is_err());
    assert_eq!(case_of("fail-x.yaml").as_deref(), Some("fail-x.yaml"));
    assert_eq!(
        case_of("dev/pass-x.yaml").as_deref(),
        Some("dev/pass-x.yaml")
    );
    assert_eq!(
        case_of("pass-split/pdb.yaml").as_deref(),
        Some("pass-split")
    );
    assert_eq!(
        case_of("fail-envs/dev/pdb.yaml").as_deref(),
        Some("fail-envs")
    );
    assert_eq!(case_of("overlays/deployment.yaml"), None);
    assert!(is_fail_case("overlays/prod/fail-x.yaml"));
    assert!(!is_fail_case("pass-split"));
    assert!(looks_like_rule_id("K8S021"));
    assert!(looks_like_rule_id("AWS020"));
    assert!(!looks_like_rule_id("common"));
    assert!(!looks_like_rule_id("K8S"));
}
