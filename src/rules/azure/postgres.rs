//! Azure Database for PostgreSQL flexible server: AZR001 azure-postgres-ha,
//! AZR002 azure-postgres-backup.
//!
//! Shared decisions:
//! - Read replicas (`create_mode = "Replica"`) are skipped: Azure offers
//!   neither high availability nor backup settings on them (the primary holds
//!   both). An unknown `create_mode` might be `Replica`, so it is skipped too.
//! - Provider defaults (azurerm v3–v5): no `high_availability` block (no
//!   standby), `backup_retention_days` 7, `geo_redundant_backup_enabled`
//!   false.
//! - Unknown values pass. Findings point at the attribute when it is written,
//!   else at the deepest block that exists (the resource header).

use crate::model::{AttrPath, Environment, Platform, Resource, Seg};
use crate::rules::aws::{number, path, Tri};
use crate::rules::cloud::{blocks_of, flag, point, read, report, setting_f64, Problem, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

const FLEXIBLE_SERVER: &[&str] = &["azurerm_postgresql_flexible_server"];

/// A read replica, or a server whose creation mode cannot be told.
fn is_replica(r: &Resource) -> bool {
    match read(&r.attributes, "create_mode") {
        Read::Unset => false,
        Read::Str(m) => m.eq_ignore_ascii_case("Replica"),
        Read::Unknown | Read::Other(_) => true,
    }
}

/// AZR001. An `azurerm_postgresql_flexible_server` without a
/// `high_availability` block whose `mode` is `ZoneRedundant`. `SameZone`
/// keeps the standby in the primary's zone, so a zone outage takes both down:
/// it fails too. A `dynamic "high_availability"` block over an unknown
/// collection is read as its content (present or absent, it is then the
/// content's mode that decides). Burstable SKUs (`B_…`), which Azure does not
/// offer HA for, are reported like any other: production needs a tier that
/// supports it.
///
/// Location: `mode` when written, else the `high_availability` block, else
/// the header.
pub static POSTGRES_HA: Rule = Rule {
    meta: RuleMeta {
        id: "AZR001",
        slug: "azure-postgres-ha",
        title: "Production PostgreSQL flexible servers are zone-redundant",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::Prod,
        guide: "003 Cloud-Agnostic Design; 000 HA",
        tags: &["reliability", "terraform", "azure", "postgresql", "availability"],
        rationale: "Without high availability a flexible server is one VM in one availability zone: a zone outage, a host failure or most maintenance makes the database unavailable until Azure rebuilds it. `high_availability { mode = \"ZoneRedundant\" }` keeps a synchronous standby in another zone and fails over automatically; `SameZone` only protects against a host failure.",
        help: r#"Add a `high_availability` block with `mode = "ZoneRedundant"` (a General Purpose or Memory Optimized SKU is required).

**Bad**

```hcl
resource "azurerm_postgresql_flexible_server" "orders" {
  name                = "orders-psql"
  resource_group_name = azurerm_resource_group.data.name
  location            = azurerm_resource_group.data.location
  version             = "16"
  sku_name            = "GP_Standard_D4s_v3"
}
```

**Good**

```hcl
resource "azurerm_postgresql_flexible_server" "orders" {
  name                = "orders-psql"
  resource_group_name = azurerm_resource_group.data.name
  location            = azurerm_resource_group.data.location
  version             = "16"
  sku_name            = "GP_Standard_D4s_v3"
  zone                = "1"

  high_availability {
    mode                      = "ZoneRedundant"
    standby_availability_zone = "2"
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, FLEXIBLE_SERVER),
    },
    check: Check::Native(postgres_ha),
};

fn postgres_ha(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_replica(r) {
        return;
    }
    let Some(ha) = blocks_of(&r.attributes, "high_availability") else {
        return;
    };
    if ha.is_empty() {
        out.push(Hit::new(
            path(&["high_availability"]),
            format!(
                "{} has no high_availability block: the server has no standby and is down for a zone or host failure",
                r.address
            ),
        ));
        return;
    }
    for (i, block) in ha {
        let at = point(
            &AttrPath::root().join([Seg::from("high_availability"), Seg::from(i)]),
            block,
            "mode",
        );
        match read(block, "mode") {
            Read::Unknown => {}
            Read::Str("ZoneRedundant") => {}
            Read::Str(m) => out.push(Hit::new(
                at,
                format!(
                    "{} sets high_availability mode = \"{m}\": the standby is in the same zone and a zone outage takes both down (use ZoneRedundant)",
                    r.address
                ),
            )),
            Read::Unset | Read::Other(_) => out.push(Hit::new(
                at,
                format!(
                    "{} has a high_availability block without mode = \"ZoneRedundant\"",
                    r.address
                ),
            )),
        }
    }
}

/// AZR002. An `azurerm_postgresql_flexible_server` whose
/// `backup_retention_days` (7–35, default 7) is below `min_days` (7) anywhere
/// or below `prod_min_days` (30) outside development, or whose
/// `geo_redundant_backup_enabled` (default false) is not true outside
/// development. The production parts are lowered one level in staging, as the
/// environment scope does for `prod` rules.
///
/// Geo-redundant backup can only be chosen when the server is created and is
/// not offered in every region; the rule still asks for it in production (the
/// guide's "cross-region backup replication"), and an unknown value passes.
///
/// Location: each written attribute; unset ones together at the header.
pub static POSTGRES_BACKUP: Rule = Rule {
    meta: RuleMeta {
        id: "AZR002",
        slug: "azure-postgres-backup",
        title: "PostgreSQL flexible servers keep geo-redundant backups long enough",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Database Backups \"Cross-region backup replication\"",
        tags: &["reliability", "terraform", "azure", "postgresql", "backup"],
        rationale: "Point-in-time restore only reaches back as far as `backup_retention_days` (7 by default): corruption or a bad migration noticed later cannot be undone. Backups are kept in the server's region unless `geo_redundant_backup_enabled = true`, so a regional disaster loses the database and its backups together. Geo-redundancy can only be chosen at creation.",
        help: r#"Keep backups for 30 days or more in production (at least 7 elsewhere) and enable geo-redundant backup for production servers.

**Bad**

```hcl
resource "azurerm_postgresql_flexible_server" "orders" {
  name                  = "orders-psql"
  resource_group_name   = azurerm_resource_group.data.name
  location              = azurerm_resource_group.data.location
  version               = "16"
  sku_name              = "GP_Standard_D4s_v3"
  backup_retention_days = 7
}
```

**Good**

```hcl
resource "azurerm_postgresql_flexible_server" "orders" {
  name                         = "orders-psql"
  resource_group_name          = azurerm_resource_group.data.name
  location                     = azurerm_resource_group.data.location
  version                      = "16"
  sku_name                     = "GP_Standard_D4s_v3"
  backup_retention_days        = 35
  geo_redundant_backup_enabled = true
}
```"#,
        settings: &[
            Setting {
                name: "min_days",
                default: "7",
                help: "The minimum backup retention in days, in every environment.",
            },
            Setting {
                name: "prod_min_days",
                default: "30",
                help: "Minimum retention in days in production (staging: one level lower).",
            },
        ],
        applies: Applies::Kinds(Platform::Terraform, FLEXIBLE_SERVER),
    },
    check: Check::Native(postgres_backup),
};

/// What Azure keeps when `backup_retention_days` is not set.
const DEFAULT_RETENTION_DAYS: f64 = 7.0;

fn postgres_backup(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if is_replica(r) {
        return;
    }
    let production = r.environment != Environment::Development;
    let min = setting_f64(ctx, "min_days", 7.0);
    let prod_min = setting_f64(ctx, "prod_min_days", 30.0);
    let mut problems = Vec::new();

    let at = path(&["backup_retention_days"]);
    if let Ok(days) = number(r.attributes.get("backup_retention_days")) {
        let set = days.is_some();
        let days = days.unwrap_or(DEFAULT_RETENTION_DAYS);
        let what = if set {
            format!("keeps backups for {days} days")
        } else {
            format!("does not set backup_retention_days (Azure keeps backups for {DEFAULT_RETENTION_DAYS} days)")
        };
        if days < min {
            problems.push(Problem::new(
                at,
                format!("{what}; at least {min} are required"),
            ));
        } else if production && days < prod_min {
            problems.push(Problem::production(
                r,
                ctx,
                at,
                format!("{what}; production requires at least {prod_min}"),
            ));
        }
    }

    if production {
        let geo = "geo_redundant_backup_enabled";
        if flag(&r.attributes, geo) == Tri::No {
            let message = match read(&r.attributes, geo) {
                Read::Unset => "does not enable geo_redundant_backup_enabled: backups stay in the server's region",
                _ => "sets geo_redundant_backup_enabled = false: backups stay in the server's region",
            };
            problems.push(Problem::production(r, ctx, path(&[geo]), message));
        }
    }
    report(r, problems, out);
}
