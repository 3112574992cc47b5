//! Suppressions in YAML: every placement of an `infra-lint:ignore` comment,
//! the `infra-lint.io/ignore` annotation, expiry (IL003), unused directives
//! (IL004), and how reports show suppressed findings.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{findings, pretty, run_in, tempdir, write_files, Run};

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{text}")) as u64
        + 1
}

/// The `n`-th (0-based) line containing `needle`.
fn nth_line_of(text: &str, needle: &str, n: usize) -> u64 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} #{n} not in:\n{text}"))
        .0 as u64
        + 1
}

fn run(cwd: &Path, args: &[&str]) -> Run {
    run_in(cwd, args, None)
}

/// `infra-lint FILE --format json --rule …` in a directory holding only FILE.
fn scan_text(text: &str, args: &[&str]) -> (i32, Value) {
    let tmp = tempdir();
    write_files(tmp.path(), &[("app.yaml", text)]);
    let mut all = vec!["app.yaml", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(tmp.path(), &all);
    assert!(
        matches!(r.code(), 0 | 1),
        "scan failed ({}):\n{}",
        r.code(),
        r.stderr
    );
    (r.code(), r.json())
}

/// (rule, line, suppressed?) of every finding.
fn states(report: &Value) -> Vec<(String, u64, bool)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule_id").to_string(),
                f["line"].as_u64().expect("line"),
                !f["suppression"].is_null(),
            )
        })
        .collect()
}

fn finding_at<'a>(report: &'a Value, rule: &str, line: u64) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| f["rule_id"] == rule && f["line"] == line)
        .unwrap_or_else(|| panic!("no {rule} at line {line}:\n{}", pretty(report)))
}

fn suppressed(report: &Value, rule: &str, line: u64) -> bool {
    !finding_at(report, rule, line)["suppression"].is_null()
}

// ------------------------------------------------------------- placements

#[test]
fn trailing_comment_suppresses_its_own_line_only() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: a
    image: nginx:latest  # infra-lint:ignore K8S010 pinned by the release job
  - name: b
    image: redis:latest
";
    let (code, report) = scan_text(text, &["--rule", "K8S010"]);
    let a = nth_line_of(text, "image:", 0);
    let b = nth_line_of(text, "image:", 1);
    assert_eq!(
        states(&report),
        vec![
            ("K8S010".to_string(), a, true),
            ("K8S010".to_string(), b, false)
        ]
    );
    assert_eq!(
        finding_at(&report, "K8S010", a)["suppression"],
        serde_json::json!({"kind": "inSource", "justification": "pinned by the release job"})
    );
    assert_eq!(code, 1, "the unsuppressed finding still fails");
}

#[test]
fn comment_on_the_line_above_suppresses_the_next_line() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: a
    # infra-lint:ignore K8S010
    image: nginx:latest
  - name: b
    image: redis:latest
";
    let (_, report) = scan_text(text, &["--rule", "K8S010"]);
    let a = nth_line_of(text, "image:", 0);
    let b = nth_line_of(text, "image:", 1);
    assert!(suppressed(&report, "K8S010", a));
    assert!(!suppressed(&report, "K8S010", b));
    // Without a reason the justification names the directive.
    assert_eq!(
        finding_at(&report, "K8S010", a)["suppression"]["justification"],
        "infra-lint:ignore K8S010"
    );
}

#[test]
fn comment_above_a_block_header_covers_the_block_and_nothing_outside() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: a
    image: nginx:latest
    # infra-lint:ignore K8S001,K8S010 legacy image runs as root
    securityContext:
      runAsUser: 0
  - name: b
    image: nginx:1.25.3
    securityContext:
      runAsUser: 0
";
    let (code, report) = scan_text(text, &["--rule", "K8S001", "--rule", "K8S010"]);
    let inside = nth_line_of(text, "runAsUser: 0", 0);
    let other_container = nth_line_of(text, "runAsUser: 0", 1);
    let before_block = line_of(text, "nginx:latest");
    assert!(
        suppressed(&report, "K8S001", inside),
        "inside the block: {}",
        pretty(&report)
    );
    assert!(
        !suppressed(&report, "K8S001", other_container),
        "another container's securityContext is outside the block"
    );
    assert!(
        !suppressed(&report, "K8S010", before_block),
        "the image line is above the block: not covered"
    );
    assert_eq!(code, 1);
}

#[test]
fn comment_above_api_version_covers_the_document_and_not_the_next() {
    let text = "\
# infra-lint:ignore K8S001,K8S010 sandbox pod, deleted after the demo
apiVersion: v1
kind: Pod
metadata:
  name: one
spec:
  containers:
  - name: app
    image: nginx:latest
    securityContext:
      runAsUser: 0
---
apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers:
  - name: app
    image: nginx:latest
    securityContext:
      runAsUser: 0
";
    let (_, report) = scan_text(text, &["--rule", "K8S001", "--rule", "K8S010"]);
    let first = |needle| nth_line_of(text, needle, 0);
    let second = |needle| nth_line_of(text, needle, 1);
    assert!(suppressed(&report, "K8S010", first("image:")));
    assert!(suppressed(&report, "K8S001", first("runAsUser")));
    assert!(!suppressed(&report, "K8S010", second("image:")));
    assert!(!suppressed(&report, "K8S001", second("runAsUser")));
    assert_eq!(findings(&report).len(), 4, "{}", pretty(&report));
}

#[test]
fn annotation_suppresses_the_object_with_its_reason() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vendor
  annotations:
    infra-lint.io/ignore: \"K8S001, K8S010\"
    infra-lint.io/ignore-reason: vendor chart, tracked in OPS-1
spec:
  selector:
    matchLabels: {app: vendor}
  template:
    metadata:
      labels: {app: vendor}
    spec:
      containers:
      - name: app
        image: vendor/app:latest
        securityContext:
          runAsUser: 0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: templated
spec:
  selector:
    matchLabels: {app: t}
  template:
    metadata:
      labels: {app: t}
      annotations:
        infra-lint.io/ignore: K8S010
    spec:
      containers:
      - name: app
        image: vendor/app:latest
        securityContext:
          runAsUser: 0
---
apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  containers:
  - name: app
    image: vendor/app:latest
";
    let (_, report) = scan_text(text, &["--rule", "K8S001", "--rule", "K8S010"]);
    let by_resource = |address: &str, rule: &str| -> &Value {
        findings(&report)
            .iter()
            .find(|f| f["resource"] == address && f["rule_id"] == rule)
            .unwrap_or_else(|| panic!("no {rule} on {address}:\n{}", pretty(&report)))
    };
    for rule in ["K8S001", "K8S010"] {
        assert_eq!(
            by_resource("Deployment/default/vendor", rule)["suppression"],
            serde_json::json!({"kind": "inSource", "justification": "vendor chart, tracked in OPS-1"}),
            "{rule}"
        );
    }
    // On the pod template: the workload's findings of the named rule only.
    assert!(!by_resource("Deployment/default/templated", "K8S010")["suppression"].is_null());
    assert!(by_resource("Deployment/default/templated", "K8S001")["suppression"].is_null());
    // Other objects of the file are not covered.
    assert!(by_resource("Pod/default/plain", "K8S010")["suppression"].is_null());
}

// ------------------------------------------------------------------ expiry

const EXPIRING: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    # infra-lint:ignore K8S010 until=DATE waiting for the vendor's tagged release
    image: nginx:latest
";

#[test]
fn expired_suppression_reports_again_with_an_il003_note() {
    let text = EXPIRING.replace("DATE", "2020-01-31");
    let (code, report) = scan_text(&text, &["--rule", "K8S010", "--rule", "IL003"]);
    let comment = line_of(&text, "infra-lint:ignore");
    let image = line_of(&text, "image:");
    assert!(!suppressed(&report, "K8S010", image), "expired: reported");
    let note = finding_at(&report, "IL003", comment);
    assert_eq!(note["level"], "note");
    assert_eq!(note["column"], 5, "at the comment's `#`");
    let message = note["message"].as_str().expect("message");
    assert!(
        message.contains("K8S010") && message.contains("2020-01-31"),
        "{message}"
    );
    assert_eq!(code, 1, "the finding fails the scan again");
}

#[test]
fn suppression_until_a_future_date_applies() {
    let text = EXPIRING.replace("DATE", "2999-12-31");
    let (code, report) = scan_text(&text, &["--rule", "K8S010", "--rule", "IL003"]);
    assert_eq!(
        states(&report),
        vec![("K8S010".to_string(), line_of(&text, "image:"), true)]
    );
    assert_eq!(code, 0);
}

// ------------------------------------------------------------------ unused

const STALE: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    # infra-lint:ignore K8S010 this image used to be latest
    image: nginx:1.25.3
    securityContext:
      runAsUser: 0  # infra-lint:ignore K8S001 still needed
";

#[test]
fn unused_suppressions_are_reported_only_when_asked() {
    let args = ["--rule", "K8S010", "--rule", "K8S001", "--rule", "IL004"];
    let (_, quiet) = scan_text(STALE, &args);
    assert!(
        !states(&quiet).iter().any(|(r, _, _)| r == "IL004"),
        "{}",
        pretty(&quiet)
    );

    let mut asked = args.to_vec();
    asked.push("--report-unused-ignores");
    let (code, report) = scan_text(STALE, &asked);
    let stale = line_of(STALE, "used to be latest");
    let il004: Vec<u64> = findings(&report)
        .iter()
        .filter(|f| f["rule_id"] == "IL004")
        .map(|f| f["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(
        il004,
        vec![stale],
        "only the stale directive: {}",
        pretty(&report)
    );
    let note = finding_at(&report, "IL004", stale);
    assert_eq!(note["level"], "note");
    assert!(suppressed(&report, "K8S001", line_of(STALE, "runAsUser")));
    assert_eq!(code, 0, "a note does not fail under the default --fail-on");
}

#[test]
fn directives_for_rules_that_did_not_run_are_not_unused() {
    // K8S010 is skipped: its directive cannot have matched, it is not stale.
    let (_, report) = scan_text(STALE, &["--skip-rule", "K8S010", "--report-unused-ignores"]);
    assert!(
        !findings(&report).iter().any(|f| f["rule_id"] == "IL004"),
        "{}",
        pretty(&report)
    );
}

// ----------------------------------------------------------------- reports

const MIXED: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx:latest  # infra-lint:ignore K8S010 pinned by the release job
    securityContext:
      # infra-lint:ignore K8S001 the vendor image needs root (VEND-7)
      runAsUser: 0
";

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(support::data_dir().join("sarif-schema-2.1.0.json"))
        .expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn suppressed_findings_do_not_fail_and_every_format_shows_them() {
    let tmp = tempdir();
    write_files(tmp.path(), &[("app.yaml", MIXED)]);
    let rules = ["--rule", "K8S001", "--rule", "K8S010"];
    let image = line_of(MIXED, "image:");
    let root = line_of(MIXED, "runAsUser");

    // Human: counted, not printed; exit 0.
    let mut args = vec!["app.yaml", "--color", "never"];
    args.extend(rules);
    let human = run(tmp.path(), &args);
    assert_eq!(human.code(), 0, "{}{}", human.stdout, human.stderr);
    assert!(
        human
            .stdout
            .contains("0 errors, 0 warnings, 0 notes, 2 suppressed."),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("K8S001"), "{}", human.stdout);
    assert!(!human.stdout.contains("K8S010"), "{}", human.stdout);

    // JSON: listed with `suppression`, not counted.
    let mut args = vec!["app.yaml", "--format", "json"];
    args.extend(rules);
    let json = run(tmp.path(), &args);
    assert_eq!(json.code(), 0);
    let report = json.json();
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(report["summary"]["suppressed"], 2);
    assert_eq!(
        finding_at(&report, "K8S001", root)["suppression"],
        serde_json::json!({"kind": "inSource", "justification": "the vendor image needs root (VEND-7)"})
    );

    // SARIF: results with `suppressions`, valid against the schema.
    let mut args = vec!["app.yaml", "--format", "sarif"];
    args.extend(rules);
    let sarif = run(tmp.path(), &args);
    assert_eq!(sarif.code(), 0);
    let log = sarif.json();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    for r in results {
        let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .expect("startLine");
        let justification = if line == image {
            "pinned by the release job"
        } else {
            assert_eq!(line, root);
            "the vendor image needs root (VEND-7)"
        };
        assert_eq!(
            r["suppressions"],
            serde_json::json!([{"kind": "inSource", "justification": justification}]),
            "{}",
            pretty(r)
        );
    }

    // Even --fail-on note passes: nothing unsuppressed is left.
    let mut args = vec!["app.yaml", "--fail-on", "note"];
    args.extend(rules);
    assert_eq!(run(tmp.path(), &args).code(), 0);
}
