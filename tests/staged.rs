//! The CLI's scan frees the model as soon as its rules ran: Terraform root
//! modules are evaluated, checked and freed in batches before the Kubernetes
//! files are read, texts are freed once parsed, and the rest of the model
//! before the findings are sorted. Library callers get the whole model. Both
//! must report exactly the same findings, notes and counts.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::path::{Path, PathBuf};

use infra_lint::scan::{scan, Scan, ScanOptions};

fn scan_both(paths: Vec<PathBuf>) -> (Scan, Scan) {
    let run = |early: bool| {
        scan(ScanOptions {
            paths: paths.clone(),
            threads: 2,
            free_model_early: early,
            keep_texts: !early,
            ..ScanOptions::default()
        })
        .unwrap_or_else(|e| panic!("scan failed: {e}"))
    };
    (run(true), run(false))
}

fn assert_same(early: &Scan, whole: &Scan) {
    assert!(
        early.resources.is_empty(),
        "the early scan returns no model"
    );
    assert!(!whole.resources.is_empty());
    assert_eq!(early.stats.resources, whole.stats.resources);
    assert_eq!(early.stats.rule_evaluations, whole.stats.rule_evaluations);
    assert_eq!(early.stats.files_scanned, whole.stats.files_scanned);
    assert_eq!(early.notes, whole.notes);
    assert_eq!(early.findings.len(), whole.findings.len());
    for (a, b) in early.findings.iter().zip(&whole.findings) {
        assert_eq!(a, b);
    }
}

/// Every fixture at once: hundreds of Terraform root modules (several
/// batches), cross-resource rules, Helm output; and inline directives,
/// some above module calls.
#[test]
fn fixtures_scan_the_same_staged_or_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (early, whole) = scan_both(vec![
        root.join("fixtures"),
        root.join("tests/data/suppress_tf"),
        root.join("tests/data/staged"),
    ]);
    assert!(whole.findings.len() > 500, "{}", whole.findings.len());
    let deep = whole
        .findings
        .iter()
        .find(|f| {
            f.rule_id == "AWS001"
                && whole.files[f.location.file as usize]
                    .display
                    .ends_with("staged/deep/main.tf")
        })
        .expect("AWS001 on the deep block");
    assert_eq!(deep.location.span.start.line, 7);
    assert!(
        deep.suppression.is_some(),
        "the directive above covers the block"
    );
    assert_same(&early, &whole);
}

/// The benchmark corpus: Terraform stacks with local modules beside
/// Kubernetes multi-document files.
#[test]
fn generated_corpus_scans_the_same_staged_or_whole() {
    let dir = std::env::temp_dir().join(format!("infra-lint-staged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    corpus::write(&dir, 600, corpus::DEFAULT_SEED).expect("corpus written");
    let (early, whole) = scan_both(vec![dir.clone()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(whole.findings.len() > 1000, "{}", whole.findings.len());
    assert_same(&early, &whole);
}

/// S3 bucket names are global: a bucket's versioning may be configured by
/// name in another root module. With the two roots in different batches of
/// the staged scan, the bucket must still be seen as versioned.
#[test]
fn s3_companions_by_name_count_across_batches() {
    let dir = std::env::temp_dir().join(format!("infra-lint-s3-batches-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Root modules are evaluated in sorted order, 64 to a batch: the bucket
    // is in the first and its versioning in the last of 130.
    for i in 0..130 {
        let root = dir.join(format!("stack-{i:03}"));
        std::fs::create_dir_all(&root).expect("root dir");
        let body = match i {
            0 => "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-shared-logs\"\n}\n".to_string(),
            129 => "resource \"aws_s3_bucket_versioning\" \"logs\" {\n  bucket = \"acme-shared-logs\"\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n".to_string(),
            _ => format!("resource \"aws_sqs_queue\" \"q\" {{\n  name = \"q-{i}\"\n}}\n"),
        };
        std::fs::write(root.join("main.tf"), body).expect("main.tf");
    }
    let (early, whole) = scan_both(vec![dir.clone()]);
    let _ = std::fs::remove_dir_all(&dir);
    let versioning = |s: &Scan| s.findings.iter().filter(|f| f.rule_id == "AWS021").count();
    assert_eq!(versioning(&whole), 0, "versioned by name in another root");
    assert_same(&early, &whole);
}
