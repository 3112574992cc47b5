//! Memorystore for Redis: GCP008 gcp-redis-ha.

use crate::model::{Environment, Platform, Resource};
use crate::rules::aws::{path, Tri};
use crate::rules::cloud::{flag, read, report, Problem, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

/// GCP008. A `google_redis_instance` whose `tier` is not `STANDARD_HA`
/// (default `BASIC`: one node, no failover), whose `transit_encryption_mode`
/// is not `SERVER_AUTHENTICATION` (default `DISABLED`), or without
/// `auth_enabled = true` (default false). Each is reported on its own
/// attribute; unset ones together at the header.
///
/// The rule applies in every environment (RULES.md); the guide asks for HA
/// "for production", so setting `ha_in_development = false` stops the `tier`
/// check for development resources while encryption and AUTH stay required.
/// `transit_encryption_mode` and `tier` can only be chosen at creation.
/// Unknown values pass.
pub static REDIS_HA: Rule = Rule {
    meta: RuleMeta {
        id: "GCP008",
        slug: "gcp-redis-ha",
        title: "Memorystore Redis is highly available, encrypted and authenticated",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Caching layer",
        tags: &["reliability", "security", "terraform", "gcp", "redis", "encryption"],
        rationale: "A BASIC-tier instance is a single node: a zone failure or maintenance drops the cache and its data. Without transit encryption, commands, cached values and the AUTH string cross the VPC in clear text; without AUTH, anything that can reach the instance's private IP can read or flush it. The guide's caching layer requires failover, encryption and authentication; tier and transit encryption cannot be changed after creation.",
        help: r#"Use `tier = "STANDARD_HA"`, `transit_encryption_mode = "SERVER_AUTHENTICATION"` and `auth_enabled = true`.

**Bad**

```hcl
resource "google_redis_instance" "sessions" {
  name           = "sessions"
  memory_size_gb = 5
  region         = "europe-west1"
}
```

**Good**

```hcl
resource "google_redis_instance" "sessions" {
  name                    = "sessions"
  memory_size_gb          = 5
  region                  = "europe-west1"
  tier                    = "STANDARD_HA"
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  auth_enabled            = true
}
```"#,
        settings: &[Setting {
            name: "ha_in_development",
            default: "true",
            help: "Require the STANDARD_HA tier in development too (encryption and AUTH are always required).",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["google_redis_instance"]),
    },
    check: Check::Native(redis_ha),
};

fn redis_ha(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let mut problems = Vec::new();
    let check_tier = r.environment != Environment::Development
        || ctx.settings.bool(ctx.rule, "ha_in_development");
    if check_tier {
        match read(&r.attributes, "tier") {
            Read::Unknown => {}
            Read::Str("STANDARD_HA") => {}
            Read::Str(t) => problems.push(Problem::new(
                path(&["tier"]),
                format!("sets tier = \"{t}\": a single node with no failover"),
            )),
            Read::Unset | Read::Other(_) => problems.push(Problem::new(
                path(&["tier"]),
                "does not set tier = \"STANDARD_HA\" (the default BASIC is a single node with no failover)",
            )),
        }
    }
    match read(&r.attributes, "transit_encryption_mode") {
        Read::Unknown => {}
        Read::Str("SERVER_AUTHENTICATION") => {}
        Read::Str(m) => problems.push(Problem::new(
            path(&["transit_encryption_mode"]),
            format!("sets transit_encryption_mode = \"{m}\": traffic is not encrypted"),
        )),
        Read::Unset | Read::Other(_) => problems.push(Problem::new(
            path(&["transit_encryption_mode"]),
            "does not set transit_encryption_mode = \"SERVER_AUTHENTICATION\": traffic is not encrypted",
        )),
    }
    if flag(&r.attributes, "auth_enabled") == Tri::No {
        problems.push(Problem::new(
            path(&["auth_enabled"]),
            match read(&r.attributes, "auth_enabled") {
                Read::Unset => {
                    "does not set auth_enabled = true: any client that reaches it can run commands"
                }
                _ => "sets auth_enabled = false: any client that reaches it can run commands",
            },
        ));
    }
    report(r, problems, out);
}
