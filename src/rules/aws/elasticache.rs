//! ElastiCache rules: AWS010 elasticache-encryption-at-rest, AWS011
//! elasticache-encryption-in-transit, AWS012 elasticache-auth, AWS013
//! elasticache-failover, AWS014 elasticache-snapshot-retention.
//!
//! Shared decisions:
//! - Encryption and auth are checked on `aws_elasticache_replication_group`
//!   (a Redis/Valkey `aws_elasticache_cluster` cannot enable them; AWS013
//!   reports such bare clusters). Serverless caches are always encrypted.
//! - A secondary member of a global datastore (`global_replication_group_id`)
//!   takes encryption and auth from the global datastore: AWS010–AWS012 skip it.
//! - Provider defaults (AWS provider v5): `at_rest_encryption_enabled` false
//!   for `redis`, true for `valkey`; `transit_encryption_enabled`,
//!   `automatic_failover_enabled`, `multi_az_enabled` false;
//!   `num_cache_clusters` 1; `snapshot_retention_limit` 0; `engine` redis.
//! - Unknown values pass. Findings point at the attribute when written, else at
//!   the resource header.

use super::rds::{report, setting_f64, str_value, Problem};
use super::{attr, blocks, number, path, truth, Tri};
use crate::model::{Node, Platform, Resource, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

const REPLICATION_GROUP: &[&str] = &["aws_elasticache_replication_group"];

/// A secondary of a global datastore: encryption and auth come from the primary.
fn is_global_secondary(r: &Resource) -> bool {
    attr(r, "global_replication_group_id").is_some()
}

/// AWS010. `at_rest_encryption_enabled` not true on a replication group
/// (unset: false for Redis, true for Valkey). Location: the attribute or header.
pub static ENCRYPTION_AT_REST: Rule = Rule {
    meta: RuleMeta {
        id: "AWS010",
        slug: "elasticache-encryption-at-rest",
        title: "ElastiCache replication groups are encrypted at rest",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 ElastiCache Encryption",
        tags: &["security", "terraform", "aws", "elasticache", "encryption"],
        rationale: "Without encryption at rest, cache data swapped to disk and the RDB snapshots ElastiCache keeps (and exports to S3) are stored in the clear. Redis replication groups are unencrypted unless `at_rest_encryption_enabled = true`, and it can only be set when the group is created.",
        help: r#"Set `at_rest_encryption_enabled = true` (and `kms_key_id` for a customer-managed key).

**Bad**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "sessions"
  description          = "Session store"
  node_type            = "cache.r7g.large"
}
```

**Good**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "Session store"
  node_type                  = "cache.r7g.large"
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.cache.arn
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, REPLICATION_GROUP),
    },
    check: Check::Native(encryption_at_rest),
};

fn encryption_at_rest(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_global_secondary(r) {
        return;
    }
    let value = attr(r, "at_rest_encryption_enabled");
    if value.is_none() {
        match attr(r, "engine").map(|n| &n.value) {
            // Valkey groups are encrypted at rest by default.
            Some(Value::Str(e)) if e.as_ref() == "valkey" => return,
            Some(Value::Unknown) => return,
            _ => {}
        }
    }
    if truth(value) == Tri::No {
        out.push(Hit::new(
            path(&["at_rest_encryption_enabled"]),
            match value {
                Some(_) => format!("{} sets at_rest_encryption_enabled = false", r.address),
                None => format!(
                    "{} does not set at_rest_encryption_enabled = true (Redis replication groups are unencrypted at rest by default)",
                    r.address
                ),
            },
        ));
    }
}

/// AWS011. `transit_encryption_enabled` not true on a replication group, or
/// `transit_encryption_mode = "preferred"` (which still accepts plaintext
/// clients, a migration step). Location: the attribute or header.
pub static ENCRYPTION_IN_TRANSIT: Rule = Rule {
    meta: RuleMeta {
        id: "AWS011",
        slug: "elasticache-encryption-in-transit",
        title: "ElastiCache replication groups encrypt traffic in transit",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 ElastiCache",
        tags: &["security", "terraform", "aws", "elasticache", "encryption", "tls"],
        rationale: "Without in-transit encryption, Redis commands, cached values (sessions, tokens, personal data) and the AUTH password cross the network in plaintext, readable by anything that can capture VPC traffic. `transit_encryption_mode = \"preferred\"` accepts both and is meant only for a migration.",
        help: r#"Set `transit_encryption_enabled = true` (and leave `transit_encryption_mode` unset or `required`).

**Bad**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "sessions"
  description          = "Session store"
  node_type            = "cache.r7g.large"
}
```

**Good**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "Session store"
  node_type                  = "cache.r7g.large"
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, REPLICATION_GROUP),
    },
    check: Check::Native(encryption_in_transit),
};

fn encryption_in_transit(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_global_secondary(r) {
        return;
    }
    let value = attr(r, "transit_encryption_enabled");
    match truth(value) {
        Tri::Unknown => {}
        Tri::No => out.push(Hit::new(
            path(&["transit_encryption_enabled"]),
            match value {
                Some(_) => format!("{} sets transit_encryption_enabled = false", r.address),
                None => format!(
                    "{} does not set transit_encryption_enabled = true (traffic is plaintext by default)",
                    r.address
                ),
            },
        )),
        Tri::Yes => {
            if str_value(r, "transit_encryption_mode") == Some("preferred") {
                out.push(Hit::new(
                    path(&["transit_encryption_mode"]),
                    format!(
                        "{} sets transit_encryption_mode = \"preferred\": unencrypted connections are still accepted",
                        r.address
                    ),
                ));
            }
        }
    }
}

/// AWS012. Transit encryption on (known true) but neither `auth_token` nor a
/// non-empty `user_group_ids` (RBAC): anyone who reaches the port can run
/// commands. An unknown token or user group list passes. Location: the
/// `auth_token` (or `user_group_ids`) line when written but null or empty, else
/// the header.
pub static AUTH: Rule = Rule {
    meta: RuleMeta {
        id: "AWS012",
        slug: "elasticache-auth",
        title: "ElastiCache replication groups require authentication",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 \"Auth Token: Enabled\"; 000 Caching \"Encryption and authentication\"",
        tags: &["security", "terraform", "aws", "elasticache", "authentication"],
        rationale: "Without an AUTH token or RBAC user group, Redis accepts every command from anything that can reach its port: a compromised pod or a mis-scoped security group can read sessions, flush the cache or rewrite data. ElastiCache only accepts `auth_token` and `user_group_ids` with transit encryption on, which is why the rule applies to such groups.",
        help: r#"Set `auth_token` (from a secret, never a literal), or `user_group_ids` for Redis RBAC.

**Bad**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "Session store"
  transit_encryption_enabled = true
}
```

**Good**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "Session store"
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, REPLICATION_GROUP),
    },
    check: Check::Native(auth),
};

fn auth(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_global_secondary(r) || truth(attr(r, "transit_encryption_enabled")) != Tri::Yes {
        return;
    }
    if attr(r, "auth_token").is_some_and(|n| !matches!(&n.value, Value::Str(s) if s.is_empty())) {
        return;
    }
    if let Some(groups) = attr(r, "user_group_ids") {
        if groups.is_unknown() || !groups.is_empty_collection() {
            return;
        }
    }
    // Point at whichever argument is written (null or empty), else the header.
    let at = if r.attributes.get("auth_token").is_none()
        && r.attributes.get("user_group_ids").is_some()
    {
        "user_group_ids"
    } else {
        "auth_token"
    };
    out.push(Hit::new(
        path(&[at]),
        format!(
            "{} has neither auth_token nor user_group_ids: clients that reach it need no credentials",
            r.address
        ),
    ));
}

/// AWS013. A production replication group needs `automatic_failover_enabled`
/// and `multi_az_enabled` true and a replica for every primary:
/// `num_cache_clusters` (legacy `number_cache_clusters`; default 1, or one per
/// zone of `preferred_cache_cluster_azs`) at least 2, or in cluster mode (`num_node_groups`, legacy `cluster_mode` block)
/// `replicas_per_node_group` / `replica_count` at least 1 (unset there: not
/// known, passes). A Redis/Valkey `aws_elasticache_cluster` outside a
/// replication group (`replication_group_id` unset) is a single node with no
/// failover at all; memcached clusters are not replicated by design and pass.
///
/// Location: each offending attribute; unset ones together at the header. A
/// bare cluster is reported at its `replication_group_id` when that is
/// written (and null: the line that left it out of a group), else at its header.
pub static FAILOVER: Rule = Rule {
    meta: RuleMeta {
        id: "AWS013",
        slug: "elasticache-failover",
        title: "Production Redis has a replica and automatic Multi-AZ failover",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::Prod,
        guide: "004 \"Multi-AZ: Enabled for failover\"; 000 Sentinel",
        tags: &["reliability", "terraform", "aws", "elasticache", "availability"],
        rationale: "A Redis primary without a replica in another zone loses its data and its endpoint when the node, or its zone, fails; without automatic failover an operator must promote a replica by hand. ElastiCache's Multi-AZ with automatic failover is the managed equivalent of Redis Sentinel.",
        help: r#"Use a replication group with `automatic_failover_enabled = true`, `multi_az_enabled = true` and at least two nodes (`num_cache_clusters`, or `replicas_per_node_group` ≥ 1 in cluster mode).

**Bad**

```hcl
resource "aws_elasticache_cluster" "sessions" {
  cluster_id      = "sessions"
  engine          = "redis"
  node_type       = "cache.r7g.large"
  num_cache_nodes = 1
}
```

**Good**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "Session store"
  node_type                  = "cache.r7g.large"
  num_cache_clusters         = 3
  automatic_failover_enabled = true
  multi_az_enabled           = true
}
```"#,
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_elasticache_replication_group", "aws_elasticache_cluster"],
        ),
    },
    check: Check::Native(failover),
};

fn failover(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == "aws_elasticache_cluster" {
        if is_bare_redis(r) {
            out.push(Hit::new(
                path(&["replication_group_id"]),
                format!(
                    "{} is a single-node Redis cluster outside a replication group: it has no replica and no automatic failover",
                    r.address
                ),
            ));
        }
        return;
    }
    let mut problems = Vec::new();
    for (name, what) in [
        ("automatic_failover_enabled", "automatic failover"),
        ("multi_az_enabled", "Multi-AZ"),
    ] {
        let value = attr(r, name);
        if truth(value) == Tri::No {
            problems.push(Problem {
                attr: name,
                set: value.is_some(),
                message: match value {
                    Some(_) => format!("sets {name} = false"),
                    None => format!("does not enable {what} ({name})"),
                },
            });
        }
    }
    problems.extend(too_few_nodes(r));
    report(r, problems, out);
}

/// A Redis/Valkey `aws_elasticache_cluster` that is not a member of a
/// replication group (engine known, membership known to be absent).
fn is_bare_redis(r: &Resource) -> bool {
    attr(r, "replication_group_id").is_none()
        && matches!(str_value(r, "engine"), Some("redis" | "valkey"))
}

/// The node-count requirement of a replication group, when it fails.
fn too_few_nodes(r: &Resource) -> Option<Problem> {
    let legacy = blocks(&r.attributes, "cluster_mode").first();
    let cluster_mode = attr(r, "num_node_groups").is_some()
        || legacy.is_some_and(|b| b.get("num_node_groups").is_some());
    if cluster_mode {
        // Replicas per shard: the argument, the legacy block, or the smallest
        // `node_group_configuration.replica_count`.
        let (name, node) = if let Some(n) = attr(r, "replicas_per_node_group") {
            ("replicas_per_node_group", n)
        } else if let Some(n) = legacy.and_then(|b| b.get("replicas_per_node_group")) {
            ("cluster_mode", n)
        } else {
            let counts: Vec<&Node> = blocks(&r.attributes, "node_group_configuration")
                .iter()
                .filter_map(|b| b.get("replica_count"))
                .collect();
            let mut smallest: Option<(f64, &Node)> = None;
            for c in counts {
                match number(Some(c)) {
                    Ok(Some(v)) if smallest.is_none_or(|(s, _)| v < s) => smallest = Some((v, c)),
                    Ok(_) => {}
                    Err(()) => return None,
                }
            }
            let (_, node) = smallest?;
            ("node_group_configuration", node)
        };
        return match number(Some(node)) {
            Ok(Some(v)) if v < 1.0 => Some(Problem {
                attr: name,
                set: true,
                message: "has no replica per shard (replicas_per_node_group = 0): a failed primary has nothing to fail over to".to_string(),
            }),
            _ => None,
        };
    }
    let (name, value) = match attr(r, "num_cache_clusters") {
        Some(n) => ("num_cache_clusters", Some(n)),
        None => ("number_cache_clusters", attr(r, "number_cache_clusters")),
    };
    match number(value) {
        Ok(Some(v)) if v < 2.0 => Some(Problem {
            attr: name,
            set: true,
            message: format!(
                "has {v} node ({name}): a failed primary has no replica to fail over to"
            ),
        }),
        // Without a count, AWS creates one cluster per preferred zone listed.
        Ok(None) if several_zones(r) => None,
        Ok(None) => Some(Problem {
            attr: "num_cache_clusters",
            set: false,
            message: "has a single node (num_cache_clusters defaults to 1)".to_string(),
        }),
        _ => None,
    }
}

/// Whether `preferred_cache_cluster_azs` (legacy `availability_zones`) lists
/// several zones, or an unknown number of them.
fn several_zones(r: &Resource) -> bool {
    ["preferred_cache_cluster_azs", "availability_zones"]
        .iter()
        .filter_map(|name| attr(r, name))
        .any(|n| n.is_unknown() || n.items().len() >= 2)
}

/// AWS014. `snapshot_retention_limit` below `min_days` (7; unset is 0, no
/// snapshots) on production replication groups and on Redis/Valkey clusters
/// outside a replication group (members are snapshotted by their group;
/// memcached has no snapshots). Location: the attribute or header.
pub static SNAPSHOT_RETENTION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS014",
        slug: "elasticache-snapshot-retention",
        title: "Production Redis keeps a week of snapshots",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "004 \"7-day snapshot retention\"",
        tags: &["reliability", "terraform", "aws", "elasticache", "backup"],
        rationale: "ElastiCache takes no automatic snapshots unless `snapshot_retention_limit` is set: after a bad deploy, a `FLUSHALL` or the loss of every node, a Redis used as more than a disposable cache has nothing to restore from. The guides ask for seven days of daily snapshots.",
        help: r#"Set `snapshot_retention_limit = 7` or more (and a `snapshot_window`).

**Bad**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "sessions"
  description          = "Session store"
}
```

**Good**

```hcl
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id     = "sessions"
  description              = "Session store"
  snapshot_retention_limit = 7
  snapshot_window          = "03:00-05:00"
}
```"#,
        settings: &[Setting {
            name: "min_days",
            default: "7",
            help: "The minimum number of daily snapshots kept.",
        }],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_elasticache_replication_group", "aws_elasticache_cluster"],
        ),
    },
    check: Check::Native(snapshot_retention),
};

fn snapshot_retention(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == "aws_elasticache_cluster" && !is_bare_redis(r) {
        return;
    }
    let min = setting_f64(ctx, "min_days", 7.0);
    let value = attr(r, "snapshot_retention_limit");
    let Ok(days) = number(value) else {
        return;
    };
    let days = days.unwrap_or(0.0);
    if days >= min {
        return;
    }
    out.push(Hit::new(
        path(&["snapshot_retention_limit"]),
        match value {
            None => format!(
                "{} does not set snapshot_retention_limit: no automatic snapshots are taken (at least {min} days required)",
                r.address
            ),
            Some(_) if days <= 0.0 => format!(
                "{} sets snapshot_retention_limit = 0: automatic snapshots are off (at least {min} days required)",
                r.address
            ),
            Some(_) => format!(
                "{} keeps snapshots for {days} days; at least {min} are required",
                r.address
            ),
        },
    ));
}
