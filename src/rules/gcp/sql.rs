//! Cloud SQL: GCP001 gcp-sql-ha, GCP002 gcp-sql-backup, GCP003 gcp-sql-ssl.
//!
//! Shared decisions:
//! - Everything is read from the `settings` block (one per instance); a
//!   `dynamic "settings"` or nested `dynamic` blocks over unknown collections
//!   are read as their content. An instance without `settings` is a clone
//!   (`clone { … }`, which copies its source's settings) and is skipped; a
//!   `settings` value that is unknown as a whole passes.
//! - Read replicas (`master_instance_name` set, or `instance_type`
//!   `READ_REPLICA_INSTANCE` / `READ_POOL_INSTANCE`) are skipped by GCP001 and
//!   GCP002: Cloud SQL takes backups of the primary only, and a read pool's
//!   availability comes from its node count. GCP003 applies to them too.
//! - Provider defaults (google v5–v7): `availability_type` `ZONAL`,
//!   `backup_configuration.enabled` false, `binary_log_enabled` false,
//!   `point_in_time_recovery_enabled` false except on Enterprise Plus
//!   PostgreSQL and SQL Server, `ssl_mode` unset (Cloud SQL then accepts
//!   unencrypted connections).
//! - Unknown values pass. Findings point at the attribute when it is written,
//!   else at the deepest block that exists (`ip_configuration`, `settings`, or
//!   the header); unset attributes on one line are reported together.

use crate::model::{AttrPath, Node, Platform, Resource, Seg};
use crate::rules::aws::Tri;
use crate::rules::cloud::{block_line, blocks_of, flag, point, read, report, Problem, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

const SQL_INSTANCE: &[&str] = &["google_sql_database_instance"];

/// A read replica or read pool: backups and HA belong to the primary.
fn is_replica(r: &Resource) -> bool {
    if !matches!(read(&r.attributes, "master_instance_name"), Read::Unset) {
        return true;
    }
    match read(&r.attributes, "instance_type") {
        Read::Str(t) => t == "READ_REPLICA_INSTANCE" || t == "READ_POOL_INSTANCE",
        Read::Unknown => true,
        Read::Unset | Read::Other(_) => false,
    }
}

/// The `settings` blocks with their paths; `None` when the instance is a
/// clone or its settings cannot be read (nothing to judge).
fn settings(r: &Resource) -> Option<Vec<(AttrPath, &Node)>> {
    let blocks = blocks_of(&r.attributes, "settings")?;
    if blocks.is_empty() {
        return None;
    }
    Some(
        blocks
            .into_iter()
            .map(|(i, b)| {
                (
                    AttrPath::root().join([Seg::from("settings"), Seg::from(i)]),
                    b,
                )
            })
            .collect(),
    )
}

/// GCP001. A primary `google_sql_database_instance` whose
/// `settings.availability_type` is not `REGIONAL` (default `ZONAL`: one zone,
/// no standby).
///
/// Location: `availability_type`, else the `settings` block line.
pub static SQL_HA: Rule = Rule {
    meta: RuleMeta {
        id: "GCP001",
        slug: "gcp-sql-ha",
        title: "Production Cloud SQL instances are regional",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::Prod,
        guide: "003 Cloud SQL; 000 HA",
        tags: &["reliability", "terraform", "gcp", "cloudsql", "availability"],
        rationale: "A ZONAL Cloud SQL instance (the default) lives in one zone: a zone outage or a host failure leaves the database unavailable until the zone recovers. `availability_type = \"REGIONAL\"` keeps a synchronously replicated standby in another zone and fails over automatically.",
        help: r#"Set `availability_type = "REGIONAL"` in `settings` (backups must be enabled, and binary logging for MySQL).

**Bad**

```hcl
resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier    = "db-perf-optimized-N-4"
    edition = "ENTERPRISE_PLUS"
  }
}
```

**Good**

```hcl
resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "POSTGRES_16"
  region           = "europe-west1"

  settings {
    tier              = "db-perf-optimized-N-4"
    edition           = "ENTERPRISE_PLUS"
    availability_type = "REGIONAL"

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, SQL_INSTANCE),
    },
    check: Check::Native(sql_ha),
};

fn sql_ha(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_replica(r) {
        return;
    }
    let Some(settings) = settings(r) else { return };
    for (base, s) in settings {
        let message = match read(s, "availability_type") {
            Read::Unknown => continue,
            Read::Str("REGIONAL") => continue,
            Read::Str(t) => format!(
                "{} sets availability_type = \"{t}\": the instance runs in one zone with no standby",
                r.address
            ),
            Read::Unset | Read::Other(_) => format!(
                "{} does not set availability_type = \"REGIONAL\" (the default is ZONAL: one zone, no standby)",
                r.address
            ),
        };
        out.push(Hit::new(point(&base, s, "availability_type"), message));
    }
}

/// GCP002. A primary `google_sql_database_instance` without automated backups
/// (`settings.backup_configuration.enabled`, default false) or without
/// point-in-time recovery: `binary_log_enabled` for MySQL,
/// `point_in_time_recovery_enabled` for PostgreSQL and SQL Server. The engine
/// comes from `database_version`; when it is unknown only backups are checked.
///
/// Enterprise Plus PostgreSQL and SQL Server enable point-in-time recovery by
/// default, so an unset flag passes there: `settings.edition =
/// "ENTERPRISE_PLUS"`, or no edition on `POSTGRES_16` and later (the Cloud
/// SQL API's default edition for them); an unknown edition passes.
///
/// Location: `enabled` / the recovery flag when written, else the
/// `backup_configuration` or `settings` block line.
pub static SQL_BACKUP: Rule = Rule {
    meta: RuleMeta {
        id: "GCP002",
        slug: "gcp-sql-backup",
        title: "Cloud SQL instances have backups and point-in-time recovery",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Database Backups \"Point-in-time recovery\"",
        tags: &["reliability", "terraform", "gcp", "cloudsql", "backup"],
        rationale: "Without automated backups a dropped table or a corrupted database cannot be restored at all, and without point-in-time recovery (binary logs for MySQL, write-ahead logs for PostgreSQL and SQL Server) only the last daily backup can be: every change since is lost. Both are off unless configured.",
        help: r#"Enable `backup_configuration` with `enabled = true` and point-in-time recovery: `point_in_time_recovery_enabled = true` (PostgreSQL, SQL Server) or `binary_log_enabled = true` (MySQL).

**Bad**

```hcl
resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "MYSQL_8_0"
  region           = "europe-west1"

  settings {
    tier = "db-custom-4-16384"
  }
}
```

**Good**

```hcl
resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "MYSQL_8_0"
  region           = "europe-west1"

  settings {
    tier = "db-custom-4-16384"

    backup_configuration {
      enabled                        = true
      binary_log_enabled             = true
      transaction_log_retention_days = 7
    }
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, SQL_INSTANCE),
    },
    check: Check::Native(sql_backup),
};

/// The database engine family of `database_version`.
#[derive(Clone, Copy, PartialEq)]
enum Engine {
    MySql,
    Postgres(u32),
    SqlServer,
}

fn engine(r: &Resource) -> Option<Engine> {
    let Read::Str(v) = read(&r.attributes, "database_version") else {
        return None;
    };
    if v.starts_with("MYSQL") {
        Some(Engine::MySql)
    } else if let Some(rest) = v.strip_prefix("POSTGRES_") {
        let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some(Engine::Postgres(major.parse().unwrap_or(0)))
    } else if v.starts_with("SQLSERVER") {
        Some(Engine::SqlServer)
    } else {
        None
    }
}

/// Whether point-in-time recovery is on by default for these settings:
/// Enterprise Plus PostgreSQL and SQL Server. An unknown edition counts.
fn pitr_default_on(engine: Engine, settings: &Node) -> bool {
    match read(settings, "edition") {
        Read::Str(e) => e == "ENTERPRISE_PLUS",
        Read::Unknown | Read::Other(_) => true,
        // The API's default edition: Enterprise Plus for PostgreSQL 16+.
        Read::Unset => matches!(engine, Engine::Postgres(v) if v >= 16),
    }
}

fn sql_backup(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_replica(r) {
        return;
    }
    let Some(settings) = settings(r) else { return };
    let engine = engine(r);
    let mut problems = Vec::new();
    for (base, s) in settings {
        let Some(configs) = blocks_of(s, "backup_configuration") else {
            continue;
        };
        let pitr = engine.map(|e| match e {
            Engine::MySql => ("binary_log_enabled", false),
            Engine::Postgres(_) | Engine::SqlServer => {
                ("point_in_time_recovery_enabled", pitr_default_on(e, s))
            }
        });
        if configs.is_empty() {
            problems.push(Problem::new(
                block_line(&base),
                "has no backup_configuration: automated backups are off",
            ));
            if let Some((flag_name, false)) = pitr {
                problems.push(Problem::new(
                    block_line(&base),
                    format!("point-in-time recovery is off ({flag_name})"),
                ));
            }
            continue;
        }
        for (j, c) in configs {
            let cbase = base.join([Seg::from("backup_configuration"), Seg::from(j)]);
            match flag(c, "enabled") {
                Tri::Yes | Tri::Unknown => {}
                Tri::No => problems.push(Problem::new(
                    point(&cbase, c, "enabled"),
                    match read(c, "enabled") {
                        Read::Unset => "does not set backup_configuration.enabled = true: automated backups are off",
                        _ => "sets backup_configuration.enabled = false: automated backups are off",
                    },
                )),
            }
            let Some((flag_name, default_on)) = pitr else {
                continue;
            };
            let on = match read(c, flag_name) {
                Read::Unset => default_on,
                _ => flag(c, flag_name) != Tri::No,
            };
            if !on {
                problems.push(Problem::new(
                    point(&cbase, c, flag_name),
                    match read(c, flag_name) {
                        Read::Unset => format!(
                            "does not set {flag_name} = true: point-in-time recovery is off"
                        ),
                        _ => format!("sets {flag_name} = false: point-in-time recovery is off"),
                    },
                ));
            }
        }
    }
    report(r, problems, out);
}

/// GCP003. A `google_sql_database_instance` (replicas included) whose
/// `settings.ip_configuration` does not require TLS: `ssl_mode` must be
/// `ENCRYPTED_ONLY` or `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`. When `ssl_mode`
/// is not written, the legacy `require_ssl = true` (removed in provider v6)
/// also passes. No `ip_configuration` at all means Cloud SQL's default,
/// `ALLOW_UNENCRYPTED_AND_ENCRYPTED`: it fails.
///
/// Location: `ssl_mode` (or `require_ssl = false`), else the
/// `ip_configuration` block line, else the `settings` block line.
pub static SQL_SSL: Rule = Rule {
    meta: RuleMeta {
        id: "GCP003",
        slug: "gcp-sql-ssl",
        title: "Cloud SQL instances require encrypted connections",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 \"Encryption in transit\"",
        tags: &["security", "terraform", "gcp", "cloudsql", "encryption", "tls"],
        rationale: "By default Cloud SQL accepts unencrypted connections on its IP addresses, public or private: a client with `sslmode=disable` (or a misconfigured driver) sends credentials and query results in clear text. Only the server can refuse them, with `ssl_mode = \"ENCRYPTED_ONLY\"` or, to also verify client certificates, `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`. The Cloud SQL Auth Proxy and connectors encrypt regardless.",
        help: r#"Set `ssl_mode = "ENCRYPTED_ONLY"` (or `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`) in `settings.ip_configuration`.

**Bad**

```hcl
resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
    }
  }
}
```

**Good**

```hcl
resource "google_sql_database_instance" "orders" {
  name             = "orders"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.main.id
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, SQL_INSTANCE),
    },
    check: Check::Native(sql_ssl),
};

const SSL_MODES: &[&str] = &["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

fn sql_ssl(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let Some(settings) = settings(r) else { return };
    for (base, s) in settings {
        let Some(ips) = blocks_of(s, "ip_configuration") else {
            continue;
        };
        if ips.is_empty() {
            out.push(Hit::new(
                block_line(&base),
                format!(
                    "{} has no ip_configuration with ssl_mode = \"ENCRYPTED_ONLY\": unencrypted connections are accepted",
                    r.address
                ),
            ));
            continue;
        }
        for (j, ip) in ips {
            let ibase = base.join([Seg::from("ip_configuration"), Seg::from(j)]);
            let message = match read(ip, "ssl_mode") {
                Read::Unknown => continue,
                Read::Str(m) if SSL_MODES.contains(&m) => continue,
                Read::Str(m) => format!(
                    "{} sets ssl_mode = \"{m}\": unencrypted connections are accepted",
                    r.address
                ),
                Read::Other(_) => format!("{} sets an invalid ssl_mode", r.address),
                Read::Unset => match flag(ip, "require_ssl") {
                    Tri::Yes | Tri::Unknown => continue,
                    Tri::No if !matches!(read(ip, "require_ssl"), Read::Unset) => {
                        out.push(Hit::new(
                            ibase.join(["require_ssl"]),
                            format!(
                                "{} sets require_ssl = false: unencrypted connections are accepted (set ssl_mode = \"ENCRYPTED_ONLY\")",
                                r.address
                            ),
                        ));
                        continue;
                    }
                    Tri::No => format!(
                        "{} does not set ssl_mode = \"ENCRYPTED_ONLY\": unencrypted connections are accepted",
                        r.address
                    ),
                },
            };
            out.push(Hit::new(point(&ibase, ip, "ssl_mode"), message));
        }
    }
}
