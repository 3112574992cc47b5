//! CloudWatch Logs rules: AWS070 log-group-retention.

use super::{attr, number, path};
use crate::model::{Platform, Resource};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static LOG_GROUP_RETENTION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS070",
        slug: "log-group-retention",
        title: "CloudWatch log groups set a retention and a KMS key",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "003 Logging (retention); 004 CloudWatch Integration",
        tags: &["security", "cost", "terraform", "aws", "cloudwatch", "logging", "encryption"],
        rationale: "A log group without `retention_in_days` (or with 0) keeps every event forever: storage cost grows without bound and personal data outlives any retention policy. Without `kms_key_id` the logs are encrypted with a key AWS owns, so access cannot be restricted or audited through a key policy, and the key cannot be revoked.",
        help: "Set `retention_in_days` to the retention the data needs and `kms_key_id` to a customer-managed key whose policy allows the `logs.<region>.amazonaws.com` principal.\n\n**Bad**\n\n```hcl\nresource \"aws_cloudwatch_log_group\" \"app\" {\n  name = \"/ecs/app\"\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_cloudwatch_log_group\" \"app\" {\n  name              = \"/ecs/app\"\n  retention_in_days = 90\n  kms_key_id        = aws_kms_key.logs.arn\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["aws_cloudwatch_log_group"]),
    },
    check: Check::Native(log_group_retention),
};

/// AWS070. Two independent findings: `retention_in_days` unset or 0 (never
/// expire), and `kms_key_id` unset. Unknown values pass.
///
/// Location: `retention_in_days` when written as 0, else the header; the
/// header for the missing key.
fn log_group_retention(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let retention = attr(r, "retention_in_days");
    match number(retention) {
        Ok(None) => out.push(Hit::new(
            path(&["retention_in_days"]),
            format!(
                "{} sets no retention_in_days: its events never expire",
                r.address
            ),
        )),
        Ok(Some(0.0)) => out.push(Hit::new(
            path(&["retention_in_days"]),
            format!(
                "{} sets retention_in_days = 0: its events never expire",
                r.address
            ),
        )),
        Ok(Some(_)) | Err(()) => {}
    }
    let key = attr(r, "kms_key_id");
    // An empty string is how modules often say "no key".
    let empty = key
        .and_then(|k| k.as_str())
        .is_some_and(|k| k.trim().is_empty());
    if key.is_none() || empty {
        out.push(Hit::new(
            path(&["kms_key_id"]),
            format!(
                "{} sets no kms_key_id: its events are encrypted with an AWS-owned key only",
                r.address
            ),
        ));
    }
}
