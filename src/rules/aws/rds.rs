//! RDS rules: AWS001 rds-storage-encrypted, AWS002 rds-multi-az, AWS003
//! rds-backup-retention, AWS004 rds-public, AWS005 rds-deletion-protection,
//! AWS006 rds-monitoring, AWS007 rds-force-ssl.
//!
//! Shared decisions:
//! - Read replicas (`replicate_source_db`) are skipped where the source holds
//!   what the rule protects (Multi-AZ, backups, deletion protection): the
//!   replica can be recreated from it. Encryption, monitoring, public access
//!   and SSL apply to replicas too (AWS001 skips same-region ones, which
//!   inherit, and asks cross-region ones for a key of their own;
//!   AWS007 takes a replica's engine, parameter group and engine version
//!   from its source when it sets none).
//! - An `aws_db_instance` with `cluster_identifier` is an Aurora member: the
//!   cluster carries storage, backups and deletion protection.
//! - Unknown values pass. Findings point at the attribute when it is written,
//!   else at the resource header.
//! - An unresolved `terraform-aws-modules/rds` call (registry or git source,
//!   not downloaded) is read as the instance it creates: AWS001-AWS006 check
//!   its inputs, which carry the instance's argument names ([`rds_module`]).
//!
//! The helpers at the end ([`referenced`], [`named`], [`related_at`], …) are
//! shared with the other families of the same engineer (ElastiCache, secrets).

use super::vpc::of_kind;
use super::{attr, blocks, number, path, truth, Tri};
use crate::findings::Related;
use crate::model::{AttrPath, Environment, Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};
use crate::source::Location;

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
        rationale: "RDS instances and Aurora clusters are created unencrypted unless `storage_encrypted = true`, and encryption cannot be turned on later without a snapshot-and-restore. Snapshots, backups and same-region replicas inherit it; a cross-region replica is encrypted only with a KMS key of its own region.",
        help: "Set `storage_encrypted = true` (and `kms_key_id` for a customer-managed key). A read replica in another region than its source (`replicate_source_db` is an ARN) needs `kms_key_id`, a key of its own region: the provider ignores its `storage_encrypted`.\n\n**Bad**\n\n```hcl\nresource \"aws_db_instance\" \"main\" {\n  engine         = \"postgres\"\n  instance_class = \"db.r6g.large\"\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_db_instance\" \"main\" {\n  engine            = \"postgres\"\n  instance_class    = \"db.r6g.large\"\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.rds.arn\n}\n```",
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_db_instance", "aws_rds_cluster", "module"],
        ),
    },
    check: Check::Native(storage_encrypted),
};

/// AWS001. `storage_encrypted = true` (unknown passes). A read replica in
/// its source's region inherits the source's encryption and is skipped; one
/// in another region (its source named by an ARN of another region than
/// the replica's `region` argument, when that is written) is encrypted only
/// with a key of its own region: it needs `kms_key_id`, and the provider
/// ignores its `storage_encrypted`. Aurora members are skipped (the cluster
/// carries it). An Aurora Serverless v1 cluster (`engine_mode =
/// "serverless"`) is encrypted unless `storage_encrypted` is written (null
/// counts as unwritten).
///
/// Location: `storage_encrypted` when written, else the header.
fn storage_encrypted(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    // The module's storage_encrypted defaults to true.
    if &*r.kind == "module" && (!rds_module(r) || attr(r, "storage_encrypted").is_none()) {
        return;
    }
    if is_replica(r) {
        if let Some(region) = cross_region_source(r) {
            let key = attr(r, "kms_key_id");
            let has_key =
                key.is_some_and(|k| k.is_unknown() || k.as_str().is_some_and(|s| !s.is_empty()));
            if !has_key {
                out.push(Hit::new(
                    path(&["storage_encrypted"]),
                    format!(
                        "{} replicates a database of {region} in another region without kms_key_id: a cross-region replica is encrypted only with a KMS key of its own region (storage_encrypted is ignored for it)",
                        r.address
                    ),
                ));
            }
        }
        // A same-region replica inherits the source's encryption.
        return;
    }
    // Aurora cluster members take encryption from their cluster.
    if &*r.kind == "aws_db_instance" && attr(r, "cluster_identifier").is_some() {
        return;
    }
    let value = attr(r, "storage_encrypted");
    // Aurora Serverless v1 clusters are encrypted unless told otherwise.
    if value.is_none() && &*r.kind == "aws_rds_cluster" {
        // An unknown mode is most likely provisioned (Serverless v1 has
        // reached its end of life): still reported.
        if let Some(Value::Str(m)) = attr(r, "engine_mode").map(|m| &m.value) {
            if m.as_ref() == "serverless" {
                return;
            }
        }
    }
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

/// AWS002. An `aws_db_instance` needs `multi_az = true`. An Aurora cluster
/// needs at least two `aws_rds_cluster_instance`s (a writer and a reader to
/// promote) — counted after `count`/`for_each` expansion, found by reference
/// (`cluster_identifier = aws_rds_cluster.x.id`) or by a literal cluster
/// identifier in the same root module — and, when it lists
/// `availability_zones`, at least two of them. Readers that Application Auto
/// Scaling keeps (`aws_appautoscaling_target` on
/// `rds:cluster:ReadReplicaCount`, its `min_capacity`) count as instances.
/// Multi-AZ DB clusters (`db_cluster_instance_class` set) always span three
/// zones; Aurora Serverless v1 (`engine_mode = "serverless"`) and Limitless
/// (`cluster_scalability_type = "limitless"`, a shard group) have no
/// instances to count: they pass. A cluster instance whose
/// `cluster_identifier` is unknown and references nothing could belong to any
/// cluster, so clusters of its root module pass the instance count.
///
/// An instance resource whose `count`/`for_each` is unknown (one instance in
/// the model) may be any number of them: its cluster passes.
///
/// Location: `multi_az` (or the header) for instances; the cluster header for
/// too few instances, with the instances found as related locations;
/// `availability_zones` when it lists fewer than two zones.
pub static MULTI_AZ: Rule = Rule {
    meta: RuleMeta {
        id: "AWS002",
        slug: "rds-multi-az",
        title: "Production databases run in several availability zones",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::Prod,
        guide: "004 RDS Multi-AZ; 000 High Availability",
        tags: &["reliability", "terraform", "aws", "rds", "availability"],
        rationale: "A single-AZ RDS instance is down for the whole of a zone outage, a host failure or most maintenance; with `multi_az = true` RDS keeps a synchronous standby in another zone and fails over in a minute or two. An Aurora cluster fails over only to a reader: with a single instance, a failure means waiting for a replacement to be created.",
        help: r#"Set `multi_az = true` on RDS instances; give Aurora clusters at least two instances (a writer and a reader in another zone).

**Bad**

```hcl
resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.r6g.large"
}

resource "aws_rds_cluster" "catalog" {
  engine = "aurora-postgresql"
}

resource "aws_rds_cluster_instance" "catalog" {
  cluster_identifier = aws_rds_cluster.catalog.id
  instance_class     = "db.r6g.large"
}
```

**Good**

```hcl
resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = true
}

resource "aws_rds_cluster_instance" "catalog" {
  count              = 2
  cluster_identifier = aws_rds_cluster.catalog.id
  instance_class     = "db.r6g.large"
}
```"#,
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_db_instance", "aws_rds_cluster", "module"],
        ),
    },
    check: Check::Native(multi_az),
};

fn multi_az(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if other_module(r) {
        return;
    }
    if &*r.kind == "aws_rds_cluster" {
        return cluster_multi_az(ctx, r, out);
    }
    if is_replica(r) || is_cluster_member(r) {
        return;
    }
    // RDS Custom engines do not offer Multi-AZ through this argument.
    if str_value(r, "engine").is_some_and(|e| e.starts_with("custom-")) {
        return;
    }
    let value = attr(r, "multi_az");
    if truth(value) == Tri::No {
        out.push(Hit::new(
            path(&["multi_az"]),
            match value {
                Some(_) => format!(
                    "{} sets multi_az = false: it has no standby in another availability zone",
                    r.address
                ),
                None => format!(
                    "{} does not set multi_az = true: it runs in a single availability zone",
                    r.address
                ),
            },
        ));
    }
}

fn cluster_multi_az(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    // Multi-AZ DB clusters (non-Aurora) always have three instances in three zones.
    if attr(r, "db_cluster_instance_class").is_some() {
        return;
    }
    let engine = attr(r, "engine");
    match engine.map(|n| &n.value) {
        // Unset: `aurora` (MySQL-compatible).
        None => {}
        Some(Value::Str(e)) if e.starts_with("aurora") => {}
        Some(Value::Str(_)) => return,
        _ => {}
    }
    match attr(r, "engine_mode").map(|n| &n.value) {
        None => {}
        Some(Value::Str(m)) if m.as_ref() != "serverless" => {}
        // Serverless v1 has no instances; unknown modes cannot be told apart.
        Some(_) => return,
    }
    // Limitless databases run on a shard group, not on cluster instances.
    match attr(r, "cluster_scalability_type").map(|n| &n.value) {
        None => {}
        Some(Value::Str(t)) if t.as_ref() != "limitless" => {}
        Some(_) => return,
    }

    // `availability_zones` with fewer than two known zones.
    if let Some(azs) = attr(r, "availability_zones") {
        if let Value::Seq(items) = &azs.value {
            if items.iter().all(|i| matches!(i.value, Value::Str(_))) {
                let mut zones: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
                zones.sort_unstable();
                zones.dedup();
                if zones.len() < 2 {
                    out.push(Hit::new(
                        path(&["availability_zones"]),
                        format!(
                            "{} places the cluster in {} availability zone{} (availability_zones); production needs at least 2",
                            r.address,
                            zones.len(),
                            if zones.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
            }
        }
    }

    let mut instances = super::companions(ctx, r, "aws_rds_cluster_instance", "cluster_identifier");
    if let Some(name) = str_value(r, "cluster_identifier") {
        for i in named(
            ctx,
            r,
            "aws_rds_cluster_instance",
            "cluster_identifier",
            name,
        ) {
            if !instances.iter().any(|o| std::ptr::eq(*o, i)) {
                instances.push(i);
            }
        }
    }
    // Application Auto Scaling keeps at least `min_capacity` readers.
    let mut autoscaled = 0.0;
    for target in autoscaling_targets(ctx, r) {
        match number(attr(target, "min_capacity")) {
            Ok(n) => autoscaled += n.unwrap_or(0.0),
            Err(()) => return,
        }
    }
    // Instances of an unknown count may be any number.
    if instances.len() as f64 + autoscaled >= 2.0 || instances.iter().any(|i| i.count_unknown) {
        return;
    }
    // An instance whose cluster cannot be told might be one of this cluster's.
    let undecided = of_kind(ctx, r, "aws_rds_cluster_instance")
        .into_iter()
        .any(|i| {
            attr(i, "cluster_identifier").is_some_and(|n| n.is_unknown())
                && !i
                    .references
                    .iter()
                    .any(|(p, _)| starts_with_key(p, "cluster_identifier"))
        });
    if undecided {
        return;
    }
    let mut hit = Hit::new(
        AttrPath::root(),
        match instances.len() {
            0 => format!("{} has no aws_rds_cluster_instance: an Aurora cluster needs at least 2 instances (a writer and a reader in another zone) to fail over", r.address),
            n => format!("{} has {n} aws_rds_cluster_instance: an Aurora cluster needs at least 2 (a writer and a reader in another zone) to fail over", r.address),
        },
    );
    hit.related = instances
        .iter()
        .map(|i| {
            related_at(
                i,
                &AttrPath::root(),
                format!("{} is the cluster's only instance", i.address),
            )
        })
        .collect();
    out.push(hit);
}

/// The `aws_appautoscaling_target`s scaling the read replicas of cluster `r`
/// (`resource_id = "cluster:${aws_rds_cluster.x.cluster_identifier}"`, by
/// reference or literal name).
fn autoscaling_targets<'a>(ctx: &'a Ctx, r: &Resource) -> Vec<&'a Resource> {
    let literal = str_value(r, "cluster_identifier").map(|n| format!("cluster:{n}"));
    of_kind(ctx, r, "aws_appautoscaling_target")
        .into_iter()
        .filter(|t| {
            str_value(t, "scalable_dimension") == Some("rds:cluster:ReadReplicaCount")
                && (t
                    .references
                    .iter()
                    .any(|(p, a)| starts_with_key(p, "resource_id") && *a == r.address)
                    || (literal.is_some() && str_value(t, "resource_id") == literal.as_deref()))
        })
        .collect()
}

/// AWS003. `backup_retention_period` below `min_days` (7) anywhere, or below
/// `prod_min_days` (30) in production; in staging the production threshold
/// applies one level lower (a note), as for `prod` rules.
///
/// Unset: the provider sends nothing and RDS applies the API default of
/// 1 day (CreateDBInstance / CreateDBCluster `BackupRetentionPeriod`,
/// "Default: 1"; the console's 7 does not apply to Terraform), so unset fails
/// both thresholds. A restore (`snapshot_identifier`,
/// `restore_to_point_in_time`) without the argument inherits the source's
/// retention, which is unknown: it passes. Read replicas and Aurora members are
/// skipped (the source / cluster holds the backups).
///
/// Location: `backup_retention_period`, or the header when unset.
pub static BACKUP_RETENTION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS003",
        slug: "rds-backup-retention",
        title: "RDS automated backups are kept long enough",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "004 \"30-day retention period\"; 002 Backup Strategy",
        tags: &["reliability", "terraform", "aws", "rds", "backup"],
        rationale: "Automated backups are what point-in-time recovery restores from: a corruption or a bad migration noticed after the retention period cannot be undone. Without `backup_retention_period`, Terraform-created databases keep backups for 1 day; 0 disables them. The guides ask for 30 days in production and a week anywhere.",
        help: r#"Set `backup_retention_period` to 30 (the maximum is 35) in production, and to at least 7 elsewhere.

**Bad**

```hcl
resource "aws_db_instance" "orders" {
  engine                  = "postgres"
  instance_class          = "db.r6g.large"
  backup_retention_period = 1
}
```

**Good**

```hcl
resource "aws_db_instance" "orders" {
  engine                  = "postgres"
  instance_class          = "db.r6g.large"
  backup_retention_period = 30
}
```"#,
        settings: &[
            Setting {
                name: "min_days",
                default: "7",
                help: "The minimum retention in days, in every environment.",
            },
            Setting {
                name: "prod_min_days",
                default: "30",
                help: "Minimum retention in days in production (staging: a note).",
            },
        ],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_db_instance", "aws_rds_cluster", "module"],
        ),
    },
    check: Check::Native(backup_retention),
};

/// The retention RDS applies when `backup_retention_period` is not set.
const DEFAULT_RETENTION_DAYS: f64 = 1.0;

fn backup_retention(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if other_module(r) || is_replica(r) || is_cluster_member(r) {
        return;
    }
    let min = setting_f64(ctx, "min_days", 7.0);
    let prod_min = setting_f64(ctx, "prod_min_days", 30.0);
    let value = attr(r, "backup_retention_period");
    let days = match number(value) {
        Err(()) => return,
        Ok(Some(d)) => d,
        Ok(None) => {
            // A dynamic `restore_to_point_in_time` over nothing renders no
            // block: that is a fresh database, not a restore.
            let restores = attr(r, "restore_to_point_in_time")
                .is_some_and(|b| b.is_unknown() || !b.is_empty_collection());
            if attr(r, "snapshot_identifier").is_some() || restores {
                return;
            }
            DEFAULT_RETENTION_DAYS
        }
    };
    let what = match (value, days) {
        (None, _) => format!(
            "{} does not set backup_retention_period: RDS keeps automated backups for {} day",
            r.address, DEFAULT_RETENTION_DAYS
        ),
        (Some(_), d) if d <= 0.0 => format!(
            "{} sets backup_retention_period = 0: automated backups are disabled",
            r.address
        ),
        (Some(_), d) => format!(
            "{} keeps automated backups for {d} day{}",
            r.address,
            if d == 1.0 { "" } else { "s" }
        ),
    };
    if days < min {
        let required = match r.environment {
            Environment::Development => format!("at least {min} are required"),
            Environment::Staging => {
                format!("at least {min} are required ({prod_min} in production)")
            }
            Environment::Production => format!("production requires at least {prod_min}"),
        };
        out.push(Hit::new(
            path(&["backup_retention_period"]),
            format!("{what}; {required}"),
        ));
        return;
    }
    if days < prod_min && r.environment != Environment::Development {
        let mut hit = Hit::new(
            path(&["backup_retention_period"]),
            format!("{what}; production requires at least {prod_min}"),
        );
        if r.environment == Environment::Staging {
            hit.level = Some(ctx.rule.level.lowered());
        }
        out.push(hit);
    }
}

/// AWS004. `publicly_accessible = true` on an RDS instance, an Aurora cluster
/// instance or a Multi-AZ DB cluster. The default is false; unknown passes.
/// Location: the `publicly_accessible` attribute.
pub static PUBLIC: Rule = Rule {
    meta: RuleMeta {
        id: "AWS004",
        slug: "rds-public",
        title: "RDS databases are not publicly accessible",
        level: Level::Error,
        security_severity: "9.0",
        scope: Scope::All,
        guide: "004 Network Security \"Private Subnets\"",
        tags: &["security", "terraform", "aws", "rds", "network"],
        rationale: "`publicly_accessible = true` gives the database a public DNS name resolving to a public IP: only a security group then stands between the internet and the database port, and one permissive rule exposes it to credential stuffing and engine exploits. Databases belong in private database subnets, reached from the application tier or through a bastion or VPN.",
        help: r#"Remove `publicly_accessible` (it defaults to false) or set it to false, and place the database in private subnets.

**Bad**

```hcl
resource "aws_db_instance" "orders" {
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  publicly_accessible = true
}
```

**Good**

```hcl
resource "aws_db_instance" "orders" {
  engine               = "postgres"
  instance_class       = "db.r6g.large"
  publicly_accessible  = false
  db_subnet_group_name = aws_db_subnet_group.private.name
}
```"#,
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &[
                "aws_db_instance",
                "aws_rds_cluster_instance",
                "aws_rds_cluster",
                "module",
            ],
        ),
    },
    check: Check::Native(public),
};

fn public(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if other_module(r) {
        return;
    }
    if truth(attr(r, "publicly_accessible")) == Tri::Yes {
        out.push(Hit::new(
            path(&["publicly_accessible"]),
            format!(
                "{} sets publicly_accessible = true: the database gets a public address",
                r.address
            ),
        ));
    }
}

/// AWS005. `deletion_protection` not true (default false) on production RDS
/// instances and clusters; read replicas and Aurora members are skipped.
/// Location: `deletion_protection`, or the header when unset.
pub static DELETION_PROTECTION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS005",
        slug: "rds-deletion-protection",
        title: "Production databases have deletion protection",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "000 Backup and Recovery",
        tags: &["reliability", "terraform", "aws", "rds", "backup"],
        rationale: "A production database can be deleted by a mistaken `terraform destroy`, a renamed resource that forces replacement, or a console click; deleting it also deletes its automated backups unless they are retained. `deletion_protection = true` makes AWS refuse the deletion until the flag is turned off in a separate, reviewable change.",
        help: r#"Set `deletion_protection = true` on production instances and clusters.

**Bad**

```hcl
resource "aws_rds_cluster" "catalog" {
  engine = "aurora-postgresql"
}
```

**Good**

```hcl
resource "aws_rds_cluster" "catalog" {
  engine              = "aurora-postgresql"
  deletion_protection = true
}
```"#,
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_db_instance", "aws_rds_cluster", "module"],
        ),
    },
    check: Check::Native(deletion_protection),
};

fn deletion_protection(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if other_module(r) || is_replica(r) || is_cluster_member(r) {
        return;
    }
    let value = attr(r, "deletion_protection");
    if truth(value) == Tri::No {
        out.push(Hit::new(
            path(&["deletion_protection"]),
            match value {
                Some(_) => format!("{} sets deletion_protection = false", r.address),
                None => format!(
                    "{} does not set deletion_protection = true (it is off by default)",
                    r.address
                ),
            },
        ));
    }
}

/// AWS006. `performance_insights_enabled` not true, or `monitoring_interval`
/// 0 or unset (Enhanced Monitoring off), on RDS instances and Aurora cluster
/// instances (Multi-AZ DB clusters carry both at cluster level and are checked
/// as clusters; Aurora clusters are checked through their instances). An Aurora
/// instance whose cluster enables Performance Insights passes that half.
///
/// Location: each offending attribute; when both are unset, one finding at
/// the header.
pub static MONITORING: Rule = Rule {
    meta: RuleMeta {
        id: "AWS006",
        slug: "rds-monitoring",
        title: "Production databases have Performance Insights and Enhanced Monitoring",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::Prod,
        guide: "004 RDS \"Enhanced monitoring and Performance Insights\"",
        tags: &["observability", "terraform", "aws", "rds", "monitoring"],
        rationale: "CloudWatch's basic RDS metrics are per minute and come from the hypervisor: they cannot show which query, wait event or process is saturating the database. Performance Insights keeps the query and wait history an incident needs, and Enhanced Monitoring (`monitoring_interval` 1–60 seconds) shows OS-level CPU, memory and I/O.",
        help: r#"Set `performance_insights_enabled = true` and a `monitoring_interval` (with a `monitoring_role_arn`).

**Bad**

```hcl
resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.r6g.large"
}
```

**Good**

```hcl
resource "aws_db_instance" "orders" {
  engine                       = "postgres"
  instance_class               = "db.r6g.large"
  performance_insights_enabled = true
  monitoring_interval          = 30
  monitoring_role_arn          = aws_iam_role.rds_monitoring.arn
}
```"#,
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &[
                "aws_db_instance",
                "aws_rds_cluster_instance",
                "aws_rds_cluster",
                "module",
            ],
        ),
    },
    check: Check::Native(monitoring),
};

fn monitoring(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if other_module(r) {
        return;
    }
    // Aurora clusters are monitored through their instances; only Multi-AZ DB
    // clusters (non-Aurora, `db_cluster_instance_class`) carry the settings.
    if &*r.kind == "aws_rds_cluster" && attr(r, "db_cluster_instance_class").is_none() {
        return;
    }
    if is_cluster_member(r) {
        return;
    }
    let mut problems = Vec::new();
    let pi = attr(r, "performance_insights_enabled");
    let pi_off = match truth(pi) {
        Tri::Yes | Tri::Unknown => false,
        // An Aurora instance may inherit it from its cluster.
        Tri::No if &*r.kind == "aws_rds_cluster_instance" => {
            !referenced(ctx, r, "cluster_identifier", "aws_rds_cluster")
                .iter()
                .any(|c| truth(attr(c, "performance_insights_enabled")) != Tri::No)
        }
        Tri::No => true,
    };
    if pi_off {
        problems.push(Problem {
            attr: "performance_insights_enabled",
            set: pi.is_some(),
            message: match pi {
                Some(_) => "sets performance_insights_enabled = false".to_string(),
                None => "does not enable Performance Insights".to_string(),
            },
        });
    }
    let interval = attr(r, "monitoring_interval");
    if let Ok(seconds) = number(interval) {
        if seconds.unwrap_or(0.0) <= 0.0 {
            problems.push(Problem {
                attr: "monitoring_interval",
                set: interval.is_some(),
                message: match interval {
                    Some(_) => "sets monitoring_interval = 0 (Enhanced Monitoring off)".to_string(),
                    None => {
                        "does not set monitoring_interval (Enhanced Monitoring is off)".to_string()
                    }
                },
            });
        }
    }
    report(r, problems, out);
}

/// AWS007. A PostgreSQL database whose parameter group does not set
/// `rds.force_ssl = 1`: `aws_db_instance` with `engine = "postgres"`
/// (`parameter_group_name` → `aws_db_parameter_group`), and `aws_rds_cluster`
/// with `aurora-postgresql` or `postgres` (`db_cluster_parameter_group_name` →
/// `aws_rds_cluster_parameter_group`). The group is found by reference, or by
/// its literal `name` in the same root module; `parameter` blocks (including
/// `dynamic` ones) are searched for `rds.force_ssl`. A read replica without
/// a known `engine` runs its source's (see [`replica_source`]); a source
/// that cannot be found passes. A replica without a parameter group or an
/// engine version of its own has its source's ([`inherited_from`]).
///
/// - Unset or `default.*`: the default group counts as not setting it.
/// - A literal name of a group not in the scan, an unknown name, an unknown
///   parameter name or value: unknown, passes.
/// - RDS for PostgreSQL 15 and later defaults `rds.force_ssl` to 1 in its
///   default and custom groups (AWS "Requiring an SSL connection to a
///   PostgreSQL DB instance"); the rule still asks for the explicit setting,
///   which documents the requirement and survives a family change. Setting
///   `accept_engine_default = true` accepts the default for RDS PostgreSQL
///   whose major version (`engine_version`, else the group's `family`) is 15
///   or later or unset (AWS then picks a current version); Aurora's default is 0.
///
/// Location: the database's parameter group attribute (the header when
/// unset), where the group is chosen; the group itself (its header, or the
/// `parameter` block setting 0) is a related location, and so is a
/// replica's source's `engine`.
pub static FORCE_SSL: Rule = Rule {
    meta: RuleMeta {
        id: "AWS007",
        slug: "rds-force-ssl",
        title: "PostgreSQL databases require TLS connections",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "004 \"TLS in transit\"; 000 \"Encryption at rest and in transit\"",
        tags: &["security", "terraform", "aws", "rds", "encryption", "tls"],
        rationale: "PostgreSQL clients default to `sslmode=prefer`: they use TLS when offered but silently fall back to plaintext, exposing credentials and data to anyone on the path. Only the server can refuse unencrypted connections, with the parameter `rds.force_ssl = 1` in the database's parameter group. The default parameter group cannot be changed, so a custom group is needed.",
        help: r#"Attach a parameter group that sets `rds.force_ssl` to 1.

**Bad**

```hcl
resource "aws_db_instance" "orders" {
  engine         = "postgres"
  engine_version = "14.10"
  instance_class = "db.r6g.large"
}
```

**Good**

```hcl
resource "aws_db_parameter_group" "orders" {
  name   = "orders-postgres14"
  family = "postgres14"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "aws_db_instance" "orders" {
  engine               = "postgres"
  engine_version       = "14.10"
  instance_class       = "db.r6g.large"
  parameter_group_name = aws_db_parameter_group.orders.name
}
```"#,
        settings: &[Setting {
            name: "accept_engine_default",
            default: "false",
            help: "Accept RDS PostgreSQL 15+'s default rds.force_ssl = 1.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["aws_db_instance", "aws_rds_cluster"]),
    },
    check: Check::Native(force_ssl),
};

fn force_ssl(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    // A replica's own engine, when written, else its source's.
    let (engine, source) = match str_value(r, "engine") {
        Some(engine) => (engine, None),
        None => match replica_source(ctx, r, MAX_REPLICA_HOPS) {
            Some((engine, source)) => (engine, Some(source)),
            None => return,
        },
    };
    // Said where the engine came from, for a replica that writes none.
    let source_related = |hit: &mut Hit| {
        if let Some(src) = source {
            hit.related.push(related_at(
                src,
                &path(&["engine"]),
                format!(
                    "{} replicates {}, whose engine is {engine}",
                    r.address, src.address
                ),
            ));
        }
    };
    let (group_attr, group_kind) = match (&*r.kind, engine) {
        ("aws_db_instance", "postgres") if !is_cluster_member(r) => {
            ("parameter_group_name", "aws_db_parameter_group")
        }
        ("aws_rds_cluster", "postgres" | "aurora-postgresql") => (
            "db_cluster_parameter_group_name",
            "aws_rds_cluster_parameter_group",
        ),
        _ => return,
    };
    // A same-region replica created without a parameter group gets its
    // source's (AWS CreateDBInstanceReadReplica); a cross-region one gets
    // the default group. When the source's group lacks the parameter, both
    // fail; when it forces TLS, the replica passes (its region is not told).
    let holder = inherited_from(ctx, r, group_attr);
    let versioned = inherited_from(ctx, r, "engine_version");
    let uses = |what: &str| {
        if std::ptr::eq(holder, r) {
            format!("{} uses {what}", r.address)
        } else {
            format!(
                "{} has no parameter group of its own, so it runs with that of its source {} ({what}; across regions, the default group)",
                r.address, holder.address
            )
        }
    };
    let value = attr(holder, group_attr);
    let mut groups = referenced(ctx, holder, group_attr, group_kind);
    if groups.is_empty() {
        match value.map(|n| &n.value) {
            None => {}
            Some(Value::Str(s)) if s.starts_with("default.") => {}
            Some(Value::Str(s)) => {
                groups = named(ctx, holder, group_kind, "name", s);
                // A group created elsewhere: its parameters are unknown.
                if groups.is_empty() {
                    return;
                }
            }
            Some(_) => return,
        }
    }
    // Whether RDS PostgreSQL 15+'s default of 1 applies, and whether it counts (setting).
    let engine_default_on = |group: Option<&Resource>| {
        engine == "postgres" && major_version(versioned, group).is_none_or(|v| v >= 15)
    };
    let accept_default = |group: Option<&Resource>| {
        engine_default_on(group) && ctx.settings.bool(ctx.rule, "accept_engine_default")
    };
    // Said in the message so a reader knows the engine default would enforce TLS.
    let why = |group: Option<&Resource>| {
        if engine_default_on(group) {
            " explicitly (RDS for PostgreSQL 15+ defaults it to 1; the rule asks for it in a custom group, see setting accept_engine_default)"
        } else {
            ": clients may connect without TLS"
        }
    };
    let at = path(&[group_attr]);
    if groups.is_empty() {
        if accept_default(None) {
            return;
        }
        let mut hit = Hit::new(
            at,
            format!(
                "{}, which does not set rds.force_ssl = 1{}",
                uses("the default parameter group"),
                why(None)
            ),
        );
        source_related(&mut hit);
        out.push(hit);
        return;
    }
    for group in groups {
        match force_ssl_param(group) {
            Param::On | Param::Unknown => {}
            Param::Off(p) => {
                let mut hit = Hit::new(
                    at.clone(),
                    format!(
                        "{}, which sets rds.force_ssl to 0: clients may connect without TLS",
                        uses(&group.address)
                    ),
                );
                hit.related.push(related_at(
                    group,
                    &p,
                    format!("{} sets rds.force_ssl to 0 here", group.address),
                ));
                source_related(&mut hit);
                out.push(hit);
            }
            Param::Missing => {
                if accept_default(Some(group)) {
                    continue;
                }
                let mut hit = Hit::new(
                    at.clone(),
                    format!(
                        "{}, which does not set rds.force_ssl = 1{}",
                        uses(&group.address),
                        why(Some(group))
                    ),
                );
                hit.related.push(related_at(
                    group,
                    &AttrPath::root(),
                    format!("{} has no parameter rds.force_ssl", group.address),
                ));
                source_related(&mut hit);
                out.push(hit);
            }
        }
    }
}

/// What a parameter group says of `rds.force_ssl`.
enum Param {
    On,
    /// Set to something else than 1, at this path.
    Off(AttrPath),
    Missing,
    Unknown,
}

fn force_ssl_param(group: &Resource) -> Param {
    let mut unknown = false;
    for (i, p) in blocks(&group.attributes, "parameter").iter().enumerate() {
        let name = p.get("name");
        match name.map(|n| &n.value) {
            Some(Value::Str(s)) if s.as_ref() == "rds.force_ssl" => {}
            // An unknown name (a dynamic block over unknown values) may be it.
            Some(Value::Unknown) => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        let value = p.get("value").map(|n| &n.value);
        return match value {
            Some(Value::Unknown) => Param::Unknown,
            Some(Value::Str(s)) if matches!(s.trim(), "1" | "on" | "true") => Param::On,
            Some(Value::Int(1)) | Some(Value::Bool(true)) => Param::On,
            Some(Value::Float(f)) if *f == 1.0 => Param::On,
            _ => Param::Off(AttrPath::root().join([
                Seg::from("parameter"),
                Seg::from(i),
                Seg::from("value"),
            ])),
        };
    }
    if unknown || attr(group, "parameter").is_some_and(|n| n.is_unknown()) {
        Param::Unknown
    } else {
        Param::Missing
    }
}

/// The PostgreSQL major version of `r` (`engine_version`, else the group's
/// `family` such as `postgres15`); `None` when unset (AWS picks a current one).
/// An unknown version counts as recent: unknown never fails.
fn major_version(r: &Resource, group: Option<&Resource>) -> Option<u32> {
    let leading = |s: &str| -> Option<u32> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    match attr(r, "engine_version").map(|n| &n.value) {
        Some(Value::Str(v)) => return leading(v),
        Some(_) => return None,
        None => {}
    }
    let family = group.and_then(|g| str_value(g, "family"))?;
    family.strip_prefix("postgres").and_then(leading)
}

// ---------------------------------------------------------------------------
// Helpers shared by this engineer's AWS families.

/// A read replica: its source holds the data.
/// An unresolved `terraform-aws-modules/rds` call that creates an instance
/// (`create_db_instance` unset or true). Its inputs are named after the
/// `aws_db_instance` arguments they set, with the provider's defaults
/// except `storage_encrypted` (true), so the instance rules read them alike.
fn rds_module(r: &Resource) -> bool {
    super::s3::tam_module(r, "rds").as_deref() == Some("")
        && (attr(r, "create_db_instance").is_none()
            || truth(attr(r, "create_db_instance")) == Tri::Yes)
}

/// A `module` call other than [`rds_module`]: no instance of these rules.
fn other_module(r: &Resource) -> bool {
    &*r.kind == "module" && !rds_module(r)
}

fn is_replica(r: &Resource) -> bool {
    attr(r, "replicate_source_db").is_some()
}

/// How far replicas of replicas (cascading replicas) are followed back to a
/// source; a bound, since literal identifiers can form cycles.
const MAX_REPLICA_HOPS: usize = 4;

/// The engine of a read replica that writes none, and the source it is
/// read from ([`replica_sources`]). A replica always runs its source's
/// engine, and leaves `engine` unset or computed (terraform-aws-rds:
/// `is_replica ? null : var.engine`); a source that is a replica itself is
/// followed up to `hops` times. `None` when no single known engine is found.
fn replica_source<'a>(ctx: &'a Ctx, r: &Resource, hops: usize) -> Option<(&'a str, &'a Resource)> {
    if hops == 0 {
        return None;
    }
    let mut found: Option<(&str, &Resource)> = None;
    for src in replica_sources(ctx, r) {
        let engine = match str_value(src, "engine") {
            Some(e) => e,
            None => replica_source(ctx, src, hops - 1)?.0,
        };
        // Several candidates (an unknown count) must agree.
        if found.is_some_and(|(e, _)| e != engine) {
            return None;
        }
        found.get_or_insert((engine, src));
    }
    found
}

/// The `aws_db_instance`s a read replica's `replicate_source_db` names: by
/// reference, else by literal `identifier` (not an ARN, which names one
/// elsewhere), in the same root module. Several when the reference is to a
/// resource whose count is unknown; none for anything else.
fn replica_sources<'a>(ctx: &'a Ctx, r: &Resource) -> Vec<&'a Resource> {
    if &*r.kind != "aws_db_instance" || !is_replica(r) {
        return Vec::new();
    }
    let sources = referenced(ctx, r, "replicate_source_db", "aws_db_instance");
    if !sources.is_empty() {
        return sources;
    }
    match str_value(r, "replicate_source_db") {
        Some(name) if !name.starts_with("arn:") => {
            named(ctx, r, "aws_db_instance", "identifier", name)
        }
        _ => Vec::new(),
    }
}

/// The instance `r` takes the setting `name` from: `r` itself when it sets
/// it, else for a read replica its single source (followed through replicas
/// of replicas), which gives it the parameter group and the engine version.
/// An unresolved source leaves `r`.
fn inherited_from<'a>(ctx: &'a Ctx, r: &'a Resource, name: &str) -> &'a Resource {
    let mut holder = r;
    for _ in 0..MAX_REPLICA_HOPS {
        if attr(holder, name).is_some() {
            break;
        }
        match replica_sources(ctx, holder).as_slice() {
            [single] => holder = single,
            _ => break,
        }
    }
    holder
}

/// The region of a read replica's source when it is another than the
/// replica's: `replicate_source_db` is an ARN (the form for a source in
/// another region; `arn:aws:rds:REGION:ACCOUNT:db:NAME`) whose region is
/// not the replica's own `region` argument, when that is known.
fn cross_region_source(r: &Resource) -> Option<&str> {
    let arn = str_value(r, "replicate_source_db")?;
    let mut parts = arn.split(':');
    if parts.next() != Some("arn") {
        return None;
    }
    let region = parts.nth(2).filter(|s| !s.is_empty())?;
    match attr(r, "region").map(|n| &n.value) {
        Some(Value::Str(own)) if own.as_ref() == region => None,
        // Unset (the provider's region): an ARN is how a source in another
        // region is named.
        Some(Value::Str(_)) | None => Some(region),
        // Unknown: it may be the source's region.
        Some(_) => None,
    }
}

/// An `aws_db_instance` that is a member of an Aurora cluster.
fn is_cluster_member(r: &Resource) -> bool {
    &*r.kind == "aws_db_instance" && attr(r, "cluster_identifier").is_some()
}

/// A known string attribute.
pub(super) fn str_value<'a>(r: &'a Resource, name: &str) -> Option<&'a str> {
    attr(r, name).and_then(Node::as_str)
}

/// A number setting of the current rule.
pub(super) fn setting_f64(ctx: &Ctx, name: &str, fallback: f64) -> f64 {
    ctx.settings
        .get(ctx.rule, name)
        .as_f64()
        .unwrap_or(fallback)
}

/// Whether `p` starts with the attribute `key`.
pub(super) fn starts_with_key(p: &AttrPath, key: &str) -> bool {
    matches!(p.0.first(), Some(Seg::Key(k)) if k.as_ref() == key)
}

/// Resources of `kind` that `r` references through its attribute `via`, in
/// the same root module. A reference to a whole counted resource
/// (`aws_x.y` for `aws_x.y[0]`) names each of its instances.
pub(super) fn referenced<'a>(
    ctx: &'a Ctx,
    r: &Resource,
    via: &str,
    kind: &str,
) -> Vec<&'a Resource> {
    let mut found: Vec<&Resource> = Vec::new();
    for (p, target) in &r.references {
        if !starts_with_key(p, via) {
            continue;
        }
        for c in of_kind(ctx, r, kind).into_iter().filter(|c| {
            c.address == *target
                || c.address
                    .strip_prefix(target.as_str())
                    .is_some_and(|rest| rest.starts_with('['))
        }) {
            if !found.iter().any(|f| std::ptr::eq(*f, c)) {
                found.push(c);
            }
        }
    }
    found
}

/// Resources of `kind` in the root module of `r` whose attribute `name_attr`
/// is the literal `name` (AWS names are unique per account and region).
pub(super) fn named<'a>(
    ctx: &'a Ctx,
    r: &Resource,
    kind: &str,
    name_attr: &str,
    name: &str,
) -> Vec<&'a Resource> {
    of_kind(ctx, r, kind)
        .into_iter()
        .filter(|c| !std::ptr::eq(*c, r) && str_value(c, name_attr) == Some(name))
        .collect()
}

/// A related location at `path` of `r` (its deepest existing node).
pub(super) fn related_at(r: &Resource, path: &AttrPath, message: String) -> Related {
    Related {
        location: Location {
            file: r.file,
            span: r.locate(path),
        },
        message,
    }
}

/// One failed requirement of a multi-part rule.
pub(super) struct Problem {
    /// The top-level attribute to point at.
    pub attr: &'static str,
    /// Whether the attribute is written (else the finding goes to the header).
    pub set: bool,
    /// What is wrong, after the resource address ("does not set …").
    pub message: String,
}

/// One finding per written offending attribute, and one at the header for
/// all unset ones together (several findings on one line say nothing more).
pub(super) fn report(r: &Resource, problems: Vec<Problem>, out: &mut Vec<Hit>) {
    let mut unset = Vec::new();
    for p in problems {
        if p.set {
            out.push(Hit::new(
                path(&[p.attr]),
                format!("{} {}", r.address, p.message),
            ));
        } else {
            unset.push(p);
        }
    }
    if let Some(first) = unset.first() {
        let messages: Vec<&str> = unset.iter().map(|p| p.message.as_str()).collect();
        out.push(Hit::new(
            path(&[first.attr]),
            format!("{} {}", r.address, messages.join(", and ")),
        ));
    }
}
