//! Suppressions in Terraform: `#` and `//` comments on the line, above it,
//! above a resource or nested block header, and above a `module` call.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn scan(rules: &[&str]) -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/suppress_tf");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_infra-lint"));
    cmd.current_dir(&dir)
        .args([".", "--format", "json", "--policy", "policies"]);
    for r in rules {
        cmd.args(["--rule", r]);
    }
    let out = cmd.output().expect("runs");
    serde_json::from_slice(&out.stdout).expect("json")
}

/// (file, line, resource, suppressed) of every finding.
fn outcomes(report: &Value) -> Vec<(String, u64, String, bool)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["resource"].as_str().unwrap_or_default().to_string(),
                !f["suppression"].is_null(),
            )
        })
        .collect()
}

#[test]
fn comment_placements_and_module_calls() {
    let report = scan(&["AWS001"]);
    let got = outcomes(&report);
    let want = vec![
        // Above the resource header: the whole resource.
        (
            "main.tf".to_string(),
            2,
            "aws_db_instance.legacy".to_string(),
            true,
        ),
        // Trailing `#` on the offending line.
        (
            "main.tf".to_string(),
            8,
            "aws_db_instance.trailing".to_string(),
            true,
        ),
        // `//` on the line above.
        (
            "main.tf".to_string(),
            14,
            "aws_db_instance.above".to_string(),
            true,
        ),
        // Inside a module: only the instance whose call carries the directive.
        (
            "modules/db/main.tf".to_string(),
            4,
            "module.orders.aws_db_instance.this".to_string(),
            false,
        ),
        (
            "modules/db/main.tf".to_string(),
            4,
            "module.reporting.aws_db_instance.this".to_string(),
            true,
        ),
    ];
    assert_eq!(got, want);
    let reporting = &report["findings"][4];
    assert_eq!(
        reporting["suppression"]["justification"],
        "reporting module is encrypted by the account default"
    );
    assert_eq!(reporting["suppression"]["kind"], "inSource");
}

#[test]
fn directive_above_a_nested_block_covers_only_that_block() {
    let got = outcomes(&scan(&["TEST001"]));
    assert_eq!(
        got,
        vec![
            (
                "main.tf".to_string(),
                32,
                "aws_s3_bucket.archive".to_string(),
                true
            ),
            (
                "main.tf".to_string(),
                39,
                "aws_s3_bucket.media".to_string(),
                false
            ),
        ]
    );
}
