//! Azure Storage: AZR003 azure-storage-tls.

use crate::model::{Platform, Resource};
use crate::rules::aws::{path, Tri};
use crate::rules::cloud::{flag_any, read, report, Problem, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

/// AZR003. An `azurerm_storage_account` whose `min_tls_version` is `TLS1_0`
/// or `TLS1_1`, or that turns HTTPS-only off: `https_traffic_only_enabled =
/// false` (azurerm v4+), or its v3 name `enable_https_traffic_only = false`
/// (both names are read; the one written counts).
///
/// Defaults: HTTPS-only is on in every provider version; `min_tls_version`
/// defaults to `TLS1_2` since azurerm 3.0 (2.x created accounts with
/// `TLS1_0`), and v5 accepts only `TLS1_2`. Unset attributes therefore pass —
/// the rule targets current providers. Unknown values pass.
///
/// Location: the offending attribute.
pub static STORAGE_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "AZR003",
        slug: "azure-storage-tls",
        title: "Storage accounts accept only HTTPS with TLS 1.2 or later",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "001 TLS 1.2+",
        tags: &["security", "terraform", "azure", "storage", "tls"],
        rationale: "A storage account that accepts plain HTTP sends blobs, queue messages and SAS tokens in clear text; one that accepts TLS 1.0 or 1.1 lets clients negotiate protocols with known weaknesses that the guides rule out (TLS 1.2+). Both are account-wide switches, so one setting exposes every container and share in the account.",
        help: r#"Leave `https_traffic_only_enabled` at its default (true) and `min_tls_version` at `TLS1_2`, or set them explicitly.

**Bad**

```hcl
resource "azurerm_storage_account" "assets" {
  name                       = "acmeassets"
  resource_group_name        = azurerm_resource_group.app.name
  location                   = azurerm_resource_group.app.location
  account_tier               = "Standard"
  account_replication_type   = "ZRS"
  min_tls_version            = "TLS1_0"
  https_traffic_only_enabled = false
}
```

**Good**

```hcl
resource "azurerm_storage_account" "assets" {
  name                       = "acmeassets"
  resource_group_name        = azurerm_resource_group.app.name
  location                   = azurerm_resource_group.app.location
  account_tier               = "Standard"
  account_replication_type   = "ZRS"
  min_tls_version            = "TLS1_2"
  https_traffic_only_enabled = true
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["azurerm_storage_account"]),
    },
    check: Check::Native(storage_tls),
};

fn storage_tls(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let mut problems = Vec::new();
    if let Read::Str(v) = read(&r.attributes, "min_tls_version") {
        if matches!(v, "TLS1_0" | "TLS1_1") {
            problems.push(Problem::new(
                path(&["min_tls_version"]),
                format!("sets min_tls_version = \"{v}\": clients may connect with TLS below 1.2"),
            ));
        }
    }
    let (name, https, set) = flag_any(
        &r.attributes,
        &["https_traffic_only_enabled", "enable_https_traffic_only"],
    );
    // Unset is the provider's default, true.
    if set && https == Tri::No {
        problems.push(Problem::new(
            path(&[name]),
            format!("sets {name} = false: the account accepts unencrypted HTTP"),
        ));
    }
    report(r, problems, out);
}
