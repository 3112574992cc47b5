//! Living with infra-lint in CI: baselines, SARIF categories and the result
//! cap, pre-commit's file-list mode, `explain`, and the integration files
//! (`.pre-commit-hooks.yaml`, `action.yml`).

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;
use support::{data_dir, findings, pretty, run_in, run_with_env, tempdir, write_files, Run};

fn run(cwd: &Path, args: &[&str]) -> Run {
    run_in(cwd, args, None)
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(data_dir().join("sarif-schema-2.1.0.json")).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let errors: Vec<String> = sarif_validator()
        .iter_errors(log)
        .take(20)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// A Deployment with several findings (root, no limits, no probes, latest).
const WORKLOAD: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:latest
        securityContext:
          runAsUser: 0
      - name: sidecar
        image: envoyproxy/envoy:v1.29.1
";

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_survives_inserted_lines_and_catches_a_new_violation() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("k8s/api.yaml", WORKLOAD),
            (
                "k8s/broken.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata: [\n",
            ),
        ],
    );
    let r = run(
        tmp.path(),
        &["baseline", "k8s", "-o", ".infra-lint-baseline.json"],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join(".infra-lint-baseline.json")).expect("baseline"),
    )
    .expect("baseline is JSON");
    let recorded = baseline["findings"].as_array().expect("findings").len();
    assert!(recorded >= 8, "{}", pretty(&baseline));
    assert!(
        r.stderr
            .contains(&format!("recorded {recorded} finding(s)")),
        "{}",
        r.stderr
    );
    assert!(
        !baseline.to_string().contains("\"line\""),
        "a baseline never records lines"
    );

    // Without the baseline the scan fails; with it, it passes.
    assert_eq!(run(tmp.path(), &["k8s"]).code(), 1);
    let with = |args: &[&str]| {
        let mut all = vec![
            "k8s",
            "--baseline",
            ".infra-lint-baseline.json",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let r = run(tmp.path(), &all);
        (r.code(), r.json())
    };
    let (code, report) = with(&[]);
    assert_eq!(code, 0, "{}", pretty(&report));
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(
        report["summary"]["suppressed"].as_u64(),
        Some(recorded as u64)
    );

    // 20 comment lines on top of the file move every finding down.
    let comments: String = (1..=20).map(|i| format!("# comment {i}\n")).collect();
    write_files(
        tmp.path(),
        &[("k8s/api.yaml", &format!("{comments}{WORKLOAD}"))],
    );
    let (code, report) = with(&[]);
    assert_eq!(code, 0, "{}", pretty(&report));
    assert_eq!(report["summary"]["findings"], 0, "{}", pretty(&report));
    assert!(findings(&report)
        .iter()
        .all(|f| f["suppression"]["kind"] == "external"
            && f["suppression"]["justification"]
                .as_str()
                .is_some_and(|j| j.contains(".infra-lint-baseline.json"))));

    // One real violation more: exactly one unsuppressed finding.
    let worse = format!("{comments}{WORKLOAD}").replace(
        "image: envoyproxy/envoy:v1.29.1",
        "image: envoyproxy/envoy:v1.29.1\n        securityContext:\n          privileged: true",
    );
    write_files(tmp.path(), &[("k8s/api.yaml", &worse)]);
    let (code, report) = with(&[]);
    let fresh: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["suppression"].is_null())
        .collect();
    assert_eq!(fresh.len(), 1, "{}", pretty(&report));
    assert_eq!(fresh[0]["rule_id"], "K8S005");
    assert_eq!(code, 1);

    // SARIF marks baseline findings as external suppressions.
    let r = run(
        tmp.path(),
        &[
            "k8s",
            "--baseline",
            ".infra-lint-baseline.json",
            "--format",
            "sarif",
        ],
    );
    let log = r.json();
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    let unsuppressed = results
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .count();
    assert_eq!(unsuppressed, 1);
    assert!(results
        .iter()
        .filter_map(|r| r.get("suppressions"))
        .all(|s| s[0]["kind"] == "external"));
}

#[test]
fn baseline_needs_an_output_file_and_a_readable_input() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[("api.yaml", WORKLOAD), ("junk.json", "{\"x\": 1}")],
    );
    let r = run(tmp.path(), &["baseline", "."]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr.contains("-o FILE"), "{}", r.stderr);
    let r = run(tmp.path(), &[".", "--baseline", "missing.json"]);
    assert_eq!(r.code(), 2);
    let r = run(tmp.path(), &[".", "--baseline", "junk.json"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr.contains("not a baseline"), "{}", r.stderr);
}

// ------------------------------------------------------------------- SARIF

#[test]
fn sarif_category_and_fingerprints() {
    let tmp = tempdir();
    write_files(tmp.path(), &[("k8s/api.yaml", WORKLOAD)]);
    let r = run(
        tmp.path(),
        &["k8s", "--format", "sarif", "--sarif-category", "k8s-prod"],
    );
    assert_eq!(r.code(), 1, "{}", r.stderr);
    let log = r.json();
    assert_valid_sarif(&log);
    let run0 = &log["runs"][0];
    assert_eq!(run0["automationDetails"]["id"], "infra-lint/k8s-prod/");
    let results = run0["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut seen = BTreeSet::new();
    for result in results {
        let fp = result["partialFingerprints"]["infraLint/v1"]
            .as_str()
            .unwrap_or_else(|| panic!("partialFingerprints: {}", pretty(result)));
        assert_eq!(fp.len(), 16);
        assert!(seen.insert(fp.to_string()), "fingerprints are distinct");
    }
    // Slashes around the name are normalised; no category, no automationDetails.
    let r = run(
        tmp.path(),
        &["k8s", "--format", "sarif", "--sarif-category", "/helm/"],
    );
    assert_eq!(
        r.json()["runs"][0]["automationDetails"]["id"],
        "infra-lint/helm/"
    );
    let r = run(tmp.path(), &["k8s", "--format", "sarif"]);
    assert!(r.json()["runs"][0].get("automationDetails").is_none());
}

/// `files` YAML files of `pods` Pods with `containers` containers each, every
/// container missing everything a container should have.
fn generate_load(dir: &Path, files: usize, pods: usize, containers: usize) {
    for f in 0..files {
        let mut text = String::new();
        for p in 0..pods {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{f}-{p}\n  namespace: load\nspec:\n  containers:\n"
            ));
            for c in 0..containers {
                text.push_str(&format!("  - name: c{c}\n    image: app\n"));
            }
        }
        std::fs::write(dir.join(format!("pods-{f}.yaml")), text).expect("write");
    }
}

#[test]
fn sarif_keeps_the_25000_most_severe_results() {
    let tmp = tempdir();
    // 3 files × 10 pods × 100 containers × 9 findings + 2 namespace findings.
    generate_load(tmp.path(), 3, 10, 100);
    let started = Instant::now();
    let full = run(tmp.path(), &[".", "--format", "json", "--fail-on", "never"]);
    let report = full.json();
    let total = findings(&report).len();
    assert!(total > 26_000, "{total} findings");
    let levels = |level: &str| {
        findings(&report)
            .iter()
            .filter(|f| f["level"] == level)
            .count()
    };
    let (errors, warnings, notes) = (levels("error"), levels("warning"), levels("note"));
    assert!(errors < 25_000 && errors + warnings > 25_000 && notes > 0);

    let r = run(
        tmp.path(),
        &[".", "--format", "sarif", "--fail-on", "never"],
    );
    assert_eq!(r.code(), 0);
    assert!(
        r.stderr.contains(&format!(
            "{total} findings exceed GitHub's limit of 25000 SARIF results"
        )),
        "{}",
        r.stderr
    );
    let log = r.json();
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 90, "two scans took {elapsed:?}");
    let run0 = &log["runs"][0];
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 25_000);
    let kept = |level: &str| results.iter().filter(|r| r["level"] == level).count();
    assert_eq!(kept("error"), errors, "every error is kept");
    assert_eq!(kept("warning"), 25_000 - errors);
    assert_eq!(kept("note"), 0, "notes go first");

    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("toolExecutionNotifications");
    assert!(
        notes.iter().any(|n| {
            let text = n["message"]["text"].as_str().unwrap_or_default();
            text.contains("25000") && text.contains(&format!("{}", total - 25_000))
        }),
        "{}",
        pretty(&Value::Array(notes.clone()))
    );

    // The rules array is exactly the rules of the kept results, indexed right.
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    let used: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    assert_eq!(rule_ids.iter().copied().collect::<BTreeSet<_>>(), used);
    assert_eq!(rule_ids.len(), used.len(), "no duplicates");
    assert!(!used.contains("K8S017"), "the only note's rule is gone");
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    assert_valid_sarif(&log);
}

// -------------------------------------------------------------- pre-commit

/// A tree where cross-resource rules need other files: the PodDisruptionBudget,
/// NetworkPolicy and ResourceQuota of namespace `shop` are in sibling files.
fn cross_resource_tree() -> tempfile::TempDir {
    let tmp = tempdir();
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: {name}\n        image: shop/{name}:1.0.0\n"
        )
    };
    write_files(
        tmp.path(),
        &[
            ("k8s/web.yaml", &deployment("web")),
            ("k8s/api.yaml", &deployment("api")),
            (
                "k8s/pdb.yaml",
                "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels: {app: web}\n",
            ),
            (
                "k8s/netpol.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
            ),
            ("k8s/broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n"),
            (
                "other/job.yaml",
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\nspec:\n  template:\n    spec:\n      containers:\n      - name: once\n        image: busybox\n",
            ),
            (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
        ],
    );
    tmp
}

/// A finding as a comparable tuple: (rule, file, line, column, message, suppressed).
type Finding = (String, String, u64, u64, String, bool);

fn tuples(report: &Value) -> Vec<Finding> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule").to_string(),
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_u64().expect("line"),
                f["column"].as_u64().expect("column"),
                f["message"].as_str().expect("message").to_string(),
                !f["suppression"].is_null(),
            )
        })
        .collect()
}

/// Scan the `listed` files as pre-commit does (expecting findings), and
/// return that report with the findings `full` holds for those files.
fn scan_listed(cwd: &Path, listed: &[&str], full: &Value) -> (Value, Vec<Finding>) {
    let mut args = listed.to_vec();
    args.extend(["--format", "json"]);
    let r = run(cwd, &args);
    assert_eq!(r.code(), 1, "{}", r.stderr);
    let expected = tuples(full)
        .into_iter()
        .filter(|t| listed.contains(&t.1.as_str()))
        .collect();
    (r.json(), expected)
}

#[test]
fn file_list_mode_reports_what_a_full_scan_reports_for_those_files() {
    let tmp = cross_resource_tree();
    let full = run(tmp.path(), &[".", "--format", "json"]);
    let full = full.json();
    // What pre-commit passes: the changed files, relative to the repository root
    // (the PodDisruptionBudget's file did not change and is not listed).
    let listed = ["k8s/web.yaml", "k8s/api.yaml", ".github/workflows/ci.yml"];
    let (partial, expected) = scan_listed(tmp.path(), &listed, &full);
    assert_eq!(
        tuples(&partial),
        expected,
        "file list:\n{}\nfull scan:\n{}",
        pretty(&partial),
        pretty(&full)
    );
    let k8s013: Vec<String> = tuples(&partial)
        .into_iter()
        .filter(|t| t.0 == "K8S013")
        .map(|t| t.1)
        .collect();
    assert_eq!(
        k8s013,
        vec!["k8s/api.yaml".to_string()],
        "web's PDB is in an unlisted sibling file; api has none"
    );
    assert_eq!(
        partial["summary"]["files_scanned"], 2,
        "context files are not counted"
    );
    assert_eq!(partial["summary"]["resources"], 2);
    assert!(
        !tuples(&partial).iter().any(|t| t.1 == "k8s/broken.yaml"),
        "a broken context file is not reported"
    );

    // --no-context scans the files alone: web has no PDB then.
    let mut alone = listed.to_vec();
    alone.extend(["--format", "json", "--no-context"]);
    let alone = run(tmp.path(), &alone).json();
    assert!(
        tuples(&alone)
            .iter()
            .any(|t| t.0 == "K8S013" && t.1 == "k8s/web.yaml"),
        "{}",
        pretty(&alone)
    );
}

/// A namespace-level finding (no default-deny NetworkPolicy, no
/// ResourceQuota) is carried by one workload of the namespace. When a file
/// is named, its workload carries it, not the first one of an unlisted
/// context file, where it would be dropped and the namespace's problem go
/// unreported.
#[test]
fn file_list_mode_keeps_namespace_findings_in_the_named_file() {
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: {name}\n          image: nginx:1.27\n"
        )
    };
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("k8s/a.yaml", &deployment("a")),
            ("k8s/b.yaml", &deployment("b")),
        ],
    );
    let namespace_rules = |listed: &str| -> BTreeSet<(String, String, u64)> {
        let r = run(
            tmp.path(),
            &[listed, "--format", "json", "--fail-on", "never"],
        );
        findings(&r.json())
            .iter()
            .filter(|f| f["rule_id"] == "K8S016" || f["rule_id"] == "K8S017")
            .map(|f| {
                (
                    f["rule_id"].as_str().expect("id").to_string(),
                    f["file"].as_str().expect("file").to_string(),
                    f["line"].as_u64().expect("line"),
                )
            })
            .collect()
    };
    let at = |file: &str, line: u64| -> BTreeSet<(String, String, u64)> {
        ["K8S016", "K8S017"]
            .iter()
            .map(|id| (id.to_string(), file.to_string(), line))
            .collect()
    };
    assert_eq!(namespace_rules("k8s/b.yaml"), at("k8s/b.yaml", 1));
    assert_eq!(namespace_rules("k8s/a.yaml"), at("k8s/a.yaml", 1));
    // A scan of the folder names its files relative to it.
    assert_eq!(namespace_rules("k8s"), at("a.yaml", 1));
    // A Namespace object in an unlisted file hands the finding to the named workload.
    write_files(tmp.path(), &[("k8s/0-namespace.yaml", namespace)]);
    assert_eq!(namespace_rules("k8s/b.yaml"), at("k8s/b.yaml", 1));
    assert_eq!(namespace_rules("k8s"), at("0-namespace.yaml", 1));
}

/// pre-commit passes one changed `.tf` file: its whole module directory (and
/// the modules it calls) is evaluated, so companions in unlisted sibling
/// files and variables from unlisted files count, as in a full scan.
#[test]
fn file_list_mode_evaluates_the_whole_terraform_module() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            (
                "infra/main.tf",
                "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-logs\"\n}\n\nresource \"aws_s3_bucket\" \"data\" {\n  bucket = \"acme-data\"\n}\n\nmodule \"db\" {\n  source    = \"./modules/db\"\n  encrypted = var.encrypt_db\n}\n",
            ),
            (
                "infra/versioning.tf",
                "resource \"aws_s3_bucket_versioning\" \"logs\" {\n  bucket = aws_s3_bucket.logs.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n",
            ),
            (
                "infra/variables.tf",
                "variable \"encrypt_db\" {\n  type    = bool\n  default = false\n}\n",
            ),
            (
                "infra/modules/db/main.tf",
                "variable \"encrypted\" {\n  type = bool\n}\n\nresource \"aws_db_instance\" \"this\" {\n  engine            = \"postgres\"\n  instance_class    = \"db.t3.micro\"\n  storage_encrypted = var.encrypted\n}\n",
            ),
        ],
    );
    let full = run(tmp.path(), &[".", "--format", "json"]).json();
    for listed in [
        vec!["infra/main.tf"],
        vec!["infra/modules/db/main.tf"],
        vec!["infra/main.tf", "infra/variables.tf"],
    ] {
        let (partial, expected) = scan_listed(tmp.path(), &listed, &full);
        assert!(!expected.is_empty(), "{listed:?}: {}", pretty(&full));
        assert_eq!(
            tuples(&partial),
            expected,
            "{listed:?}:\n{}\nfull scan:\n{}",
            pretty(&partial),
            pretty(&full)
        );
    }
    let versioning: Vec<_> = tuples(&full)
        .into_iter()
        .filter(|t| t.0 == "AWS021")
        .map(|t| (t.1, t.2))
        .collect();
    assert_eq!(
        versioning,
        [("infra/main.tf".to_string(), 5)],
        "only the bucket without a versioning companion"
    );
    let encryption: Vec<_> = tuples(&full)
        .into_iter()
        .filter(|t| t.0 == "AWS001")
        .map(|t| (t.1, t.2))
        .collect();
    assert_eq!(
        encryption,
        [("infra/modules/db/main.tf".to_string(), 8)],
        "the variable's default flows into the module"
    );
}

/// pre-commit passes a changed kustomize patch: the kustomization naming it
/// sits a folder above, outside the listed files' folders, and still makes
/// it a patch, as in a full scan: only the value it writes is checked (its
/// `:latest` image), not what it leaves out.
#[test]
fn file_list_mode_knows_patches_of_kustomizations_above() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            (
                "deploy/base/kustomization.yaml",
                "resources:\n- web.yaml\npatches:\n- path: overlays/web-ha.yaml\n",
            ),
            (
                "deploy/base/web.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: shop/web\n",
            ),
            (
                "apps/api.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n  - name: api\n    image: shop/api\n",
            ),
            (
                "deploy/base/overlays/web-ha.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: shop/web:latest\n",
            ),
        ],
    );
    let full = run(tmp.path(), &[".", "--format", "json"]).json();
    // Not `deploy/base/web.yaml`: its folder would bring the kustomization in.
    let listed = ["deploy/base/overlays/web-ha.yaml", "apps/api.yaml"];
    let (partial, expected) = scan_listed(tmp.path(), &listed, &full);
    assert!(
        expected
            .iter()
            .all(|t| t.1 == "apps/api.yaml" || (t.1 == listed[0] && t.0 == "K8S010")),
        "the patch has only its image's finding: {}",
        pretty(&full)
    );
    assert!(
        expected.iter().any(|t| t.1 == listed[0]),
        "{}",
        pretty(&full)
    );
    assert_eq!(
        tuples(&partial),
        expected,
        "file list:\n{}\nfull scan:\n{}",
        pretty(&partial),
        pretty(&full)
    );
}

/// Scanning one folder of a kustomize layout: a patch folder's files are
/// still patches (the kustomization naming them is above the scan), and an
/// overlay whose base is outside the scan says so instead of passing
/// silently with nothing scanned.
#[test]
fn kustomize_folders_scanned_alone() {
    let tmp = tempdir();
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: shop/web\n";
    write_files(
        tmp.path(),
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("base/kustomization.yaml", "resources:\n- web.yaml\n"),
            ("base/web.yaml", deployment),
            (
                "overlays/prod/kustomization.yaml",
                "resources:\n- ../../base\npatches:\n- path: patches/web.yaml\n",
            ),
            (
                "overlays/prod/patches/web.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
            ),
        ],
    );
    let scan = |dir: &str| -> Value {
        let r = run(tmp.path(), &[dir, "--format", "json", "--fail-on", "never"]);
        assert_eq!(r.code(), 0, "{}", r.stderr);
        r.json()
    };
    let patches = scan("overlays/prod/patches");
    assert!(findings(&patches).is_empty(), "{}", pretty(&patches));
    let overlay = scan("overlays");
    assert!(findings(&overlay).is_empty(), "{}", pretty(&overlay));
    let notes: Vec<&str> = overlay["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.iter().any(|n| n
            .starts_with("prod/kustomization.yaml includes ../base, outside the scanned folder")),
        "{notes:?}"
    );
    // The whole tree: the base is scanned, and nothing is noted.
    let all = scan(".");
    assert!(!findings(&all).is_empty());
    assert!(
        all["notes"].as_array().is_none_or(|n| n.is_empty()),
        "{}",
        pretty(&all)
    );
}

#[test]
fn file_list_mode_keeps_suppressions_and_baselines() {
    let tmp = cross_resource_tree();
    let r = run(tmp.path(), &["baseline", ".", "-o", "baseline.json"]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let r = run(
        tmp.path(),
        &[
            "k8s/web.yaml",
            "k8s/api.yaml",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(r.code(), 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn pre_commit_hook_definition() {
    let text = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml at the repository root");
    let hooks: Value = yaml_serde::from_str(&text).expect("valid YAML");
    let hook = hooks
        .as_array()
        .and_then(|h| h.iter().find(|h| h["id"] == "infra-lint"))
        .unwrap_or_else(|| panic!("a hook with id infra-lint: {text}"));
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["entry"], "infra-lint");
    assert_eq!(hook["pass_filenames"], true);
    let files = regex::Regex::new(hook["files"].as_str().expect("files regex")).expect("regex");
    for name in [
        "k8s/app.yaml",
        "a.yml",
        "x/list.json",
        "main.tf",
        "vars.tf.json",
        "prod.tfvars",
    ] {
        assert!(files.is_match(name), "{name}");
    }
    for name in ["README.md", "Chart.lock", "main.tf.bak", "values.yaml.orig"] {
        assert!(!files.is_match(name), "{name}");
    }
}

#[test]
fn github_action_definition() {
    let text = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    let action: Value = yaml_serde::from_str(&text).expect("valid YAML");
    for input in ["path", "fail-on", "sarif-category", "args"] {
        assert!(
            action["inputs"].get(input).is_some(),
            "input {input}: {text}"
        );
    }
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@v3"))
        })
        .expect("an upload-sarif@v3 step");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()")),
        "the upload runs even when the gate fails"
    );
    assert!(
        text.contains("github.action_path"),
        "builds its own checkout"
    );
    assert!(text.contains("cargo install"), "installs the binary");
    let last = steps.last().expect("steps");
    assert!(
        last["run"].as_str().is_some_and(|r| r.contains("exit")),
        "the last step exits with the scan's code"
    );
}

// ----------------------------------------------------------------- explain

#[test]
fn explain_works_for_every_rule() {
    let tmp = tempdir();
    let list = run(tmp.path(), &["rules", "--format", "json"]);
    assert_eq!(list.code(), 0);
    let rules = list.json();
    let rules = rules.as_array().expect("rules");
    assert!(rules.len() > 20);
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        let slug = rule["slug"].as_str().expect("slug");
        let r = run(tmp.path(), &["explain", id]);
        assert_eq!(r.code(), 0, "explain {id}: {}", r.stderr);
        let text = &r.stdout;
        for part in [
            id,
            slug,
            rule["title"].as_str().expect("title"),
            rule["level"].as_str().expect("level"),
            rule["security_severity"]
                .as_str()
                .expect("security_severity"),
            rule["guide"].as_str().expect("guide"),
            "environments",
            "**Bad**",
            "**Good**",
            "Settings",
        ] {
            assert!(text.contains(part), "explain {id} lacks {part:?}:\n{text}");
        }
        for setting in rule["settings"].as_array().expect("settings") {
            let name = setting["name"].as_str().expect("name");
            let default = setting["default"].as_str().expect("default");
            assert!(
                text.contains(&format!("{name} (default: {default})")),
                "explain {id}: setting {name}:\n{text}"
            );
            // The help is wrapped to the terminal width: compare words, not lines.
            let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                words(text).contains(&words(setting["help"].as_str().expect("help"))),
                "explain {id}: help of {name}:\n{text}"
            );
        }
        // By slug, lower case id, and as JSON.
        assert_eq!(run(tmp.path(), &["explain", slug]).stdout, *text);
        assert_eq!(
            run(tmp.path(), &["explain", &id.to_ascii_lowercase()]).stdout,
            *text
        );
        let json = run(tmp.path(), &["explain", id, "--format", "json"]).json();
        assert_eq!(json["id"], id);
        assert_eq!(json["settings"], rule["settings"]);
    }
}

#[test]
fn explain_unknown_rule_exits_2() {
    let tmp = tempdir();
    let r = run(tmp.path(), &["explain", "K8S999"]);
    assert_eq!(r.code(), 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("unknown rule \"K8S999\"") && r.stderr.contains("infra-lint rules"),
        "{}",
        r.stderr
    );
}

#[test]
fn explain_user_policy_rules() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[(
            "policies/owner.rego",
            r#"package infralint.team.owner_label

import rego.v1

metadata := {
    "id": "TEAM001",
    "title": "Workloads carry an owner label",
    "severity": "warning",
    "description": "Someone must be paged when it breaks.",
    "help": "Add `metadata.labels.owner`.\n\n**Bad**\n\n```yaml\nmetadata: {}\n```\n\n**Good**\n\n```yaml\nmetadata:\n  labels: {owner: shop}\n```",
    "resource_types": ["Deployment"],
}

deny contains {"msg": "no owner label", "path": ["metadata", "labels"]} if {
    not input.attributes.metadata.labels.owner
}
"#,
        )],
    );
    let r = run(tmp.path(), &["explain", "TEAM001", "--policy", "policies"]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    for part in [
        "TEAM001",
        "owner-label",
        "Workloads carry an owner label",
        "Someone must be paged",
        "**Good**",
    ] {
        assert!(r.stdout.contains(part), "{part}:\n{}", r.stdout);
    }
    // Without --policy it is unknown.
    assert_eq!(run(tmp.path(), &["explain", "TEAM001"]).code(), 2);
}

// ---------------------------------------------------------------- progress

#[test]
fn no_progress_output_in_pipes_or_ci() {
    // Long enough to pass the one-second delay in a debug build on most
    // machines; stderr is a pipe here, so nothing may be drawn either way.
    let tmp = tempdir();
    generate_load(tmp.path(), 4, 10, 60);
    for ci in [None, Some("true")] {
        let r = run_with_env(
            tmp.path(),
            [".", "--format", "json", "--fail-on", "never"],
            None,
            &[("CI", ci)],
        );
        assert_eq!(r.code(), 0);
        assert!(
            !r.stderr.contains('\r') && !r.stderr.contains("infra-lint: parsing"),
            "{:?}",
            r.stderr
        );
    }
}
