//! Hostile and broken input: each case yields a clear diagnostic, the scan
//! finishes, and the findings of the other files are still reported.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_infra-lint");

/// A manifest with one known finding (K8S010 at line 7), kept next to every hostile file.
const GOOD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - image: nginx:latest\n      name: web\n";

fn scan(dir: &Path, extra: &[&str]) -> (i32, Value) {
    scan_with_env(dir, extra, &[])
}

fn scan_with_env(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let started = Instant::now();
    let out = Command::new(BIN)
        .current_dir(dir)
        .args([".", "--format", "json", "--threads", "2"])
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .expect("runs");
    // A guard against hangs only, not a performance assertion.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "scan took too long"
    );
    let code = out.status.code().expect("exited normally, not by a signal");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (code, report)
}

fn findings(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn with_good(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("good.yaml"), GOOD).expect("write");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write");
    }
    dir
}

fn assert_good_still_reported(report: &Value) {
    assert!(
        findings(report).contains(&("K8S010".into(), "good.yaml".into(), 7)),
        "the valid file's finding is missing: {:?}",
        findings(report)
    );
}

#[test]
fn expression_backtracking_in_tf_json_is_bounded() {
    // Found by fuzzing: hcl-edit's expression parser backtracks exponentially
    // on this text; it reached us through a `.tf.json` variable type string.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz/hcl-expression-backtracking.txt"),
    )
    .expect("fixture");
    let json = serde_json::json!({"variable": {"x": {"type": text}}}).to_string();
    let dir = with_good(&[("tf/main.tf.json", json.as_bytes())]);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_good_still_reported(&report);
}

/// Found by fuzzing: indexes nested under binary operators with an error
/// deep inside make hcl-edit backtrack exponentially (over 30 s for this
/// line); in a `.tf` file, a `.tf.json` template and a `.tf.json` type.
#[test]
fn index_backtracking_is_refused_quickly() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz/hcl-index-backtracking.txt"),
    )
    .expect("fixture");
    let tf = format!("locals {{\n  x = {text}\n}}\n");
    let template = serde_json::json!({"locals": {"x": format!("${{{text}}}")}}).to_string();
    let ty = serde_json::json!({"variable": {"x": {"type": text}}}).to_string();
    let dir = with_good(&[
        ("hcl/main.tf", tf.as_bytes()),
        ("template/main.tf.json", template.as_bytes()),
        ("type/main.tf.json", ty.as_bytes()),
    ]);
    let started = Instant::now();
    let (code, report) = scan(dir.path(), &[]);
    // A guard against the blow-up coming back, not a performance assertion.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(code, 1);
    let got = findings(&report);
    assert!(
        got.iter()
            .any(|(r, f, l)| r == "IL000" && f == "hcl/main.tf" && *l == 2),
        "{got:?}"
    );
    assert_good_still_reported(&report);
}

#[test]
fn hcl_nesting_at_and_beyond_the_parser_limit() {
    let nested = |open: &str, depth: usize| {
        format!(
            "locals {{\n  x = {}1{}\n}}\n",
            open.repeat(depth),
            "]".repeat(depth)
        )
    };
    // Indexes nest at most 12 levels (`parse::MAX_BRACKET_DEPTH`, far below
    // hcl-edit's own limit of 64, which tuples still meet).
    let within = nested("a[", 12);
    let dir = with_good(&[
        ("ok/main.tf", within.as_bytes()),
        ("tuples/main.tf", nested("[", 40).as_bytes()),
        ("deep/main.tf", nested("a[", 13).as_bytes()),
        ("deeper/main.tf", nested("[", 5000).as_bytes()),
    ]);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    let got = findings(&report);
    for (file, line) in [("deep/main.tf", 2), ("deeper/main.tf", 2)] {
        assert!(
            got.iter()
                .any(|(r, f, l)| r == "IL000" && f == file && *l == line),
            "deep nesting is a parse error at its line: {got:?}"
        );
    }
    assert!(!got.iter().any(|(_, f, _)| f == "ok/main.tf"), "{got:?}");
    assert!(
        !got.iter().any(|(_, f, _)| f == "tuples/main.tf"),
        "{got:?}"
    );
    assert_good_still_reported(&report);
}

#[test]
fn files_over_the_size_limit_are_reported_not_read() {
    let big = vec![b'#'; 300_000];
    let dir = with_good(&[("huge.yaml", &big), ("huge/main.tf", &big)]);
    let (code, report) = scan(dir.path(), &["--max-file-size", "100000"]);
    assert_eq!(code, 1);
    let got = findings(&report);
    for file in ["huge.yaml", "huge/main.tf"] {
        assert!(
            got.contains(&("IL002".into(), file.into(), 1)),
            "{file}: {got:?}"
        );
    }
    assert_good_still_reported(&report);
}

#[test]
fn binary_files_with_manifest_names() {
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let dir = with_good(&[("blob.yaml", &binary), ("blob/main.tf", &binary)]);
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    let got = findings(&report);
    assert!(
        got.iter().any(|(r, f, _)| r == "IL000" && f == "blob.yaml"),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(r, f, _)| r == "IL000" && f == "blob/main.tf"),
        "{got:?}"
    );
    assert_good_still_reported(&report);
}

#[test]
fn empty_files_and_a_directory_named_like_a_file() {
    let dir = with_good(&[
        ("empty.yaml", b""),
        ("empty/main.tf", b""),
        ("blank.yml", b"\n\n# only a comment\n"),
    ]);
    std::fs::create_dir_all(dir.path().join("x.tf/inner")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("y.yaml")).expect("mkdir");
    let (code, report) = scan(dir.path(), &["--rule", "K8S010"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        vec![("K8S010".into(), "good.yaml".into(), 7)]
    );
    assert!(
        report["notes"].as_array().expect("notes").is_empty(),
        "{}",
        report["notes"]
    );
}

#[test]
fn runaway_terraform_expansion_is_capped() {
    let tf = "resource \"aws_ebs_volume\" \"many\" {\n  count = 1000000\n  size  = 10\n}\n\nresource \"aws_ebs_volume\" \"range\" {\n  for_each = toset([for i in range(100000) : tostring(i)])\n  size     = 10\n}\n";
    let dir = with_good(&[("big/main.tf", tf.as_bytes())]);
    let (_, report) = scan(dir.path(), &[]);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("count is 1000000; only the first 10000 instances are evaluated"),
        "expansion is capped with a note: {notes}"
    );
    assert_good_still_reported(&report);
}

/// A panic while reading or evaluating one input (forced with the debug-only
/// `INFRA_LINT_INJECT_PANIC` hook, see `src/fault.rs`) becomes an IL999
/// finding naming that input, and every other file is still reported.
#[cfg(debug_assertions)]
#[test]
fn a_panic_costs_only_its_own_input() {
    let bad_pod = GOOD.replace("name: web\nspec", "name: boom\nspec");
    let tf = "resource \"aws_ebs_volume\" \"v\" {\n  size = 10\n}\n";
    let dir = with_good(&[
        ("boom.yaml", bad_pod.as_bytes()),
        ("boomtf/main.tf", tf.as_bytes()),
        ("oktf/main.tf", tf.as_bytes()),
    ]);
    for (stage, target, file) in [
        ("ingest", "boom.yaml", "boom.yaml"),
        ("evaluate", "boom.yaml", "boom.yaml"),
        ("terraform-parse", "boomtf/main.tf", "boomtf/main.tf"),
        ("terraform-eval", "boomtf", "boomtf/main.tf"),
    ] {
        let spec = format!("{stage}:{target}");
        let (code, report) = scan_with_env(
            dir.path(),
            &[],
            &[("INFRA_LINT_INJECT_PANIC", spec.as_str())],
        );
        assert_eq!(code, 1, "{stage}: findings fail the scan");
        let all = findings(&report);
        let internal: Vec<_> = all.iter().filter(|f| f.0 == "IL999").collect();
        assert!(
            !internal.is_empty() && internal.iter().all(|f| f.1 == file),
            "{stage}: IL999 on {file} only: {all:?}"
        );
        let message = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule_id"] == "IL999")
            .and_then(|f| f["message"].as_str())
            .unwrap_or_default()
            .to_string();
        assert!(message.contains("internal error"), "{stage}: {message}");
        assert_good_still_reported(&report);
        // The healthy Terraform module next to the failing one is still judged.
        assert!(
            all.iter().any(|f| f.0 == "AWS072" && f.1 == "oktf/main.tf"),
            "{stage}: oktf findings missing: {all:?}"
        );
        if stage != "ingest" && stage != "evaluate" {
            assert!(
                all.iter().any(|f| f.1 == "boom.yaml" && f.0 == "K8S010"),
                "{stage}: boom.yaml is healthy here: {all:?}"
            );
        }
    }
}

/// Every file under `dir`, relative, with its length.
fn tree_listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let rel = path
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            out.push((rel, if meta.is_dir() { 0 } else { meta.len() }));
        }
    }
    out.sort();
    out
}

/// The scanner writes its report to `--output` and nowhere else: not into
/// the scanned tree (no caches, no lock files) and not into the temp dir.
#[test]
fn a_scan_writes_only_its_output_file() {
    let tf = "resource \"aws_ebs_volume\" \"v\" {\n  size = 10\n}\n";
    let dir = with_good(&[
        ("infra/main.tf", tf.as_bytes()),
        ("infra/terraform.tfvars", b"x = 1\n"),
        ("broken.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: [\n"),
    ]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tempfile::tempdir().expect("tempdir");
    let before = tree_listing(dir.path());
    for format in ["json", "sarif", "human"] {
        let report = out_dir.path().join(format!("report.{format}"));
        let status = Command::new(BIN)
            .current_dir(dir.path())
            .args([".", "--format", format, "-o"])
            .arg(&report)
            .env("TMPDIR", tmp.path())
            .output()
            .expect("runs");
        assert_eq!(status.status.code(), Some(1), "{format}");
        assert!(report.is_file(), "{format}: the report is written");
    }
    assert_eq!(
        tree_listing(dir.path()),
        before,
        "the scanned tree is untouched"
    );
    assert!(tree_listing(tmp.path()).is_empty(), "nothing in TMPDIR");
    assert_eq!(tree_listing(out_dir.path()).len(), 3, "only the reports");
}
