//! The **Bad** and **Good** Terraform snippets in the help of the Azure and
//! Google Cloud rules are what `explain` and SARIF show users: the Good one
//! must pass its own rule and the Bad one must fail it, in production.

use infra_lint::environment::Classifier;
use infra_lint::rules::{builtin, Settings};
use infra_lint::run::select_rules;
use infra_lint::scan::{scan, ScanOptions};

/// The first ```hcl block after `marker` in `help`.
fn snippet<'a>(help: &'a str, marker: &str) -> Option<&'a str> {
    let after = &help[help.find(marker)? + marker.len()..];
    let body = &after[after.find("```hcl")? + "```hcl".len()..];
    Some(&body[..body.find("```")?])
}

/// Findings of `rule` when `hcl` is the whole of a module.
fn findings(rule: &str, hcl: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("main.tf"), hcl).expect("write main.tf");
    let opts = ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        threads: 1,
        classifier: Classifier::default(),
        rules: select_rules(&[rule.to_string()], &[]).expect("rule exists"),
        settings: Settings::default(),
        ..ScanOptions::default()
    };
    let result = scan(opts).expect("scan");
    result
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.rule_id, f.message))
        .collect()
}

#[test]
fn azure_and_gcp_help_snippets_fail_and_pass_their_rule() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in builtin() {
        let id = rule.meta.id;
        if !(id.starts_with("AZR") || id.starts_with("GCP")) {
            continue;
        }
        let help = rule.meta.help;
        let (Some(bad), Some(good)) = (snippet(help, "**Bad**"), snippet(help, "**Good**")) else {
            problems.push(format!(
                "{id}: help lacks a **Bad** or **Good** hcl snippet"
            ));
            continue;
        };
        if findings(id, bad).is_empty() {
            problems.push(format!("{id}: the Bad snippet passes"));
        }
        let good = findings(id, good);
        if !good.is_empty() {
            problems.push(format!("{id}: the Good snippet fails: {}", good.join("; ")));
        }
        checked += 1;
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    assert_eq!(checked, 14, "AZR001-006 and GCP001-008");
}
