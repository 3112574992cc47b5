//! RDS rules: AWS001 rds-storage-encrypted, …

use super::{attr, path, truth, Tri};
use crate::model::{Platform, Resource};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static STORAGE_ENCRYPTED: Rule = Rule {
    meta: RuleMeta {
        id: "AWS001",
        slug: "rds-storage-encrypted",
        title: "RDS storage is encrypted",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 RDS Encryption; 000 Database Configuration",
        tags: &["security", "terraform", "aws", "rds", "encryption"],
        rationale: "RDS instances and Aurora clusters are created unencrypted unless `storage_encrypted = true`, and encryption cannot be turned on later without a snapshot-and-restore. Snapshots, replicas and backups inherit it.",
        help: "Set `storage_encrypted = true` (and `kms_key_id` for a customer-managed key).\n\n**Bad**\n\n```hcl\nresource \"aws_db_instance\" \"main\" {\n  engine         = \"postgres\"\n  instance_class = \"db.r6g.large\"\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_db_instance\" \"main\" {\n  engine            = \"postgres\"\n  instance_class    = \"db.r6g.large\"\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.rds.arn\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["aws_db_instance", "aws_rds_cluster"]),
    },
    check: Check::Native(storage_encrypted),
};

fn storage_encrypted(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    // A read replica inherits the source's encryption.
    if attr(r, "replicate_source_db").is_some() {
        return;
    }
    // Aurora cluster members take encryption from their cluster.
    if &*r.kind == "aws_db_instance" && attr(r, "cluster_identifier").is_some() {
        return;
    }
    let value = attr(r, "storage_encrypted");
    match truth(value) {
        Tri::Yes | Tri::Unknown => {}
        Tri::No => out.push(Hit::new(
            path(&["storage_encrypted"]),
            match value {
                Some(_) => format!("{} sets storage_encrypted = false", r.address),
                None => format!("{} does not set storage_encrypted = true (RDS storage is unencrypted by default)", r.address),
            },
        )),
    }
}
