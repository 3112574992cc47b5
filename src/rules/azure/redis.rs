//! Azure Cache for Redis: AZR006 azure-redis-tls.

use crate::model::{Platform, Resource};
use crate::rules::aws::{number, path, Tri};
use crate::rules::cloud::{flag_any, report, Problem};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

/// AZR006. An `azurerm_redis_cache` with the non-TLS port (6379) enabled —
/// `non_ssl_port_enabled = true` (azurerm v4+) or its v3 name
/// `enable_non_ssl_port = true` — or with `minimum_tls_version` below `1.2`.
///
/// Defaults: the non-TLS port is off in every provider version;
/// `minimum_tls_version` defaults to `1.2` in the provider's schema since
/// azurerm 3.0 (the v3/v4 documentation still said `1.0`; v5 accepts only
/// `1.2`), so unset attributes pass. Unknown values pass.
///
/// Location: the offending attribute.
pub static REDIS_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "AZR006",
        slug: "azure-redis-tls",
        title: "Azure Cache for Redis accepts only TLS 1.2 or later",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Caching \"Encryption and authentication\"",
        tags: &["security", "terraform", "azure", "redis", "tls"],
        rationale: "The non-TLS port sends Redis commands, cached data (sessions, tokens) and the access key in clear text to anything on the network path. TLS 1.0 and 1.1 have known weaknesses and are being retired by Azure; the guides require TLS 1.2 or later for all communication.",
        help: r#"Keep the non-TLS port disabled and `minimum_tls_version` at `1.2`.

**Bad**

```hcl
resource "azurerm_redis_cache" "sessions" {
  name                 = "acme-sessions"
  location             = azurerm_resource_group.app.location
  resource_group_name  = azurerm_resource_group.app.name
  capacity             = 1
  family               = "C"
  sku_name             = "Standard"
  non_ssl_port_enabled = true
  minimum_tls_version  = "1.0"
}
```

**Good**

```hcl
resource "azurerm_redis_cache" "sessions" {
  name                 = "acme-sessions"
  location             = azurerm_resource_group.app.location
  resource_group_name  = azurerm_resource_group.app.name
  capacity             = 1
  family               = "C"
  sku_name             = "Standard"
  non_ssl_port_enabled = false
  minimum_tls_version  = "1.2"
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["azurerm_redis_cache"]),
    },
    check: Check::Native(redis_tls),
};

fn redis_tls(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let mut problems = Vec::new();
    let (name, non_ssl, _) = flag_any(
        &r.attributes,
        &["non_ssl_port_enabled", "enable_non_ssl_port"],
    );
    if non_ssl == Tri::Yes {
        problems.push(Problem::new(
            path(&[name]),
            format!("sets {name} = true: port 6379 accepts unencrypted connections"),
        ));
    }
    let tls = r.attributes.get("minimum_tls_version");
    // "1.0", "1.1" (strings, or numbers when written unquoted).
    if let Ok(Some(v)) = number(tls) {
        if v < 1.2 {
            let text = tls.and_then(|n| n.scalar_text()).unwrap_or_default();
            problems.push(Problem::new(
                path(&["minimum_tls_version"]),
                format!(
                    "sets minimum_tls_version = \"{text}\": clients may connect with TLS below 1.2"
                ),
            ));
        }
    }
    report(r, problems, out);
}
