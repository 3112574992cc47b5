//! The built-in Rego policies (`policies/`): their `test_*` rules pass, every
//! policy file has tests, and each file's `metadata.id` is the id of the Rust
//! rule that embeds it.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use infra_lint::rules::{self, Check};
use regorus::{Engine, Value};
use support::run_in;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `(package, file, source)` of every built-in Rego rule, with its id.
fn rego_rules() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    rules::builtin()
        .into_iter()
        .filter_map(|r| match r.check {
            Check::Rego {
                package,
                file,
                source,
            } => Some((r.meta.id, package, file, source)),
            _ => None,
        })
        .collect()
}

/// Every `.rego` file under `dir`, relative to the repository.
fn rego_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read policies directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(rego_files(&path));
        } else if path.extension().is_some_and(|e| e == "rego") {
            let rel = path.strip_prefix(repo()).expect("inside the repository");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    out
}

#[test]
fn builtin_policy_tests_pass() {
    let run = run_in(&repo(), ["policy", "test", "policies"], None);
    assert_eq!(
        run.code(),
        0,
        "policy test policies failed\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let (summary, results) = lines.split_last().expect("output");
    let passed = results.iter().filter(|l| l.starts_with("PASS ")).count();
    assert!(passed > 0, "no test ran:\n{}", run.stdout);
    assert_eq!(passed, results.len(), "{}", run.stdout);
    assert_eq!(*summary, format!("{passed} passed, 0 failed"));

    // Every built-in policy file is tested by its `_test.rego` sibling.
    let tested: BTreeSet<&str> = results
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|loc| loc.rsplit_once(':').map(|(file, _)| file))
        .collect();
    for (id, _, file, _) in rego_rules() {
        let test = file.replace(".rego", "_test.rego");
        assert!(
            tested.contains(test.as_str()),
            "{id} ({file}) has no passing test in {test}: {tested:?}"
        );
    }
}

#[test]
fn builtin_policy_tests_pass_through_the_library() {
    let results = infra_lint::policy::run_tests(&[repo().join("policies")], false)
        .unwrap_or_else(|errors| panic!("policies do not load: {errors:?}"));
    assert!(!results.is_empty(), "no test ran");
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| format!("{}:{} {} {:?}", r.file, r.line, r.name, r.error))
        .collect();
    assert!(failed.is_empty(), "failing tests: {failed:#?}");
}

#[test]
fn builtin_policy_metadata_ids_match_their_rules() {
    let embedded = rego_rules();
    assert!(!embedded.is_empty(), "no built-in Rego rule");
    for (id, package, file, source) in &embedded {
        // The file named is the file embedded.
        let on_disk = std::fs::read_to_string(repo().join(file))
            .unwrap_or_else(|e| panic!("{id}: cannot read {file}: {e}"));
        assert_eq!(&on_disk, source, "{id}: {file} is not what the rule embeds");

        let mut engine = Engine::new();
        engine
            .add_policy(file.to_string(), source.to_string())
            .unwrap_or_else(|e| panic!("{id}: {file} does not parse: {e}"));
        let metadata = engine
            .eval_rule(format!("data.{package}.metadata"))
            .unwrap_or_else(|e| panic!("{id}: data.{package}.metadata: {e}"));
        let declared = metadata
            .as_object()
            .ok()
            .and_then(|m| m.get(&Value::from("id")))
            .and_then(|v| v.as_string().ok())
            .map(|s| s.to_string());
        assert_eq!(
            declared.as_deref(),
            Some(*id),
            "{file}: metadata.id does not match the rule embedding it (package {package})"
        );
    }
}

#[test]
fn every_builtin_policy_file_is_embedded_and_tested() {
    let files = rego_files(&repo().join("policies"));
    let (tests, policies): (Vec<&String>, Vec<&String>) =
        files.iter().partition(|f| f.ends_with("_test.rego"));
    let embedded = rego_rules();
    for policy in &policies {
        let users: Vec<&str> = embedded
            .iter()
            .filter(|(_, _, file, _)| file == policy)
            .map(|(id, ..)| *id)
            .collect();
        assert_eq!(
            users.len(),
            1,
            "{policy} must be embedded by exactly one rule, is by {users:?}"
        );
        let test = policy.replace(".rego", "_test.rego");
        assert!(tests.contains(&&test), "{policy} has no {test}");
    }
    // And no test is left without its policy.
    for test in &tests {
        let policy = test.replace("_test.rego", ".rego");
        assert!(policies.contains(&&policy), "{test} tests no policy");
    }
}

#[test]
fn test_files_do_not_change_scans() {
    // The test files are not embedded: the built-in Rego rules load and fire.
    let run = run_in(
        &repo(),
        [
            "examples/shop",
            "--rule",
            "K8S005",
            "--rule",
            "K8S019",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code(), 1, "{}", run.stderr);
    assert_eq!(support::rule_ids(&run.json()), ["K8S005", "K8S019"]);

    // Loaded as user policies, `policies/` is refused for its built-in ids
    // only: nothing in the test files is a problem.
    let run = run_in(&repo(), ["rules", "--policy", "policies"], None);
    assert_eq!(run.code(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("collides with a built-in rule"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("_test.rego"), "{}", run.stderr);
}
