//! Command-line contract: exit codes, stdin, rule selection, output files,
//! the rule list, and the JSON and human report shapes.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use support::{
    baseline, copy_dir, data_dir, findings, pretty, rule_file_line, rule_ids, run_in, run_with_env,
    tempdir, write_files, Run,
};

/// A temporary directory holding `tests/data/cli/*` and `tests/data/sarif/*`
/// (as `cli/` and `sample/`).
fn workspace() -> tempfile::TempDir {
    let tmp = tempdir();
    copy_dir(&data_dir().join("cli"), &tmp.path().join("cli"));
    copy_dir(&data_dir().join("sarif"), &tmp.path().join("sample"));
    tmp
}

fn scan(cwd: &Path, args: &[&str]) -> Run {
    run_in(cwd, args, None)
}

fn json_scan(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let run = scan(cwd, &all);
    (run.code(), run.json())
}

// ---------------------------------------------------------------- exit codes

#[test]
fn clean_manifest_exits_0() {
    let tmp = workspace();
    let (code, report) = json_scan(tmp.path(), &["cli/clean.yaml"]);
    assert_eq!(code, 0, "{}", pretty(&report));
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(
        report["summary"]["resources"], 4,
        "Deployment, PodDisruptionBudget, NetworkPolicy, ResourceQuota"
    );
    let human = scan(tmp.path(), &["cli/clean.yaml"]);
    assert_eq!(human.code(), 0);
}

/// `-o -` is standard output (as `-` is standard input), not a file named `-`.
#[test]
fn dash_output_is_standard_output() {
    let tmp = workspace();
    let (_, to_stdout) = json_scan(tmp.path(), &["cli/warnings.yaml"]);
    let (_, dash) = json_scan(tmp.path(), &["cli/warnings.yaml", "-o", "-"]);
    assert!(!tmp.path().join("-").exists(), "no file named -");
    assert_eq!(rule_file_line(&dash), rule_file_line(&to_stdout));
    assert!(!findings(&dash).is_empty());
}

#[test]
fn warning_fails_under_the_default_fail_on() {
    let tmp = workspace();
    let (_, report) = json_scan(tmp.path(), &baseline(&["cli/warnings.yaml"]));
    assert_eq!(
        rule_file_line(&report),
        [
            ("K8S008".into(), "cli/warnings.yaml".into(), 13),
            ("K8S009".into(), "cli/warnings.yaml".into(), 13),
            ("K8S010".into(), "cli/warnings.yaml".into(), 14),
        ]
    );
    // With every rule: still nothing above a warning.
    let (code, all) = json_scan(tmp.path(), &["cli/warnings.yaml"]);
    assert!(
        findings(&all)
            .iter()
            .all(|f| f["level"] == "warning" || f["level"] == "note"),
        "{}",
        pretty(&all)
    );
    assert_eq!(all["summary"]["errors"], 0);
    assert_eq!(code, 1);
    assert_eq!(
        scan(tmp.path(), &["cli/warnings.yaml", "--fail-on", "warning"]).code(),
        1
    );
    assert_eq!(
        scan(tmp.path(), &["cli/warnings.yaml", "--fail-on", "note"]).code(),
        1
    );
}

#[test]
fn fail_on_error_ignores_warnings_but_not_errors() {
    let tmp = workspace();
    assert_eq!(
        scan(tmp.path(), &["cli/warnings.yaml", "--fail-on", "error"]).code(),
        0
    );
    let (code, report) = json_scan(tmp.path(), &["cli/errors.yaml", "--fail-on", "error"]);
    // A Secret alone: exactly one finding, whatever rules exist.
    assert_eq!(
        rule_file_line(&report),
        [("K8S019".into(), "cli/errors.yaml".into(), 7)]
    );
    assert_eq!(code, 1);
}

#[test]
fn fail_on_never_always_exits_0() {
    let tmp = workspace();
    let (code, report) = json_scan(tmp.path(), &baseline(&["sample", "--fail-on", "never"]));
    assert_eq!(code, 0);
    assert_eq!(
        report["summary"]["findings"], 21,
        "the findings are still reported"
    );
    assert_eq!(report["summary"]["errors"], 10);
}

#[test]
fn parse_error_alone_fails_the_scan() {
    let tmp = workspace();
    let (code, report) = json_scan(tmp.path(), &["sample/broken.yaml"]);
    assert_eq!(
        rule_file_line(&report),
        [("IL000".into(), "sample/broken.yaml".into(), 7)]
    );
    assert_eq!(code, 1);
}

#[test]
fn nonexistent_path_exits_2() {
    let tmp = workspace();
    let run = scan(tmp.path(), &["no-such-dir"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr.contains("no-such-dir"),
        "stderr names the path:\n{}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "no report");
}

#[test]
fn unknown_rule_exits_2() {
    let tmp = workspace();
    for flag in ["--rule", "--skip-rule"] {
        let run = scan(tmp.path(), &["cli/clean.yaml", flag, "K8S999"]);
        assert_eq!(run.code(), 2, "{flag}");
        assert!(
            run.stderr.contains("unknown rule K8S999"),
            "{flag}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{flag}: no report");
    }
}

#[test]
fn usage_errors_exit_2() {
    let tmp = workspace();
    for args in [
        &["--no-such-flag", "cli/clean.yaml"][..],
        &["cli/clean.yaml", "--format", "xml"],
        &["cli/clean.yaml", "--fail-on", "sometimes"],
        &["cli/clean.yaml", "--env", "moon"],
        &["cli/clean.yaml", "--threads", "0"],
        &["cli/clean.yaml", "--threads", "many"],
        &["rules", "--format", "yaml"],
    ] {
        let run = scan(tmp.path(), args);
        assert_eq!(run.code(), 2, "{args:?}\nstderr: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?}: an explanation on stderr");
        assert_eq!(run.stdout, "", "{args:?}: nothing on stdout");
    }
}

// ---------------------------------------------------------------------- stdin

/// What `helm template` prints for the workspace's chart, to pipe to stdin.
fn helm_stream(tmp: &tempfile::TempDir) -> Vec<u8> {
    std::fs::read(tmp.path().join("cli/helm-rendered.yaml")).expect("stream")
}

#[test]
fn stdin_stream_is_reported_under_its_stdin_name() {
    let tmp = workspace();
    let stream = helm_stream(&tmp);
    let run = run_in(
        tmp.path(),
        baseline(&["-", "--stdin-name", "rendered.yaml", "--format", "json"]),
        Some(&stream),
    );
    assert_eq!(run.code(), 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        rule_file_line(&report),
        [
            ("K8S019".into(), "rendered.yaml".into(), 13),
            ("K8S009".into(), "rendered.yaml".into(), 31),
        ]
    );
    let resources: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["resource"].as_str().expect("resource"))
        .collect();
    assert_eq!(
        resources,
        ["Secret/default/shop-db", "Deployment/default/shop"]
    );
    assert_eq!(report["summary"]["files_scanned"], 1);
    assert_eq!(
        report["summary"]["resources"], 3,
        "ServiceAccount, Secret, Deployment"
    );

    // Without --stdin-name the stream is called <stdin>.
    let run = run_in(tmp.path(), ["-", "--format", "json"], Some(&stream));
    let files: BTreeSet<String> = rule_file_line(&run.json())
        .into_iter()
        .map(|(_, f, _)| f)
        .collect();
    assert_eq!(files, BTreeSet::from(["<stdin>".to_string()]));
}

#[test]
fn stdin_and_files_together() {
    let tmp = workspace();
    let run = run_in(
        tmp.path(),
        baseline(&[
            "cli/errors.yaml",
            "-",
            "--stdin-name",
            "piped.yaml",
            "--format",
            "json",
        ]),
        Some(b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n"),
    );
    assert_eq!(run.code(), 1);
    assert_eq!(
        rule_file_line(&run.json()),
        [
            ("K8S019".into(), "cli/errors.yaml".into(), 7),
            ("K8S015".into(), "piped.yaml".into(), 3),
        ]
    );
}

/// The scan frees file texts and the human report reads quoted files again;
/// stdin cannot be read again, so its text is kept and still framed.
#[test]
fn human_report_frames_stdin_and_files() {
    let tmp = workspace();
    let stream = helm_stream(&tmp);
    let run = run_in(
        tmp.path(),
        baseline(&[
            "cli/errors.yaml",
            "-",
            "--stdin-name",
            "rendered.yaml",
            "--color",
            "never",
        ]),
        Some(&stream),
    );
    assert_eq!(run.code(), 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("rendered.yaml:13:"), "{out}");
    assert!(
        !out.contains("= at rendered.yaml:"),
        "stdin findings get code frames, not bare positions:\n{out}"
    );
    assert!(
        !out.contains("= at cli/errors.yaml:"),
        "file findings get code frames:\n{out}"
    );
}

// ------------------------------------------------------------ rule selection

#[test]
fn rule_selects_rules_by_id_or_slug() {
    let tmp = workspace();
    let (code, by_id) = json_scan(tmp.path(), &["sample", "--rule", "K8S010"]);
    assert_eq!(code, 1);
    // The file that does not parse is reported whatever the rules chosen.
    assert_eq!(
        rule_file_line(&by_id),
        [
            ("IL000".into(), "broken.yaml".into(), 7),
            ("K8S010".into(), "jobs/cleanup.yaml".into(), 18),
            ("K8S010".into(), "workloads.yaml".into(), 20),
        ]
    );
    let (_, no_diagnostics) = json_scan(
        tmp.path(),
        &["sample", "--rule", "K8S010", "--skip-rule", "IL000"],
    );
    assert_eq!(rule_ids(&no_diagnostics), ["K8S010"]);
    let (_, by_slug) = json_scan(tmp.path(), &["sample", "--rule", "image-pinned"]);
    assert_eq!(by_slug, by_id);
    let (_, lower) = json_scan(tmp.path(), &["sample", "--rule", "k8s010"]);
    assert_eq!(lower, by_id, "ids are case-insensitive");

    let (_, two) = json_scan(
        tmp.path(),
        &["sample", "--rule", "K8S001", "--rule", "rbac-wildcard"],
    );
    assert_eq!(rule_ids(&two), ["IL000", "K8S001", "K8S021"]);
    assert_eq!(findings(&two).len(), 4);
    assert_eq!(two["summary"]["findings"], 4);
}

#[test]
fn skip_rule_removes_rules() {
    let tmp = workspace();
    let (_, all) = json_scan(tmp.path(), &["sample"]);
    let (_, skipped) = json_scan(
        tmp.path(),
        &[
            "sample",
            "--skip-rule",
            "K8S010",
            "--skip-rule",
            "resource-limits",
        ],
    );
    let mut want = rule_ids(&all);
    want.retain(|id| id != "K8S010" && id != "K8S007");
    assert_eq!(rule_ids(&skipped), want);
    assert_eq!(findings(&skipped).len(), findings(&all).len() - 3);

    // Parse errors can be skipped like any rule.
    let (code, report) = json_scan(tmp.path(), &["sample/broken.yaml", "--skip-rule", "IL000"]);
    assert_eq!(findings(&report).len(), 0);
    assert_eq!(code, 0);
}

/// Rule ids whose `env` is `prod` in `infra-lint rules --format json`.
fn prod_rules(cwd: &Path) -> BTreeSet<String> {
    let run = run_in(cwd, ["rules", "--format", "json"], None);
    run.json()
        .as_array()
        .expect("rule list")
        .iter()
        .filter(|r| r["env"] == "prod")
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

fn lowered(level: &str) -> &'static str {
    match level {
        "error" => "warning",
        "warning" | "note" => "note",
        other => panic!("unknown level {other}"),
    }
}

/// `--env`: production rules apply fully in production, one level lower in
/// staging and not at all in development; other rules do not change.
#[test]
fn env_decides_where_production_rules_apply() {
    let tmp = workspace();
    let prod = prod_rules(tmp.path());
    let (_, plain) = json_scan(tmp.path(), &["sample"]);
    let is_prod = |f: &Value| prod.contains(f["rule_id"].as_str().expect("rule_id"));
    assert!(
        findings(&plain).iter().any(is_prod),
        "the sample has production-only findings: {prod:?}"
    );

    // Nothing in the sample names an environment: it is treated as production.
    let (code, production) = json_scan(tmp.path(), &["sample", "--env", "production"]);
    assert_eq!(code, 1);
    assert_eq!(production, plain, "--env production");

    let (code, development) = json_scan(tmp.path(), &["sample", "--env", "development"]);
    assert_eq!(code, 1);
    let want: Vec<&Value> = findings(&plain).iter().filter(|f| !is_prod(f)).collect();
    let got: Vec<&Value> = findings(&development).iter().collect();
    assert_eq!(got, want, "--env development drops production rules");

    let (code, staging) = json_scan(tmp.path(), &["sample", "--env", "staging"]);
    assert_eq!(code, 1);
    let want: Vec<Value> = findings(&plain)
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if is_prod(&f) {
                let level = lowered(f["level"].as_str().expect("level"));
                f["level"] = Value::from(level);
                // Messages may name the environment they judged.
                let message = f["message"]
                    .as_str()
                    .expect("message")
                    .replace("production", "staging");
                f["message"] = Value::from(message);
            }
            f
        })
        .collect();
    assert_eq!(
        findings(&staging),
        &want,
        "--env staging lowers production rules"
    );
    for (name, report) in [("development", &development), ("staging", &staging)] {
        let s = &report["summary"];
        let count = |level: &str| {
            findings(report)
                .iter()
                .filter(|f| f["level"] == level)
                .count()
        };
        assert_eq!(s["findings"], findings(report).len(), "{name}");
        assert_eq!(s["errors"], count("error"), "{name}");
        assert_eq!(s["warnings"], count("warning"), "{name}");
        assert_eq!(s["notes"], count("note"), "{name}");
    }
}

/// Without `--env`, a path segment names the environment.
#[test]
fn environment_comes_from_the_path() {
    let tmp = workspace();
    let prod = prod_rules(tmp.path());
    let workload = std::fs::read_to_string(tmp.path().join("sample/workloads.yaml")).expect("read");
    for env in ["prod", "staging", "dev"] {
        // One namespace each, so namespace-level findings land in every file.
        let text = workload.replace("namespace: shop", &format!("namespace: shop-{env}"));
        write_files(tmp.path(), &[(&format!("envs/{env}/app.yaml"), &text)]);
    }
    let (_, report) = json_scan(tmp.path(), &["envs"]);
    let prod_levels = |file: &str| -> Vec<String> {
        findings(&report)
            .iter()
            .filter(|f| f["file"] == file && prod.contains(f["rule_id"].as_str().unwrap_or("")))
            .map(|f| f["level"].as_str().expect("level").to_string())
            .collect()
    };
    let in_prod = prod_levels("prod/app.yaml");
    assert!(!in_prod.is_empty(), "{}", pretty(&report));
    let lowered_prod: Vec<String> = in_prod.iter().map(|l| lowered(l).to_string()).collect();
    assert_eq!(prod_levels("staging/app.yaml"), lowered_prod);
    assert_eq!(prod_levels("dev/app.yaml"), Vec::<String>::new());
    // Rules for every environment apply the same everywhere.
    let others = |file: &str| -> Vec<(String, String)> {
        findings(&report)
            .iter()
            .filter(|f| f["file"] == file && !prod.contains(f["rule_id"].as_str().unwrap_or("")))
            .map(|f| (f["rule_id"].to_string(), f["level"].to_string()))
            .collect()
    };
    assert_eq!(others("dev/app.yaml"), others("prod/app.yaml"));
    assert_eq!(others("staging/app.yaml"), others("prod/app.yaml"));
}

/// Only the path inside the repository names the environment: folders above
/// it (a checkout under `~/dev/` or `/srv/sandbox/`) say nothing, however the
/// scanned path is written; inside it, `cd envs/dev && infra-lint .` is
/// development.
#[test]
fn environment_ignores_folders_above_the_repository() {
    const DB: &str = "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n  storage_encrypted = true\n  backup_retention_period = 35\n}\n";
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("sandbox/shop/.git/HEAD", "ref: refs/heads/main\n"),
            ("sandbox/shop/infra/main.tf", DB),
            ("sandbox/shop/envs/dev/main.tf", DB),
            ("elsewhere/.keep", ""),
        ],
    );
    let multi_az = |cwd: &Path, path: &str| -> usize {
        let (_, report) = json_scan(cwd, &[path, "--rule", "AWS002", "--fail-on", "never"]);
        findings(&report).len()
    };
    let repo = tmp.path().join("sandbox/shop");
    let infra = repo.join("infra");
    let infra = infra.to_str().expect("utf-8 path");
    // Production, whether named from outside, by an absolute path or from inside.
    assert_eq!(multi_az(&tmp.path().join("elsewhere"), infra), 1);
    assert_eq!(multi_az(tmp.path(), "sandbox/shop/infra"), 1);
    assert_eq!(multi_az(&repo.join("infra"), "."), 1);
    // Development, also when scanned from inside its folder.
    assert_eq!(multi_az(&repo.join("envs/dev"), "."), 0);
    assert_eq!(multi_az(&repo, "envs"), 0);
}

/// A scanned path written with `..` gives report paths relative to the
/// folder it names, for Terraform files as for YAML ones.
#[test]
fn report_paths_of_a_parent_relative_root() {
    let tmp = workspace();
    write_files(
        tmp.path(),
        &[
            ("app/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n"),
            ("app/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n"),
            ("other/.keep", ""),
        ],
    );
    let (_, report) = json_scan(&tmp.path().join("other"), &["../app", "--fail-on", "never"]);
    let files: BTreeSet<String> = findings(&report)
        .iter()
        .map(|f| f["file"].as_str().expect("file").to_string())
        .collect();
    assert_eq!(
        files,
        BTreeSet::from(["main.tf".to_string(), "pod.yaml".to_string()]),
        "{}",
        pretty(&report)
    );
}

// ----------------------------------------------------------------- -o FILE

#[test]
fn output_file_gets_the_report_and_stdout_nothing() {
    let tmp = workspace();
    for format in ["json", "sarif", "human"] {
        let out = tmp.path().join(format!("report.{format}"));
        let out_arg = out.to_str().expect("UTF-8 path");
        let run = scan(tmp.path(), &["sample", "--format", format, "-o", out_arg]);
        assert_eq!(run.code(), 1, "{format}: exit code does not depend on -o");
        assert_eq!(run.stdout, "", "{format}: nothing on stdout");
        let written = std::fs::read_to_string(&out).expect("report file");
        if format == "human" {
            assert!(written.contains("error[K8S001]"), "{written}");
            assert!(
                written.contains("Scanned 7 files (7 resources)"),
                "{written}"
            );
        } else {
            let again = scan(tmp.path(), &["sample", "--format", format]);
            assert_eq!(
                written, again.stdout,
                "{format}: the file holds what stdout would"
            );
        }
    }
    // --output is the long form.
    let out = tmp.path().join("long.json");
    let run = scan(
        tmp.path(),
        &[
            "cli/clean.yaml",
            "--format",
            "json",
            "--output",
            out.to_str().expect("UTF-8"),
        ],
    );
    assert_eq!((run.code(), run.stdout.as_str()), (0, ""));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("file")).expect("JSON");
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn unwritable_output_file_exits_2() {
    let tmp = workspace();
    let run = scan(
        tmp.path(),
        &["cli/clean.yaml", "-o", "no-such-dir/report.json"],
    );
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr.contains("no-such-dir/report.json"),
        "{}",
        run.stderr
    );
}

// --------------------------------------------------------------- rules list

/// The rule table of the README: id, slug, level, env.
const RULES: &[(&str, &str, &str, &str)] = &[
    ("IL000", "parse-error", "error", "all"),
    ("K8S001", "run-as-non-root", "error", "all"),
    ("K8S002", "no-privilege-escalation", "error", "all"),
    ("K8S003", "read-only-root-filesystem", "warning", "all"),
    ("K8S004", "drop-all-capabilities", "error", "all"),
    ("K8S005", "privileged-or-host-namespaces", "error", "all"),
    ("K8S006", "resource-requests", "warning", "all"),
    ("K8S007", "resource-limits", "warning", "all"),
    ("K8S008", "readiness-probe", "warning", "all"),
    ("K8S009", "liveness-probe", "warning", "all"),
    ("K8S010", "image-pinned", "warning", "all"),
    ("K8S015", "namespace-pod-security", "warning", "all"),
    ("K8S018", "secret-literal-in-env", "error", "all"),
    ("K8S019", "secret-in-manifest", "error", "all"),
    ("K8S020", "storageclass-encrypted", "error", "all"),
    ("K8S021", "rbac-wildcard", "warning", "all"),
];

#[test]
fn rules_json_lists_every_rule() {
    let tmp = tempdir();
    let run = run_in(tmp.path(), ["rules", "--format", "json"], None);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let list = run.json();
    let list = list.as_array().expect("an array");
    let ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().expect("id")).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "sorted by id, no duplicates");
    for (id, slug, level, env) in RULES {
        let rule = list
            .iter()
            .find(|r| r["id"] == *id)
            .unwrap_or_else(|| panic!("{id} is listed"));
        assert_eq!(rule["slug"], *slug, "{id}");
        assert_eq!(rule["level"], *level, "{id}");
        assert_eq!(rule["env"], *env, "{id}");
        let title = rule["title"].as_str().unwrap_or_default();
        assert!(title.len() > 10, "{id}: title {title:?}");
    }
    for rule in list {
        assert!(
            ["error", "warning", "note"].contains(&rule["level"].as_str().unwrap_or("")),
            "{rule}"
        );
        assert!(
            ["all", "prod"].contains(&rule["env"].as_str().unwrap_or("")),
            "{rule}"
        );
    }
}

#[test]
fn rules_human_lists_every_rule() {
    let tmp = tempdir();
    let run = run_in(tmp.path(), ["rules"], None);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("ID"), "a header: {}", lines[0]);
    for (id, slug, level, env) in RULES {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} is listed:\n{}", run.stdout));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&words[1..4], [*slug, *level, *env], "{line}");
    }
}

// ----------------------------------------------------------- report shapes

#[test]
fn json_report_shape() {
    let tmp = workspace();
    let (_, report) = json_scan(tmp.path(), &baseline(&["sample"]));
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "infra-lint");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let s = &report["summary"];
    assert_eq!(
        [
            &s["files_scanned"],
            &s["resources"],
            &s["findings"],
            &s["errors"],
            &s["warnings"],
            &s["notes"]
        ],
        [7, 7, 21, 10, 11, 0].map(Value::from).each_ref(),
        "summary {s}"
    );
    assert!(report["notes"].is_array());

    let all = findings(&report);
    assert_eq!(all.len(), 21);
    for f in all {
        for key in [
            "rule_id",
            "slug",
            "level",
            "message",
            "file",
            "attribute_path",
            "fingerprint",
        ] {
            assert!(f[key].is_string(), "{key} is a string in {f}");
        }
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(f[key].as_u64().is_some_and(|n| n >= 1), "{key} >= 1 in {f}");
        }
        assert!(f["resource"].is_string() || f["resource"].is_null(), "{f}");
        assert!(f["related"].is_array(), "{f}");
    }

    let runs_as_root = all
        .iter()
        .find(|f| f["rule_id"] == "K8S001")
        .expect("a K8S001 finding");
    // These fields with these values (fields may be added, never removed).
    let want = serde_json::json!({
        "rule_id": "K8S001",
        "slug": "run-as-non-root",
        "level": "error",
        "message": "container \"api\" of Deployment/shop/payments runs as root (runAsUser: 0)",
        "file": "workloads.yaml",
        "line": 27,
        "column": 13,
        "end_line": 27,
        "end_column": 25,
        "resource": "Deployment/shop/payments",
        "attribute_path": "spec.template.spec.containers[0].securityContext.runAsUser",
        "related": [],
    });
    for (key, value) in want.as_object().expect("object") {
        assert_eq!(&runs_as_root[key], value, "{key} in {runs_as_root}");
    }
    let fp = runs_as_root["fingerprint"].as_str().expect("fingerprint");
    assert!(
        fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
        "fingerprint {fp}"
    );

    // File-level findings have no resource.
    let parse_error = all.iter().find(|f| f["rule_id"] == "IL000").expect("IL000");
    assert_eq!(parse_error["resource"], Value::Null);
    assert_eq!(parse_error["slug"], "parse-error");
    assert_eq!(parse_error["file"], "broken.yaml");
    assert_eq!(
        (&parse_error["line"], &parse_error["column"]),
        (&Value::from(7), &Value::from(9))
    );
}

/// `Scanned N files (M resources) in X.XXs: a errors, b warnings, c notes.`
fn summary_line(out: &str) -> &str {
    out.lines()
        .find(|l| l.starts_with("Scanned "))
        .unwrap_or_else(|| panic!("a summary line in:\n{out}"))
}

#[test]
fn human_report_shows_rule_location_and_summary() {
    let tmp = workspace();
    let run = scan(tmp.path(), &baseline(&["cli", "--color", "never"]));
    assert_eq!(run.code(), 1);
    let out = &run.stdout;
    assert!(out.contains("warning[K8S010]"), "{out}");
    assert!(out.contains("error[K8S019]"), "{out}");
    assert!(
        out.contains("warnings.yaml:14:11"),
        "file:line:column of the finding:\n{out}"
    );
    assert!(out.contains("errors.yaml:7:1"), "{out}");
    assert!(
        out.contains("image: registry.example.com/shop/search:latest"),
        "a code frame:\n{out}"
    );
    let summary = summary_line(out);
    let (head, tail) = summary.split_once(" in ").expect("` in ` in the summary");
    assert_eq!(head, "Scanned 4 files (9 resources)");
    let (seconds, counts) = tail.split_once("s: ").expect("duration");
    assert!(seconds.parse::<f64>().is_ok(), "duration {seconds:?}");
    assert_eq!(counts, "2 errors, 4 warnings, 0 notes.");
    assert!(!out.contains('\u{1b}'), "--color never: no ANSI escapes");

    let quiet = scan(tmp.path(), &["cli", "--color", "never", "--quiet"]);
    assert!(quiet.stdout.contains("warning[K8S010]"));
    assert!(
        !quiet.stdout.contains("Scanned "),
        "--quiet: no summary:\n{}",
        quiet.stdout
    );

    let clean = scan(tmp.path(), &["cli/clean.yaml"]);
    assert_eq!(
        summary_line(&clean.stdout)
            .rsplit_once("s: ")
            .map(|(_, c)| c),
        Some("0 errors, 0 warnings, 0 notes.")
    );
}

#[test]
fn color_flag_controls_ansi_escapes() {
    let tmp = workspace();
    let always = scan(tmp.path(), &["cli/warnings.yaml", "--color", "always"]);
    assert!(
        always.stdout.contains("\u{1b}["),
        "--color always colors:\n{}",
        always.stdout
    );
    // auto on a pipe: no colors.
    let auto = scan(tmp.path(), &["cli/warnings.yaml"]);
    assert!(!auto.stdout.contains('\u{1b}'), "{}", auto.stdout);
    let never = run_with_env(
        tmp.path(),
        ["cli/warnings.yaml", "--color", "never"],
        None,
        &[
            ("TERM", Some("xterm-256color")),
            ("CLICOLOR_FORCE", Some("1")),
        ],
    );
    assert!(!never.stdout.contains('\u{1b}'), "{}", never.stdout);
}

/// `auto` colors a terminal unless NO_COLOR is set (and not empty). A
/// pseudo-terminal comes from util-linux `script`.
#[cfg(target_os = "linux")]
#[test]
fn no_color_is_honoured_on_a_terminal() {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let tmp = workspace();
    let command = format!(
        "'{}' cli/warnings.yaml --quiet",
        env!("CARGO_BIN_EXE_infra-lint")
    );
    let on_tty = |no_color: Option<&str>| -> String {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .current_dir(tmp.path())
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .stdin(std::process::Stdio::null());
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("script runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let colored = on_tty(None);
    assert!(
        colored.contains("K8S010"),
        "the report reached the terminal:\n{colored}"
    );
    assert!(
        colored.contains("\u{1b}["),
        "a terminal gets colors:\n{colored}"
    );
    let plain = on_tty(Some("1"));
    assert!(plain.contains("K8S010"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR=1: no colors:\n{plain}");
    let empty = on_tty(Some(""));
    assert!(
        empty.contains("\u{1b}["),
        "an empty NO_COLOR is ignored:\n{empty}"
    );
}

// ------------------------------------------------------------------- walk

#[test]
fn gitignore_is_honoured_and_vcs_dirs_skipped() {
    let tmp = tempdir();
    let bad = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n";
    write_files(
        tmp.path(),
        &[
            (".gitignore", "generated/\n*.local.yaml\n"),
            ("generated/secret.yaml", bad),
            ("dev.local.yaml", bad),
            (".git/secret.yaml", bad),
            ("node_modules/pkg/secret.yaml", bad),
            ("kept/secret.yaml", bad),
        ],
    );
    let (code, report) = json_scan(tmp.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_file_line(&report),
        [("K8S019".into(), "kept/secret.yaml".into(), 5)]
    );
}

/// A module's finding reached through several root modules (examples calling
/// it alike) is reported once, with every module call as a related location.
#[test]
fn module_findings_through_several_roots_are_one() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            (
                "modules/bucket/main.tf",
                "resource \"aws_s3_bucket\" \"this\" {\n  bucket = \"logs\"\n}\n",
            ),
            (
                "examples/a/main.tf",
                "module \"bucket\" {\n  source = \"../../modules/bucket\"\n}\n",
            ),
            (
                "examples/b/main.tf",
                "# the same call\nmodule \"bucket\" {\n  source = \"../../modules/bucket\"\n}\n",
            ),
        ],
    );
    let (_, report) = json_scan(tmp.path(), &[".", "--rule", "AWS022"]);
    assert_eq!(
        rule_file_line(&report),
        [("AWS022".into(), "modules/bucket/main.tf".into(), 1)],
        "{}",
        pretty(&report)
    );
    let related: Vec<(String, u64)> = findings(&report)[0]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap_or_default().to_string(),
                r["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            ("examples/a/main.tf".to_string(), 1),
            ("examples/b/main.tf".to_string(), 2)
        ]
    );
}
