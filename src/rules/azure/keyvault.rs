//! Azure Key Vault: AZR004 azure-keyvault-protection.

use crate::model::{AttrPath, Platform, Resource, Seg};
use crate::rules::aws::{path, Tri};
use crate::rules::cloud::{block_line, blocks_of, flag, read, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

/// AZR004. Two resources, each reported where it is fixed:
/// - `azurerm_key_vault` without `purge_protection_enabled = true` (default
///   false): at the attribute, or the header when unset.
/// - `azurerm_key_vault_key` without a `rotation_policy` block: at the
///   header. A `rotation_policy` that has no `automatic` block (only
///   `expire_after` / `notify_before_expiry`) never creates a new key
///   version, so it fails too, at the `rotation_policy` line; so does an
///   `automatic` block with neither `time_after_creation` nor
///   `time_before_expiry`.
///
/// A `dynamic "rotation_policy"` over an unknown collection is read as its
/// content. Unknown values pass.
pub static KEYVAULT_PROTECTION: Rule = Rule {
    meta: RuleMeta {
        id: "AZR004",
        slug: "azure-keyvault-protection",
        title: "Key vaults are purge-protected and their keys rotate",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Secrets Management (Azure Key Vault), Secret Rotation",
        tags: &["security", "terraform", "azure", "keyvault", "encryption"],
        rationale: "Without purge protection, anyone (or any pipeline) with delete rights can permanently purge a soft-deleted vault or key, destroying every secret and making data encrypted with its keys unrecoverable; once enabled it cannot be turned off. A key without an automatic rotation policy keeps the same key material for its whole life, so a leak or a cryptoperiod policy cannot be answered without manual work.",
        help: r#"Set `purge_protection_enabled = true` on vaults and give every key a `rotation_policy` with an `automatic` block.

**Bad**

```hcl
resource "azurerm_key_vault" "app" {
  name                = "acme-app-kv"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}

resource "azurerm_key_vault_key" "data" {
  name         = "data"
  key_vault_id = azurerm_key_vault.app.id
  key_type     = "RSA"
  key_size     = 3072
  key_opts     = ["wrapKey", "unwrapKey"]
}
```

**Good**

```hcl
resource "azurerm_key_vault" "app" {
  name                       = "acme-app-kv"
  location                   = azurerm_resource_group.app.location
  resource_group_name        = azurerm_resource_group.app.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  purge_protection_enabled   = true
  soft_delete_retention_days = 90
}

resource "azurerm_key_vault_key" "data" {
  name         = "data"
  key_vault_id = azurerm_key_vault.app.id
  key_type     = "RSA"
  key_size     = 3072
  key_opts     = ["wrapKey", "unwrapKey"]

  rotation_policy {
    automatic {
      time_before_expiry = "P30D"
    }
    expire_after         = "P90D"
    notify_before_expiry = "P29D"
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["azurerm_key_vault", "azurerm_key_vault_key"],
        ),
    },
    check: Check::Native(keyvault_protection),
};

fn keyvault_protection(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == "azurerm_key_vault_key" {
        return key_rotation(r, out);
    }
    let name = "purge_protection_enabled";
    if flag(&r.attributes, name) == Tri::No {
        out.push(Hit::new(
            path(&[name]),
            match read(&r.attributes, name) {
                Read::Unset => format!(
                    "{} does not set purge_protection_enabled = true: a deleted vault and its keys can be purged for good",
                    r.address
                ),
                _ => format!(
                    "{} sets purge_protection_enabled = false: a deleted vault and its keys can be purged for good",
                    r.address
                ),
            },
        ));
    }
}

fn key_rotation(r: &Resource, out: &mut Vec<Hit>) {
    let Some(policies) = blocks_of(&r.attributes, "rotation_policy") else {
        return;
    };
    if policies.is_empty() {
        out.push(Hit::new(
            path(&["rotation_policy"]),
            format!(
                "{} has no rotation_policy: the key material is never rotated",
                r.address
            ),
        ));
        return;
    }
    for (i, policy) in policies {
        let base = AttrPath::root().join([Seg::from("rotation_policy"), Seg::from(i)]);
        let Some(automatic) = blocks_of(policy, "automatic") else {
            continue;
        };
        if automatic.is_empty() {
            out.push(Hit::new(
                block_line(&base),
                format!(
                    "{} has a rotation_policy without an automatic block: the key is never rotated automatically",
                    r.address
                ),
            ));
            continue;
        }
        for (j, auto) in automatic {
            let triggers = ["time_after_creation", "time_before_expiry"];
            if triggers
                .iter()
                .all(|t| matches!(read(auto, t), Read::Unset))
            {
                out.push(Hit::new(
                    block_line(&base.join([Seg::from("automatic"), Seg::from(j)])),
                    format!(
                        "{} has an automatic rotation block with neither time_after_creation nor time_before_expiry",
                        r.address
                    ),
                ));
            }
        }
    }
}
