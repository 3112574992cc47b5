//! User Rego policies end to end (`--policy`, `rules --policy`, `policy test`),
//! through the real binary: exact locations of the example policies, both Rego
//! syntaxes, load-time errors with their exit code, the time limit, levels,
//! rule selection and SARIF. Small policies are written at test time.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{data_dir, findings, pretty, run_in, tempdir, write_files, Run};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_policies() -> String {
    repo()
        .join("examples")
        .join("policies")
        .display()
        .to_string()
}

/// Manifests the example policies are asserted against.
fn manifests_dir() -> PathBuf {
    data_dir().join("policies")
}

/// `(rule, file, line, level)` of every finding, sorted.
fn located(report: &Value) -> Vec<(String, String, u64, String)> {
    let mut out: Vec<_> = findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule_id").to_string(),
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_u64().expect("line"),
                f["level"].as_str().expect("level").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn expect(items: &[(&str, &str, u64, &str)]) -> Vec<(String, String, u64, String)> {
    let mut out: Vec<_> = items
        .iter()
        .map(|(r, f, l, v)| (r.to_string(), f.to_string(), *l, v.to_string()))
        .collect();
    out.sort();
    out
}

fn assert_code(run: &Run, code: i32) {
    assert_eq!(
        run.code(),
        code,
        "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// A Deployment (line 1) and a ConfigMap whose header is line 18.
const MANIFEST: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25.3
          securityContext:
            privileged: false
---
# A comment and a document marker before the header.

---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
";

/// A temporary project: `k8s/app.yaml` (MANIFEST) plus `files`.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempdir();
    write_files(dir.path(), &[("k8s/app.yaml", MANIFEST)]);
    write_files(dir.path(), files);
    dir
}

fn scan_json(dir: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["k8s", "--policy", "policies", "--format", "json"];
    args.extend_from_slice(extra);
    let run = run_in(dir, &args, None);
    let report = run.json();
    (run, report)
}

// ---------------------------------------------------------------- examples

#[test]
fn example_policies_report_exact_locations() {
    let run = run_in(
        &manifests_dir(),
        [
            "manifests",
            "--policy",
            &example_policies(),
            "--rule",
            "ACME001",
            "--rule",
            "ACME002",
            "--rule",
            "ACME003",
            "--format",
            "json",
        ],
        None,
    );
    assert_code(&run, 1);
    let report = run.json();
    assert_eq!(
        located(&report),
        expect(&[
            // Service/shop/orphan selects nothing: its `selector:` line.
            ("ACME003", "services.yaml", 19, "warning"),
            // Same labels, other namespace: no workload there.
            ("ACME003", "services.yaml", 30, "warning"),
            // Deployment/shop/no-team: `labels:` exists, `team` does not.
            ("ACME001", "workloads.yaml", 28, "warning"),
            // Its container "app" pulls from Docker Hub: the `image:` line.
            ("ACME002", "workloads.yaml", 44, "error"),
            // CronJob/shop/unlabelled has no labels at all: `metadata:`, twice.
            ("ACME001", "workloads.yaml", 48, "warning"),
            ("ACME001", "workloads.yaml", 48, "warning"),
            // Its init container "fetch": the `image:` line.
            ("ACME002", "workloads.yaml", 60, "error"),
        ]),
        "{}",
        pretty(&report)
    );
    // Services whose workload exists (compliant) or that select nothing by
    // design (ExternalName) have no finding.
    for f in findings(&report) {
        let resource = f["resource"].as_str().unwrap_or_default();
        assert!(
            !["Service/shop/compliant", "Service/shop/external"].contains(&resource),
            "{}",
            pretty(f)
        );
    }
    let fetch = findings(&report)
        .iter()
        .find(|f| f["line"] == 60)
        .expect("ACME002 on the init container");
    assert_eq!(
        fetch["attribute_path"],
        "spec.jobTemplate.spec.template.spec.initContainers[0].image"
    );
    assert_eq!(
        fetch["message"],
        "init container \"fetch\" of CronJob/shop/unlabelled uses docker.io/library/busybox:1.36, outside the trusted registries"
    );
}

#[test]
fn example_policies_pass_their_tests() {
    let run = run_in(&repo(), ["policy", "test", "examples/policies"], None);
    assert_code(&run, 0);
    assert!(
        run.stdout.ends_with(" passed, 0 failed\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
}

// ---------------------------------------------------------------- syntaxes

const V1_POLICY: &str = r#"package infralint.test.v1

metadata := {"id": "TST001", "title": "v1 policy", "severity": "error"}

deny contains {"msg": msg, "path": array.concat(c.path, ["image"])} if {
	some c in input.pod.containers
	startswith(c.spec.image, "nginx:")
	msg := sprintf("%s uses nginx", [input.address])
}
"#;

const V0_POLICY: &str = r#"package infralint.test.v0

metadata := {"id": "TST002", "title": "v0 policy", "severity": "warning"}

deny[msg] {
	input.kind == "Deployment"
	msg := sprintf("%s is checked by a v0 policy", [input.address])
}
"#;

/// OPA 0.x with future keywords: `deny[msg] if` (an object rule in v1).
const V0_KEYWORDS_POLICY: &str = r#"package infralint.test.v0kw

import future.keywords.if
import future.keywords.in

metadata := {"id": "TST003", "title": "v0 policy with keywords"}

deny[msg] if {
	some c in input.pod.containers
	c.name == "web"
	msg := {"msg": sprintf("container %s", [c.name]), "path": c.path}
}
"#;

#[test]
fn v1_and_v0_policies_load_and_report() {
    let dir = project(&[
        ("policies/v1.rego", V1_POLICY),
        ("policies/v0.rego", V0_POLICY),
        ("policies/v0_keywords.rego", V0_KEYWORDS_POLICY),
    ]);
    let (run, report) = scan_json(
        dir.path(),
        &["--rule", "TST001", "--rule", "TST002", "--rule", "TST003"],
    );
    assert_code(&run, 1);
    assert_eq!(
        located(&report),
        expect(&[
            ("TST001", "app.yaml", 11, "error"),
            // A bare string: the resource header.
            ("TST002", "app.yaml", 1, "warning"),
            // The container: its first line.
            ("TST003", "app.yaml", 10, "warning"),
        ]),
        "{}",
        pretty(&report)
    );
    assert!(
        !run.stderr.contains("warning"),
        "no parser noise: {}",
        run.stderr
    );
}

#[test]
fn rego_v0_flag_forces_v0() {
    // v0 files load with --rego-v0 as without.
    let dir = project(&[("policies/v0.rego", V0_POLICY)]);
    let (run, report) = scan_json(dir.path(), &["--rule", "TST002", "--rego-v0"]);
    assert_code(&run, 1);
    assert_eq!(
        located(&report),
        expect(&[("TST002", "app.yaml", 1, "warning")])
    );

    // A v1 file is not detected any more: read as v0, it does not parse.
    let dir = project(&[("policies/v1.rego", V1_POLICY)]);
    let run = run_in(
        dir.path(),
        ["k8s", "--policy", "policies", "--rego-v0"],
        None,
    );
    assert_code(&run, 2);
    assert!(run.stderr.contains("policies/v1.rego:"), "{}", run.stderr);
    let run = run_in(
        dir.path(),
        ["policy", "test", "policies", "--rego-v0"],
        None,
    );
    assert_code(&run, 2);
    // Without the flag, it loads.
    let run = run_in(
        dir.path(),
        ["k8s", "--policy", "policies", "--rule", "TST001"],
        None,
    );
    assert_code(&run, 1);
}

// ---------------------------------------------------------------- load-time errors

#[test]
fn syntax_error_is_a_code_frame() {
    let bad = "package infralint.test.bad\n\nmetadata := {\"id\": \"TST010\", \"title\": \"bad\"}\n\ndeny contains msg if {\n    input.kind == \"Deployment\"\n    msg := sprintf(\"%s is bad\", [input.address]\n}\n";
    let dir = project(&[("policies/bad.rego", bad)]);
    let run = run_in(dir.path(), ["k8s", "--policy", "policies"], None);
    assert_code(&run, 2);
    assert_eq!(run.stdout, "", "nothing is scanned");
    let err = &run.stderr;
    // The frame: message, file:line:col, the source line and a caret.
    assert!(err.contains("error: expecting `)`"), "{err}");
    assert!(err.contains("policies/bad.rego:8:1"), "{err}");
    assert!(err.contains("8 │ }"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert!(
        err.contains("infra-lint: error: 1 problem(s) in policies"),
        "{err}"
    );
    // Only the v1 error: the v0 retry prints no "treated as identifier" warnings.
    assert!(!err.contains("warning"), "{err}");

    // A v0 file is reported with its own error, not v1's "`if` keyword is required".
    let v0 = "package infralint.test.bad\n\nmetadata := {\"id\": \"TST011\", \"title\": \"bad\"}\n\ndeny[msg] {\n\tinput.kind == \"Deployment\"\n\tmsg := sprintf(\"%s is bad\", [input.address]\n}\n";
    let dir_v0 = project(&[("policies/bad.rego", v0)]);
    let run = run_in(dir_v0.path(), ["k8s", "--policy", "policies"], None);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("error: expecting `)`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("policies/bad.rego:8:1"),
        "{}",
        run.stderr
    );

    // `rules --policy` and `policy test` refuse it the same way.
    let run = run_in(dir.path(), ["rules", "--policy", "policies"], None);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("policies/bad.rego:8:1"),
        "{}",
        run.stderr
    );
    let run = run_in(dir.path(), ["policy", "test", "policies"], None);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("policies/bad.rego:8:1"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_builtins_are_detected_at_load() {
    // Neither call is reached on empty input, nor on any resource scanned here
    // (there is no Secret): the check reads the source.
    let policy = r#"package infralint.test.hash

metadata := {"id": "TST020", "title": "hashes"}

fresh(ts) if ts > time.now_ns() - 1000

deny contains msg if {
	input.kind == "Secret"
	fresh(input.attributes.metadata.creationTimestamp)
	msg := crypto.sha256(input.name)
}
"#;
    let dir = project(&[("policies/hash.rego", policy)]);
    let run = run_in(dir.path(), ["k8s", "--policy", "policies"], None);
    assert_code(&run, 2);
    let err = &run.stderr;
    assert!(
        err.contains("builtin crypto.sha256 is not available"),
        "{err}"
    );
    assert!(err.contains("policies/hash.rego:10:9"), "{err}");
    assert!(
        err.contains("builtin time.now_ns is not available"),
        "{err}"
    );
    assert!(err.contains("policies/hash.rego:5:19"), "{err}");
    assert!(
        err.contains("infra-lint: error: 2 problem(s) in policies"),
        "{err}"
    );
}

#[test]
fn builtin_rule_ids_are_reserved() {
    for id in ["K8S001", "k8s005", "IL000"] {
        let policy = format!(
            "package infralint.test.collide\n\nmetadata := {{\"id\": \"{id}\", \"title\": \"mine\"}}\n\ndeny contains \"x\" if false\n"
        );
        let dir = project(&[("policies/collide.rego", &policy)]);
        let run = run_in(dir.path(), ["k8s", "--policy", "policies"], None);
        assert_code(&run, 2);
        assert!(
            run.stderr
                .contains(&format!("rule id {id} collides with a built-in rule")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("policies/collide.rego:1:1"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn duplicate_and_incomplete_metadata_are_errors() {
    let one = "package infralint.test.one\n\nmetadata := {\"id\": \"TST030\", \"title\": \"one\"}\n\ndeny contains \"x\" if false\n";
    let two = "package infralint.test.two\n\nmetadata := {\"id\": \"TST030\", \"title\": \"two\"}\n\ndeny contains \"x\" if false\n";
    let dir = project(&[("policies/one.rego", one), ("policies/two.rego", two)]);
    let run = run_in(dir.path(), ["k8s", "--policy", "policies"], None);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("rule id TST030 is declared twice"),
        "{}",
        run.stderr
    );

    let bad = "package infralint.test.bad\n\nmetadata := {\"id\": \"TST031\", \"title\": \"x\", \"severity\": \"urgent\"}\n";
    let untitled = "package infralint.test.untitled\n\nmetadata := {\"id\": \"TST032\"}\n";
    let dir = project(&[
        ("policies/bad.rego", bad),
        ("policies/untitled.rego", untitled),
    ]);
    let run = run_in(dir.path(), ["k8s", "--policy", "policies"], None);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("metadata.severity \"urgent\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("metadata.title is required"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------- time limit

#[test]
fn looping_policy_is_stopped_by_the_time_limit() {
    // 25 million iterations on every resource, even on the empty input used
    // to check policies at load: far longer than the limit.
    let policy = r#"package infralint.test.loop

metadata := {"id": "TST040", "title": "loops"}

deny contains "never" if {
	some i in numbers.range(1, 5000)
	some j in numbers.range(1, 5000)
	i * j == -1
}
"#;
    let quick = "package infralint.test.quick\n\nmetadata := {\"id\": \"TST041\", \"title\": \"quick\"}\n\ndeny contains \"quick\" if input.kind == \"ConfigMap\"\n";
    let dir = project(&[
        ("policies/loop.rego", policy),
        ("policies/quick.rego", quick),
    ]);
    let started = Instant::now();
    let run = run_in(
        dir.path(),
        [
            "k8s",
            "--policy",
            "policies",
            "--policy-timeout",
            "1",
            "--rule",
            "TST040",
            "--rule",
            "TST041",
            "--format",
            "sarif",
        ],
        None,
    );
    let elapsed = started.elapsed();
    // A hang guard, not a performance assertion.
    assert!(
        elapsed < Duration::from_secs(30),
        "the run took {elapsed:?}"
    );
    // Time-outs are notes: only the other rule's finding counts.
    assert_code(&run, 1);
    for address in ["Deployment/shop/web", "ConfigMap/shop/settings"] {
        let note = format!("infra-lint: note: TST040 could not be evaluated on {address}: execution exceeded time limit");
        assert!(run.stderr.contains(&note), "{}", run.stderr);
    }
    let sarif = run.json();
    let sarif_run = &sarif["runs"][0];
    let notes: Vec<&str> = sarif_run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter_map(|n| n["message"]["text"].as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("TST040 could not be evaluated on Deployment/shop/web")),
        "{notes:?}"
    );
    let results: Vec<&str> = sarif_run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(results, ["TST041"]);
}

// ---------------------------------------------------------------- results

#[test]
fn bare_strings_and_pathless_results_are_reported_at_the_resource_header() {
    let policy = r#"package infralint.test.header

metadata := {"id": "TST050", "title": "header", "resource_types": ["ConfigMap"]}

deny contains "a bare string" if input.kind == "ConfigMap"

deny contains {"msg": "no path"} if input.kind == "ConfigMap"

deny contains {"msg": "empty path", "path": []} if input.kind == "ConfigMap"

deny contains {"msg": "missing key", "path": ["data", "absent", "deeper"]} if input.kind == "ConfigMap"
"#;
    let dir = project(&[("policies/header.rego", policy)]);
    let (run, report) = scan_json(dir.path(), &["--rule", "TST050"]);
    assert_code(&run, 1);
    let mut got: Vec<(String, u64, u64)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("a bare string".to_string(), 18, 1),
            ("empty path".to_string(), 18, 1),
            // The deepest node that exists: `data:`.
            ("missing key".to_string(), 23, 1),
            ("no path".to_string(), 18, 1),
        ],
        "{}",
        pretty(&report)
    );
}

#[test]
fn warn_results_are_at_most_warnings() {
    let policy = |pkg: &str, id: &str, severity: &str| {
        format!(
            r#"package infralint.test.{pkg}

metadata := {{"id": "{id}", "title": "{pkg}", "severity": "{severity}", "resource_types": ["Deployment"]}}

deny contains {{"msg": "denied", "path": ["spec"]}} if true

warn contains {{"msg": "warned", "path": ["metadata", "name"]}} if true
"#
        )
    };
    let critical = policy("critical", "TST060", "critical");
    let low = policy("low", "TST061", "low");
    let warn_only = "package infralint.test.warn_only\n\nmetadata := {\"id\": \"TST062\", \"title\": \"warn only\", \"severity\": \"error\"}\n\nwarn contains \"only a warning\" if input.kind == \"Deployment\"\n";
    let dir = project(&[
        ("policies/critical.rego", critical.as_str()),
        ("policies/low.rego", low.as_str()),
        ("policies/warn_only.rego", warn_only),
    ]);
    let (run, report) = scan_json(
        dir.path(),
        &["--rule", "TST060", "--rule", "TST061", "--rule", "TST062"],
    );
    assert_code(&run, 1);
    assert_eq!(
        located(&report),
        expect(&[
            ("TST060", "app.yaml", 6, "error"),
            ("TST060", "app.yaml", 4, "warning"),
            ("TST061", "app.yaml", 6, "note"),
            ("TST061", "app.yaml", 4, "note"),
            ("TST062", "app.yaml", 1, "warning"),
        ]),
        "{}",
        pretty(&report)
    );
    // An error rule whose results are all `warn` does not fail `--fail-on error`.
    let fail_on = |level: &str| {
        run_in(
            dir.path(),
            [
                "k8s",
                "--policy",
                "policies",
                "--rule",
                "TST062",
                "--fail-on",
                level,
            ],
            None,
        )
    };
    assert_code(&fail_on("error"), 0);
    assert_code(&fail_on("warning"), 1);
}

// ---------------------------------------------------------------- registry

#[test]
fn custom_rules_are_listed() {
    let run = run_in(&repo(), ["rules", "--policy", "examples/policies"], None);
    assert_code(&run, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    for (id, slug, level) in [
        ("ACME001", "required-labels", "warning"),
        ("ACME002", "trusted-registry", "error"),
        ("ACME003", "service-selects-workload", "warning"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} is not listed:\n{}", run.stdout));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&cols[..5], [id, slug, level, "all", "rego"], "{line}");
    }
    // Built-in rules are still there.
    assert!(lines.iter().any(|l| l.starts_with("K8S001")));

    let run = run_in(
        &repo(),
        ["rules", "--policy", "examples/policies", "--format", "json"],
        None,
    );
    assert_code(&run, 0);
    let list = run.json();
    let acme2 = list
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["id"] == "ACME002")
        .expect("ACME002 listed");
    assert_eq!(acme2["slug"], "trusted-registry");
    assert_eq!(acme2["title"], "Images come from the trusted registry");
    assert_eq!(acme2["level"], "error");
    assert_eq!(acme2["security_severity"], "7.5");
    assert_eq!(acme2["env"], "all");
    assert_eq!(acme2["engine"], "rego");
    assert_eq!(acme2["tags"], serde_json::json!(["custom"]));
}

#[test]
fn custom_rules_appear_in_sarif_when_they_fire() {
    let scan = |rules: &[&str]| {
        let mut args = vec![
            "manifests".to_string(),
            "--policy".to_string(),
            example_policies(),
            "--format".to_string(),
            "sarif".to_string(),
        ];
        for r in rules {
            args.extend(["--rule".to_string(), r.to_string()]);
        }
        let run = run_in(&manifests_dir(), &args, None);
        assert_code(&run, 1);
        run.json()
    };
    let sarif = scan(&["ACME002", "ACME003", "K8S010"]);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    let ids: Vec<&str> = driver["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"ACME002") && ids.contains(&"ACME003"),
        "{ids:?}"
    );
    let acme2 = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ACME002")
        .unwrap();
    assert_eq!(acme2["name"], "trusted-registry");
    assert_eq!(
        acme2["shortDescription"]["text"],
        "Images come from the trusted registry"
    );
    assert_eq!(acme2["defaultConfiguration"]["level"], "error");
    assert_eq!(acme2["properties"]["security-severity"], "7.5");
    assert!(acme2["properties"]["tags"]
        .as_array()
        .unwrap()
        .contains(&Value::from("custom")));
    assert!(acme2["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("ghcr.io/acme/"));
    // Every result's rule is described, and ruleIndex points at it.
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(driver["rules"][index]["id"], r["ruleId"], "{}", pretty(r));
    }
    let located: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "ACME003")
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        located.contains(&("services.yaml".to_string(), 19)),
        "{located:?}"
    );

    // A custom rule that does not fire is not described.
    let sarif = scan(&["ACME002"]);
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["ACME002"]);
}

#[test]
fn rule_selection_and_fail_on_apply_to_custom_rules() {
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "manifests".to_string(),
            "--policy".to_string(),
            example_policies(),
            "--format".to_string(),
            "json".to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        run_in(&manifests_dir(), &args, None)
    };
    let ids = |run: &Run| support::rule_ids(&run.json());

    let run = scan(&["--rule", "ACME002"]);
    assert_code(&run, 1);
    assert_eq!(ids(&run), ["ACME002"]);
    // By slug, too.
    let run = scan(&["--rule", "service-selects-workload"]);
    assert_eq!(ids(&run), ["ACME003"]);
    // --skip-rule removes custom rules (by id or slug) and keeps the others.
    let run = scan(&["--skip-rule", "ACME001", "--skip-rule", "trusted-registry"]);
    let all = ids(&run);
    assert!(all.contains(&"ACME003".to_string()), "{all:?}");
    assert!(
        !all.iter().any(|id| id == "ACME001" || id == "ACME002"),
        "{all:?}"
    );
    assert!(all.iter().any(|id| id.starts_with("K8S")), "{all:?}");
    // An id no policy declares is a usage error.
    let run = scan(&["--rule", "ACME999"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("unknown rule ACME999"),
        "{}",
        run.stderr
    );

    // --fail-on: ACME001 and ACME003 only warn, ACME002 errs.
    let warnings = ["--rule", "ACME001", "--rule", "ACME003"];
    assert_code(&scan(&[&warnings[..], &["--fail-on", "error"]].concat()), 0);
    assert_code(
        &scan(&[&warnings[..], &["--fail-on", "warning"]].concat()),
        1,
    );
    assert_code(&scan(&["--rule", "ACME002", "--fail-on", "error"]), 1);
    assert_code(&scan(&["--rule", "ACME002", "--fail-on", "never"]), 0);
}

// ---------------------------------------------------------------- policy test

const TESTED_POLICY: &str = r#"package infralint.test.tested

metadata := {"id": "TST070", "title": "tested"}

deny contains "no replicas" if not input.attributes.spec.replicas
"#;

#[test]
fn policy_test_prints_pass_and_fail_with_locations() {
    let passing = r#"package infralint.test.tested

test_missing_replicas_denied if {
	count(deny) == 1 with input as {"attributes": {"spec": {}}}
}

test_replicas_pass if {
	count(deny) == 0 with input as {"attributes": {"spec": {"replicas": 3}}}
}
"#;
    let dir = tempdir();
    write_files(
        dir.path(),
        &[
            ("policies/tested.rego", TESTED_POLICY),
            ("policies/tested_test.rego", passing),
        ],
    );
    let run = run_in(dir.path(), ["policy", "test", "policies"], None);
    assert_code(&run, 0);
    assert_eq!(
        run.stdout,
        "PASS policies/tested_test.rego:3 data.infralint.test.tested.test_missing_replicas_denied\n\
         PASS policies/tested_test.rego:7 data.infralint.test.tested.test_replicas_pass\n\
         2 passed, 0 failed\n"
    );

    // One false test, one erroring test: exit 1, each on its line.
    let failing = r#"package infralint.test.tested

test_wrong_expectation if {
	count(deny) == 2 with input as {"attributes": {"spec": {}}}
}

test_error if {
	to_number("three") == 3
}
"#;
    write_files(dir.path(), &[("policies/more_test.rego", failing)]);
    let run = run_in(dir.path(), ["policy", "test", "policies"], None);
    assert_code(&run, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "FAIL policies/more_test.rego:3 data.infralint.test.tested.test_wrong_expectation",
            "FAIL policies/more_test.rego:7 data.infralint.test.tested.test_error",
            "     error: policies/more_test.rego:8:13: could not parse string as number",
            "PASS policies/tested_test.rego:3 data.infralint.test.tested.test_missing_replicas_denied",
            "PASS policies/tested_test.rego:7 data.infralint.test.tested.test_replicas_pass",
            "2 passed, 2 failed",
        ],
        "{}",
        run.stdout
    );

    // No test at all fails too.
    let empty = tempdir();
    write_files(empty.path(), &[("policies/tested.rego", TESTED_POLICY)]);
    let run = run_in(empty.path(), ["policy", "test", "policies"], None);
    assert_code(&run, 1);
    assert_eq!(run.stdout, "0 passed, 0 failed\n");
}
