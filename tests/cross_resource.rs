//! Cross-resource Kubernetes rules (K8S011–K8S014, K8S016, K8S017) beyond
//! what the fixture markers can say: the level of a finding by environment
//! (staging gets production rules one level lower), and relation groups
//! (`dev/` and `prod/` copies of a namespace do not cover each other).
//!
//! Which lines are reported, and which related locations a namespace-level
//! finding lists, is checked by `tests/fixtures.rs` on `fixtures/K8S0xx/`.

use std::path::{Path, PathBuf};

use infra_lint::environment::Classifier;
use infra_lint::model::Environment;
use infra_lint::rules::{Level, Settings};
use infra_lint::run::select_rules;
use infra_lint::scan::{scan, Scan, ScanOptions};

fn fixtures(rule: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rule)
}

fn scan_with(paths: Vec<PathBuf>, rule: &str, forced: Option<Environment>) -> Scan {
    let rules = select_rules(&[rule.to_string()], &[]).expect("known rule");
    scan(ScanOptions {
        paths,
        threads: 2,
        classifier: Classifier {
            forced,
            ..Classifier::default()
        },
        rules,
        settings: Settings::default(),
        ..ScanOptions::default()
    })
    .unwrap_or_else(|e| panic!("scan failed: {e}"))
}

/// (file, line, level) of every finding.
fn findings(scan: &Scan) -> Vec<(String, u32, Level)> {
    scan.findings
        .iter()
        .map(|f| {
            (
                scan.files[f.location.file as usize].display.clone(),
                f.location.span.start.line,
                f.level,
            )
        })
        .collect()
}

fn in_folder(file: &str, folder: &str) -> bool {
    file.split('/').any(|s| s == folder)
}

/// Production-only rules: warnings in production, notes in staging (one
/// level lower), nothing in development.
#[test]
fn staging_is_one_level_lower() {
    for rule in ["K8S011", "K8S012", "K8S013", "K8S014"] {
        let scan = scan_with(vec![fixtures(rule)], rule, None);
        let found = findings(&scan);
        let staging: Vec<_> = found
            .iter()
            .filter(|(f, _, _)| in_folder(f, "staging"))
            .collect();
        assert!(!staging.is_empty(), "{rule}: no finding under staging/");
        for (file, line, level) in &staging {
            assert_eq!(*level, Level::Note, "{rule} at {file}:{line} in staging");
        }
        let production: Vec<_> = found
            .iter()
            .filter(|(f, _, _)| !in_folder(f, "staging"))
            .collect();
        assert!(!production.is_empty(), "{rule}: no production finding");
        for (file, line, level) in production {
            assert_eq!(*level, Level::Warning, "{rule} at {file}:{line}");
        }
        assert!(
            !found.iter().any(|(f, _, _)| in_folder(f, "dev")),
            "{rule} must be silent under dev/: {found:?}"
        );
    }
    // K8S017 is a note already; lowering keeps it a note.
    let scan = scan_with(vec![fixtures("K8S017")], "K8S017", None);
    let found = findings(&scan);
    assert!(found.iter().any(|(f, _, _)| in_folder(f, "staging")));
    assert!(found.iter().all(|(_, _, l)| *l == Level::Note), "{found:?}");
}

/// K8S016 applies everywhere and is not lowered in staging or development.
#[test]
fn default_deny_applies_in_every_environment() {
    let scan = scan_with(vec![fixtures("K8S016")], "K8S016", None);
    let found = findings(&scan);
    assert!(found
        .iter()
        .any(|(f, _, l)| in_folder(f, "dev") && *l == Level::Warning));
    assert!(found.iter().all(|(_, _, l)| *l == Level::Warning));
}

/// `--env` overrides the path: forced to development, the prod-only rules
/// are silent even on the failing fixtures; forced to staging, they are notes.
#[test]
fn forced_environment_overrides_paths() {
    for rule in ["K8S011", "K8S013", "K8S014", "K8S017"] {
        let dev = scan_with(vec![fixtures(rule)], rule, Some(Environment::Development));
        assert!(dev.findings.is_empty(), "{rule} under --env development");
        let staging = scan_with(vec![fixtures(rule)], rule, Some(Environment::Staging));
        assert!(!staging.findings.is_empty(), "{rule} under --env staging");
        assert!(staging.findings.iter().all(|f| f.level == Level::Note));
    }
}

/// A temporary tree of manifests.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
";

const PDB_AND_QUOTA: &str = "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: shop
spec:
  hard:
    requests.cpu: \"8\"
";

/// The same namespace in `dev/` and `prod/`: the development copy's budget
/// and quota do not cover production, and the development workload (first in
/// path order) does not swallow production's namespace-level finding.
#[test]
fn environments_do_not_cover_each_other() {
    let dir = tree(&[
        ("k8s/dev/app.yaml", DEPLOYMENT),
        ("k8s/dev/policies.yaml", PDB_AND_QUOTA),
        ("k8s/prod/app.yaml", DEPLOYMENT),
    ]);
    for rule in ["K8S013", "K8S017"] {
        let scan = scan_with(vec![dir.path().to_path_buf()], rule, None);
        let found = findings(&scan);
        assert_eq!(
            found
                .iter()
                .map(|(f, l, _)| (f.as_str(), *l))
                .collect::<Vec<_>>(),
            vec![("k8s/prod/app.yaml", 1)],
            "{rule}"
        );
    }
    // Shared (no environment in the path) policies count for every environment.
    let dir = tree(&[
        ("k8s/base/policies.yaml", PDB_AND_QUOTA),
        ("k8s/prod/app.yaml", DEPLOYMENT),
        ("k8s/staging/app.yaml", DEPLOYMENT),
    ]);
    for rule in ["K8S013", "K8S017"] {
        let scan = scan_with(vec![dir.path().to_path_buf()], rule, None);
        assert!(scan.findings.is_empty(), "{rule}: {:?}", findings(&scan));
    }
    // …but production policies do not cover shared workloads.
    let dir = tree(&[
        ("k8s/app.yaml", DEPLOYMENT),
        ("k8s/prod/policies.yaml", PDB_AND_QUOTA),
    ]);
    for rule in ["K8S013", "K8S017"] {
        let scan = scan_with(vec![dir.path().to_path_buf()], rule, None);
        let found = findings(&scan);
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        assert_eq!(found[0].0, "k8s/app.yaml");
    }
}
