//! `docs/policy-input.md` against the binary, both ways: every field
//! `inspect --format json` prints (outside the free-form Kubernetes content)
//! has a row in the doc's table, and every row names a field that some
//! inspect output has; the same for `data.infralint.inventory`; the example
//! object and the worked example print what the doc says they print.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{data_dir, pretty, run_in, tempdir, write_files};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn doc() -> String {
    std::fs::read_to_string(repo().join("docs").join("policy-input.md"))
        .expect("docs/policy-input.md")
}

/// The manifests the doc's fields are checked on: a Deployment with init,
/// regular and ephemeral containers, its HPA, PDB, NetworkPolicy and
/// ResourceQuota, a Namespace and a Secret; and a Terraform bucket with its
/// versioning resource (for `input.unknown` and `input.references`).
fn manifests() -> PathBuf {
    data_dir().join("policy_input")
}

/// Where the input's content is the manifest's own: listed, not descended into.
const FREE_FORM: &[&str] = &[
    "input.attributes",
    "input.pod.spec",
    "input.pod.containers[].spec",
    "data.infralint.inventory[type][].attributes",
];

/// Every key path under `prefix` in `v`: `a.b`, `a.list[].c` for lists of
/// objects (a list of scalars is a field of its own).
fn key_paths(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = format!("{prefix}.{k}");
                out.insert(path.clone());
                if !FREE_FORM.contains(&path.as_str()) {
                    key_paths(&path, child, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter().filter(|i| i.is_object()) {
                key_paths(&format!("{prefix}[]"), item, out);
            }
        }
        _ => {}
    }
}

/// The first cells of the doc's table rows whose field starts with `root`.
fn documented(doc: &str, root: &str) -> BTreeSet<String> {
    let start = format!("| `{root}");
    doc.lines()
        .filter(|l| l.starts_with(&start))
        .filter_map(|l| l.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`').to_string())
        .collect()
}

fn inspect(dir: &Path, paths: &[&str]) -> Vec<Value> {
    let mut args = vec!["inspect", "--format", "json"];
    args.extend_from_slice(paths);
    let run = run_in(dir, &args, None);
    assert_eq!(run.code(), 0, "inspect failed:\n{}", run.stderr);
    match run.json() {
        Value::Array(items) => items,
        other => panic!("inspect prints an array, not {}", pretty(&other)),
    }
}

fn assert_same(kind: &str, printed: &BTreeSet<String>, documented: &BTreeSet<String>) {
    let undocumented: Vec<&String> = printed.difference(documented).collect();
    let stale: Vec<&String> = documented.difference(printed).collect();
    assert!(
        undocumented.is_empty() && stale.is_empty(),
        "docs/policy-input.md is out of date for {kind}:\n  printed but not documented: {undocumented:?}\n  documented but never printed: {stale:?}"
    );
}

#[test]
fn every_input_field_is_documented_and_every_documented_field_exists() {
    let objects = inspect(&repo(), &[manifests().to_str().expect("UTF-8 path")]);
    let kinds: BTreeSet<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    for kind in [
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Namespace",
        "Secret",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    // A Terraform resource with a reference and an unknown value, so the
    // Terraform-only fields are printed and checked too.
    let versioning = objects
        .iter()
        .find(|o| o["type"] == "aws_s3_bucket_versioning")
        .expect("the Terraform versioning resource");
    assert_eq!(versioning["platform"], "terraform");
    assert_eq!(
        versioning["references"],
        serde_json::json!([{"address": "aws_s3_bucket.logs", "path": ["bucket"]}])
    );
    assert_eq!(versioning["unknown"], serde_json::json!([["bucket"]]));
    let mut printed = BTreeSet::new();
    for o in &objects {
        key_paths("input", o, &mut printed);
    }
    let documented = documented(&doc(), "input.");
    assert!(
        documented.len() > 20,
        "the table was not found: {documented:?}"
    );
    assert_same("input", &printed, &documented);

    // The Deployment has every kind of container and every relation.
    let web = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("Deployment");
    let types: Vec<&str> = web["pod"]["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "initContainers",
            "containers",
            "containers",
            "ephemeralContainers"
        ]
    );
    for relation in ["hpas", "pdbs", "network_policies", "quotas"] {
        assert_eq!(
            web["related"][relation].as_array().map(Vec::len),
            Some(1),
            "{relation}: {}",
            pretty(&web["related"])
        );
    }
}

#[test]
fn the_documented_example_object_is_what_inspect_prints() {
    let doc = doc();
    let section = &doc[doc.find("## `input`").expect("input section")..];
    let block = fenced_blocks(section)
        .into_iter()
        .find(|b| b.lang == "json")
        .expect("a json example");
    let documented: Value = serde_json::from_str(&block.text).expect("the example is JSON");

    let objects = inspect(&manifests(), &["."]);
    let mut web = objects
        .into_iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("Deployment");
    // The doc elides the free-form content.
    let elided = Value::from("…");
    web["attributes"] = elided.clone();
    web["pod"]["spec"] = elided.clone();
    for c in web["pod"]["containers"].as_array_mut().expect("containers") {
        c["spec"] = elided.clone();
    }
    assert_eq!(documented, web, "printed:\n{}", pretty(&web));
}

#[test]
fn every_inventory_field_is_documented_and_every_documented_field_exists() {
    // A policy that reports the whole inventory as its message, once.
    let dir = tempdir();
    write_files(
        dir.path(),
        &[(
            "dump/dump.rego",
            "package infralint.doc.dump\n\nmetadata := {\"id\": \"DOC001\", \"title\": \"dump\", \"resource_types\": [\"Namespace\"]}\n\ndeny contains json.marshal(data.infralint.inventory) if true\n",
        )],
    );
    let policy = dir.path().join("dump");
    let run = run_in(
        &repo(),
        [
            manifests().to_str().expect("UTF-8 path"),
            "--policy",
            policy.to_str().expect("UTF-8 path"),
            "--rule",
            "DOC001",
            "--format",
            "json",
        ],
        None,
    );
    let report = run.json();
    let findings = support::findings(&report);
    assert_eq!(findings.len(), 1, "{}", pretty(&report));
    let inventory: Value = serde_json::from_str(findings[0]["message"].as_str().expect("message"))
        .expect("the message is the inventory");

    let inventory = inventory.as_object().expect("an object by type");
    let types: BTreeSet<&str> = inventory.keys().map(String::as_str).collect();
    assert!(
        types.contains("Deployment") && types.contains("Secret"),
        "{types:?}"
    );
    let mut printed = BTreeSet::new();
    for resources in inventory.values() {
        printed.insert("data.infralint.inventory[type]".to_string());
        for r in resources.as_array().expect("a list per type") {
            key_paths("data.infralint.inventory[type][]", r, &mut printed);
        }
    }
    let documented = documented(&doc(), "data.infralint.inventory");
    assert_same("data.infralint.inventory", &printed, &documented);
}

/// A fenced code block: its language and text.
struct Block {
    lang: String,
    text: String,
}

fn fenced_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => {
                current = Some(Block {
                    lang: lang.trim().to_string(),
                    text: String::new(),
                })
            }
            (Some(_), Some("")) => blocks.extend(current.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The worked example: its files are the code blocks whose first line is
/// `# path`; its `console` blocks are run (`$ infra-lint …` and `$ echo $?`)
/// and must print exactly what the doc shows.
#[test]
fn the_worked_example_prints_what_the_doc_shows() {
    let doc = doc();
    let section = &doc[doc.find("## Worked example").expect("worked example")..];
    let blocks = fenced_blocks(section);
    let dir = tempdir();
    let mut written = Vec::new();
    for b in &blocks {
        let Some(path) = b.text.lines().next().and_then(|l| l.strip_prefix("# ")) else {
            continue;
        };
        if path.ends_with(".rego") || path.ends_with(".yaml") {
            write_files(dir.path(), &[(path, b.text.as_str())]);
            written.push(path.to_string());
        }
    }
    assert_eq!(
        written,
        [
            "policies/runtime_socket.rego",
            "policies/runtime_socket_test.rego",
            "k8s/agent.yaml"
        ]
    );

    let mut commands = 0;
    for block in blocks.iter().filter(|b| b.lang == "console") {
        // Commands with the output that follows each.
        let mut steps: Vec<(String, String)> = Vec::new();
        for line in block.text.lines() {
            match line.strip_prefix("$ ") {
                Some(cmd) => steps.push((cmd.to_string(), String::new())),
                None => {
                    let (_, out) = steps.last_mut().expect("output after a command");
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        let mut last_code: Option<i32> = None;
        for (cmd, expected) in steps {
            if cmd == "echo $?" {
                let code = last_code.expect("a command before `echo $?`");
                assert_eq!(
                    expected.trim(),
                    code.to_string(),
                    "exit code of the command before"
                );
                continue;
            }
            let args: Vec<&str> = cmd
                .strip_prefix("infra-lint ")
                .unwrap_or_else(|| panic!("not an infra-lint command: {cmd}"))
                .split_whitespace()
                .collect();
            let run = run_in(dir.path(), &args, None);
            assert_eq!(
                run.stdout.trim_end(),
                expected.trim_end(),
                "`{cmd}` prints something else than the doc shows\nstderr:\n{}",
                run.stderr
            );
            last_code = Some(run.code());
            commands += 1;
        }
    }
    assert_eq!(commands, 2, "the example's commands were not found");

    // The `rules --policy` line the doc quotes.
    let listed = blocks
        .iter()
        .find(|b| b.lang.is_empty() && b.text.starts_with("ACME010"))
        .expect("the rules line");
    let run = run_in(dir.path(), ["rules", "--policy", "policies"], None);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    assert!(
        run.stdout.lines().any(|l| l == listed.text.trim_end()),
        "`infra-lint rules --policy policies` prints:\n{}",
        run.stdout
    );
}
