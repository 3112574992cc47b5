//! SARIF contract: valid against the SARIF 2.1.0 schema, and shaped the way
//! GitHub code scanning needs it (rules, locations, fingerprints).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use support::{baseline, copy_dir, data_dir, pretty, run_in, tempdir, write_files, BASELINE_RULES};

/// The sample tree (`tests/data/sarif`) copied to `<tmp>/manifests`.
fn sample_tree() -> tempfile::TempDir {
    let tmp = tempdir();
    copy_dir(&data_dir().join("sarif"), &tmp.path().join("manifests"));
    tmp
}

/// `infra-lint <args> --format sarif` in `cwd`, parsed.
fn sarif(cwd: &Path, args: &[&str]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "sarif"]);
    let run = run_in(cwd, &all, None);
    assert!(
        matches!(run.code(), 0 | 1),
        "scan failed with {}:\n{}",
        run.code(),
        run.stderr
    );
    run.json()
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(data_dir().join("sarif-schema-2.1.0.json")).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Every schema violation of `log`, one per line (empty when valid).
fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

fn only_run(log: &Value) -> &Value {
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "exactly one run:\n{}", pretty(log));
    &runs[0]
}

fn results(log: &Value) -> &Vec<Value> {
    only_run(log)["results"]
        .as_array()
        .expect("results is an array")
}

fn uri_of(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("artifactLocation.uri")
}

fn start_line(result: &Value) -> u64 {
    result["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .expect("startLine")
}

fn fingerprint(result: &Value) -> &str {
    result["partialFingerprints"]["infraLint/v1"]
        .as_str()
        .expect("partialFingerprints[\"infraLint/v1\"]")
}

/// `file://` URI of a directory, as `%SRCROOT%` must give it.
fn dir_uri(dir: &Path) -> String {
    let canonical = dir.canonicalize().expect("canonical path");
    let text = canonical.to_str().expect("UTF-8 path");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-~".contains(&b)),
        "temporary path needs no percent-encoding: {text}"
    );
    format!("file://{text}/")
}

/// What the sample tree must produce: (rule, uri, startLine, startColumn).
const EXPECTED_SAMPLE: &[(&str, &str, u64, u64)] = &[
    ("IL000", "broken.yaml", 7, 9),
    ("K8S010", "jobs/cleanup.yaml", 18, 15),
    ("K8S015", "namespace.yaml", 5, 3),
    ("K8S015", "namespace.yaml", 13, 5),
    ("K8S021", "rbac.yaml", 9, 17),
    ("K8S021", "rbac.yaml", 10, 17),
    ("K8S019", "secret.yaml", 7, 1),
    ("K8S020", "storage.yaml", 6, 1),
    ("K8S005", "workloads.yaml", 17, 7),
    ("K8S006", "workloads.yaml", 19, 11),
    ("K8S007", "workloads.yaml", 19, 11),
    ("K8S008", "workloads.yaml", 19, 11),
    ("K8S009", "workloads.yaml", 19, 11),
    ("K8S010", "workloads.yaml", 20, 11),
    ("K8S018", "workloads.yaml", 23, 15),
    ("K8S003", "workloads.yaml", 26, 11),
    ("K8S001", "workloads.yaml", 27, 13),
    ("K8S002", "workloads.yaml", 28, 13),
    ("K8S005", "workloads.yaml", 29, 13),
    ("K8S004", "workloads.yaml", 30, 13),
    ("K8S004", "workloads.yaml", 31, 21),
];

#[test]
fn sample_sarif_is_valid_against_the_schema() {
    let tmp = sample_tree();
    let log = sarif(tmp.path(), &["manifests"]);
    let validator = validator();
    let errors = schema_errors(&validator, &log);
    assert!(
        errors.is_empty(),
        "SARIF violates the 2.1.0 schema:\n{}\n\nSARIF:\n{}",
        errors.join("\n"),
        pretty(&log)
    );
    assert_eq!(log["version"], "2.1.0");
    // The validator is not vacuous: a broken copy is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert_eq!(
        schema_errors(&validator, &broken).len(),
        2,
        "{:?}",
        schema_errors(&validator, &broken)
    );
    // The sample covers every baseline rule, IL000 included.
    let ids: BTreeSet<&str> = results(&log)
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    for id in BASELINE_RULES {
        assert!(ids.contains(id), "{id} has a result in the sample: {ids:?}");
    }
}

#[test]
fn sample_sarif_has_the_expected_results() {
    let tmp = sample_tree();
    let log = sarif(tmp.path(), &baseline(&["manifests"]));
    let got: Vec<(String, String, u64, u64)> = results(&log)
        .iter()
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (
                r["ruleId"].as_str().expect("ruleId").to_string(),
                uri_of(r).to_string(),
                region["startLine"].as_u64().expect("startLine"),
                region["startColumn"].as_u64().expect("startColumn"),
            )
        })
        .collect();
    let want: Vec<(String, String, u64, u64)> = EXPECTED_SAMPLE
        .iter()
        .map(|(id, uri, l, c)| (id.to_string(), uri.to_string(), *l, *c))
        .collect();
    assert_eq!(got, want, "results (in report order)");
}

#[test]
fn empty_directory_sarif_is_valid_with_empty_results() {
    let tmp = tempdir();
    std::fs::create_dir(tmp.path().join("empty")).expect("mkdir");
    let log = sarif(tmp.path(), &["empty"]);
    let errors = schema_errors(&validator(), &log);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let run = only_run(&log);
    assert_eq!(
        run["results"],
        serde_json::json!([]),
        "results present and empty"
    );
    assert_eq!(run["tool"]["driver"]["rules"], serde_json::json!([]));
    assert_eq!(run["tool"]["driver"]["name"], "infra-lint");
}

/// SARIF of other kinds of scans: stdin, several roots, notes, filtered rules,
/// names that need percent-encoding.
#[test]
fn other_scans_produce_valid_sarif() {
    let validator = validator();
    let tmp = sample_tree();
    let root = tmp.path();
    write_files(
        root,
        &[(
            "odd names/dé ploy#1.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: busybox\n",
        )],
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        "/nonexistent/target.yaml",
        root.join("manifests/dangling.yaml"),
    )
    .expect("symlink");

    let stdin_run = run_in(
        root,
        ["-", "--stdin-name", "rendered.yaml", "--format", "sarif"],
        Some(b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: abc\n"),
    );
    let cases: Vec<(&str, Value)> = vec![
        ("stdin", stdin_run.json()),
        (
            "two roots",
            sarif(root, &["manifests/jobs", "manifests/secret.yaml"]),
        ),
        ("notes", sarif(root, &["manifests"])),
        ("one rule", sarif(root, &["manifests", "--rule", "K8S021"])),
        ("encoded names", sarif(root, &["odd names"])),
    ];
    let mut failures = Vec::new();
    for (name, log) in &cases {
        for e in schema_errors(&validator, log) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "schema errors:\n{}",
        failures.join("\n")
    );

    let uris = |log: &Value| -> BTreeSet<String> {
        results(log).iter().map(|r| uri_of(r).to_string()).collect()
    };
    assert_eq!(
        uris(&cases[0].1),
        BTreeSet::from(["rendered.yaml".to_string()])
    );
    assert_eq!(
        uris(&cases[1].1),
        BTreeSet::from([
            "manifests/jobs/cleanup.yaml".to_string(),
            "manifests/secret.yaml".to_string()
        ]),
        "several roots: relative to the working directory"
    );
    assert_eq!(
        only_run(&cases[1].1)["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        dir_uri(root)
    );
    #[cfg(unix)]
    {
        let notes = only_run(&cases[2].1)["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .expect("the dangling link is reported as a notification");
        assert_eq!(notes.len(), 1, "{}", pretty(&cases[2].1));
        let text = notes[0]["message"]["text"].as_str().expect("message.text");
        assert!(text.contains("dangling.yaml"), "{text}");
    }
    let one_rule: Vec<&str> = results(&cases[3].1)
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    assert_eq!(
        one_rule,
        ["IL000", "K8S021", "K8S021"],
        "parse errors stay with --rule"
    );
    assert_eq!(
        uris(&cases[4].1),
        BTreeSet::from(["d%C3%A9%20ploy%231.yaml".to_string()]),
        "URIs are percent-encoded"
    );
}

/// Rule metadata as `infra-lint rules --format json` lists it, by id.
fn rule_list(cwd: &Path) -> BTreeMap<String, Value> {
    let run = run_in(cwd, ["rules", "--format", "json"], None);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    run.json()
        .as_array()
        .expect("rule list is an array")
        .iter()
        .map(|r| (r["id"].as_str().expect("id").to_string(), r.clone()))
        .collect()
}

/// What GitHub code scanning requires of a SARIF upload (and what its UI uses).
#[test]
fn sarif_meets_github_code_scanning_requirements() {
    let tmp = sample_tree();
    let log = sarif(tmp.path(), &["manifests"]);
    let listed = rule_list(tmp.path());
    let run = only_run(&log);

    // tool.driver
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "infra-lint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let info = driver["informationUri"].as_str().expect("informationUri");
    assert!(info.starts_with("https://"), "informationUri: {info}");

    // rules: exactly those referenced by results, no duplicates.
    let rules = driver["rules"].as_array().expect("driver.rules");
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let distinct: BTreeSet<&str> = rule_ids.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        rule_ids.len(),
        "duplicate rules: {rule_ids:?}"
    );
    let referenced: BTreeSet<&str> = results(&log)
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    assert_eq!(
        distinct, referenced,
        "driver.rules must be exactly the referenced rules"
    );

    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        let meta = &listed[id];
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{id}: {field}.text is missing");
        }
        assert_eq!(
            rule["shortDescription"]["text"], meta["title"],
            "{id}: shortDescription"
        );
        let markdown = rule["help"]["markdown"].as_str().unwrap_or_default();
        assert!(
            markdown.contains("**Good**") && markdown.contains("```"),
            "{id}: help.markdown has an example:\n{markdown}"
        );
        assert_eq!(
            rule["defaultConfiguration"]["level"], meta["level"],
            "{id}: defaultConfiguration.level"
        );
        assert!(
            ["note", "warning", "error"]
                .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap_or("")),
            "{id}: level"
        );
        let tags = rule["properties"]["tags"]
            .as_array()
            .expect("properties.tags is an array");
        assert!(
            !tags.is_empty() && tags.iter().all(Value::is_string),
            "{id}: tags {tags:?}"
        );
        assert_eq!(rule["properties"]["tags"], meta["tags"], "{id}: tags");
        let severity = &rule["properties"]["security-severity"];
        let text = severity
            .as_str()
            .unwrap_or_else(|| panic!("{id}: security-severity must be a string, is {severity}"));
        let score: f64 = text
            .parse()
            .unwrap_or_else(|_| panic!("{id}: security-severity {text:?} is not a number"));
        assert!(
            (0.0..=10.0).contains(&score),
            "{id}: security-severity {score}"
        );
        assert_eq!(
            severity, &meta["security_severity"],
            "{id}: security-severity"
        );
    }

    // %SRCROOT% is declared, as the scanned directory.
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        dir_uri(&tmp.path().join("manifests")),
        "originalUriBaseIds"
    );

    // results
    let mut fingerprints = BTreeSet::new();
    for (i, result) in results(&log).iter().enumerate() {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "result {i}: ruleIndex");
        let level = result["level"].as_str().expect("level");
        assert_eq!(
            level, listed[id]["level"],
            "result {i}: level (no environment lowering here)"
        );
        let message = result["message"]["text"].as_str().expect("message.text");
        assert!(!message.is_empty(), "result {i}: message");
        let location = &result["locations"][0]["physicalLocation"];
        let artifact = &location["artifactLocation"];
        let uri = artifact["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && !uri.starts_with("file:") && !uri.contains(':'),
            "result {i}: uri {uri} must be relative"
        );
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "result {i}");
        let region = &location["region"];
        let n = |k: &str| {
            region[k]
                .as_u64()
                .unwrap_or_else(|| panic!("result {i}: region.{k}"))
        };
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(n(k) >= 1, "result {i}: region.{k} = {}", n(k));
        }
        assert!(
            (n("endLine"), n("endColumn")) > (n("startLine"), n("startColumn")),
            "result {i}: region ends after it starts: {region}"
        );
        let fp = fingerprint(result);
        assert!(!fp.is_empty(), "result {i}: fingerprint");
        assert!(
            fingerprints.insert(fp.to_string()),
            "result {i}: fingerprint {fp} is shared with another result; GitHub would merge the alerts"
        );
    }
}

/// `%SRCROOT%` names the scanned directory however it is spelled.
#[test]
fn srcroot_is_the_scanned_directory() {
    let tmp = sample_tree();
    let manifests = tmp.path().join("manifests");
    let want = dir_uri(&manifests);
    for (cwd, arg) in [
        (tmp.path().to_path_buf(), "manifests"),
        (tmp.path().to_path_buf(), "manifests/"),
        (tmp.path().to_path_buf(), "./manifests"),
        (manifests.clone(), "."),
    ] {
        let log = sarif(&cwd, &[arg]);
        let run = only_run(&log);
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"], want,
            "scanning {arg:?}"
        );
        assert_eq!(
            uri_of(&run["results"][0]),
            "broken.yaml",
            "scanning {arg:?}"
        );
    }
    // No directory argument (stdin only): the working directory.
    let run = run_in(&manifests, ["-", "--format", "sarif"], Some(b"a: 1\n"));
    assert_eq!(
        only_run(&run.json())["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        want
    );
}

/// Regions are 1-based and columns count Unicode code points (`columnKind`).
#[test]
fn regions_use_unicode_code_point_columns() {
    let tmp = tempdir();
    let line = "  - {name: \"wéb-ü\", image: \"nginx:latest\"}";
    write_files(
        tmp.path(),
        &[(
            "pod.yaml",
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n{line}\n"
            ),
        )],
    );
    let log = sarif(tmp.path(), &[".", "--rule", "K8S010"]);
    assert_eq!(only_run(&log)["columnKind"], "unicodeCodePoints");
    let results = results(&log);
    assert_eq!(results.len(), 1, "{}", pretty(&log));
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    // The region runs from the key `image` to the end of its value, in code points.
    let key = line.find("image").expect("key");
    let end = line.find("latest\"").expect("value") + "latest\"".len();
    let start_col = line[..key].chars().count() + 1;
    let end_col = line[..end].chars().count() + 1;
    assert_ne!(
        start_col,
        key + 1,
        "the line has multi-byte characters before the finding"
    );
    assert_eq!(region["startLine"], 7);
    assert_eq!(region["startColumn"], start_col as u64);
    assert_eq!(region["endLine"], 7);
    assert_eq!(region["endColumn"], end_col as u64);
}

/// Inserting unrelated lines moves results but keeps their fingerprints, so
/// GitHub does not close and reopen alerts.
#[test]
fn fingerprints_survive_inserted_lines() {
    let tmp = sample_tree();
    let before = sarif(tmp.path(), &["manifests"]);
    let edited = ["workloads.yaml", "broken.yaml", "jobs/cleanup.yaml"];
    for rel in edited {
        let path = tmp.path().join("manifests").join(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        let header: String = (1..=5)
            .map(|i| format!("# unrelated comment {i}\n"))
            .collect();
        std::fs::write(&path, header + &text).expect("write");
    }
    let after = sarif(tmp.path(), &["manifests"]);

    let index = |log: &Value| -> BTreeMap<String, (String, String, u64)> {
        let mut map = BTreeMap::new();
        for r in results(log) {
            let key = fingerprint(r).to_string();
            let value = (
                r["ruleId"].as_str().expect("ruleId").to_string(),
                uri_of(r).to_string(),
                start_line(r),
            );
            assert!(
                map.insert(key, value).is_none(),
                "duplicate fingerprint in\n{}",
                pretty(log)
            );
        }
        map
    };
    let before = index(&before);
    let after = index(&after);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same fingerprints before and after the edit"
    );
    let mut moved = 0;
    let mut moved_baseline = 0;
    for (fp, (rule, uri, line)) in &before {
        let (rule2, uri2, line2) = &after[fp];
        assert_eq!(
            (rule, uri),
            (rule2, uri2),
            "fingerprint {fp} names the same result"
        );
        if edited.contains(&uri.as_str()) {
            assert_eq!(*line2, line + 5, "{rule} in {uri} moved down by 5 lines");
            moved += 1;
            if BASELINE_RULES.contains(&rule.as_str()) {
                moved_baseline += 1;
            }
        } else {
            assert_eq!(line2, line, "{rule} in {uri} did not move");
        }
    }
    assert_eq!(
        moved_baseline, 15,
        "baseline results in the edited files (13 + 1 + 1)"
    );
    assert!(moved >= moved_baseline);
}
