//! Settings of the AWS rules, set the way users set them: `.infra-lint.yaml`.

mod support;

use support::{rule_file_line, run_in, tempdir, write_files};

const CLUSTER: &str = r#"
resource "aws_eks_cluster" "main" {
  name                      = "production"
  role_arn                  = "arn:aws:iam::123456789012:role/eks-cluster"
  version                   = "1.29"
  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  vpc_config {
    subnet_ids             = ["subnet-0a1b2c3d"]
    endpoint_public_access = false
  }
}

resource "aws_eks_node_group" "general" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "general"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-node"
  subnet_ids      = ["subnet-0a1b2c3d"]

  scaling_config {
    min_size     = 3
    desired_size = 3
    max_size     = 6
  }
}
"#;

/// The JSON report of `rules` on a `main.tf` holding `tf`, with `config`
/// as `.infra-lint.yaml` when given.
fn scan(tf: &str, config: Option<&str>, rules: &[&str]) -> serde_json::Value {
    let tmp = tempdir();
    write_files(tmp.path(), &[("main.tf", tf)]);
    if let Some(c) = config {
        write_files(tmp.path(), &[(".infra-lint.yaml", c)]);
    }
    let mut args = vec!["."];
    for rule in rules {
        args.extend(["--rule", rule]);
    }
    args.extend(["--format", "json"]);
    let run = run_in(tmp.path(), args, None);
    assert!(run.code() <= 1, "{}", run.stderr);
    run.json()
}

/// (rule, line) of the findings of AWS041, AWS043 and AWS044 on `main.tf`.
fn findings(config: Option<&str>) -> Vec<(String, u64)> {
    rule_file_line(&scan(CLUSTER, config, &["AWS041", "AWS043", "AWS044"]))
        .into_iter()
        .map(|(rule, _, line)| (rule, line))
        .collect()
}

#[test]
fn defaults_pass_a_compliant_cluster() {
    assert_eq!(findings(None), Vec::<(String, u64)>::new());
}

#[test]
fn stricter_settings_report() {
    let config = "rules:\n  AWS041:\n    settings:\n      required_log_types: [api, audit, authenticator, controllerManager, scheduler]\n  AWS043:\n    settings:\n      min_size: 4\n  AWS044:\n    settings:\n      min_version: \"1.30\"\n";
    let mut got = findings(Some(config));
    got.sort();
    assert_eq!(
        got,
        [
            ("AWS041".to_string(), 6),
            ("AWS043".to_string(), 21),
            ("AWS044".to_string(), 5),
        ]
    );
}

const TAGGED: &str = r#"
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  tags = {
    environment = "production"
    owner       = "platform"
    cost_center = "CC-1042"
  }
}
"#;

/// (line, message) of the AWS071 findings on `main.tf` holding `TAGGED`.
fn tag_findings(config: Option<&str>) -> Vec<(u64, String)> {
    scan(TAGGED, config, &["AWS071"])["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().expect("line"),
                f["message"].as_str().expect("message").to_string(),
            )
        })
        .collect()
}

#[test]
fn tag_keys_match_loosely_unless_exact_case() {
    // cost_center satisfies CostCenter, environment Environment.
    assert_eq!(tag_findings(None), Vec::<(u64, String)>::new());
    let exact = "rules:\n  AWS071:\n    settings:\n      exact_case: true\n";
    assert_eq!(
        tag_findings(Some(exact)),
        [(
            4,
            "aws_sqs_queue.jobs lacks the required tags Environment, Owner, CostCenter".to_string()
        )]
    );
    let custom = "rules:\n  AWS071:\n    settings:\n      required_tags: [Owner, Team]\n";
    assert_eq!(
        tag_findings(Some(custom)),
        [(
            4,
            "aws_sqs_queue.jobs lacks the required tag Team".to_string()
        )]
    );
}
