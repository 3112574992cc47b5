//! Azure Kubernetes Service: AZR005 azure-aks-zones.

use crate::model::{AttrPath, Node, Platform, Resource, Seg, Value};
use crate::rules::cloud::{blocks_of, point, setting_f64};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

/// AZR005. An `azurerm_kubernetes_cluster` whose `default_node_pool` lists
/// fewer than `min_zones` (3) availability zones in `zones` (azurerm v3+), or
/// in its azurerm 2.x name `availability_zones`. Unset means no zone is
/// chosen: Azure places the nodes without zone spreading (regional), so it
/// fails.
///
/// Zones are counted as distinct known values plus unknown elements (an
/// element from a data source may be any zone); a wholly unknown list passes.
/// Additional pools (`azurerm_kubernetes_cluster_node_pool`) are not judged:
/// the guide's requirement is about the cluster's system nodes.
///
/// Location: the zones attribute, else the `default_node_pool` block line.
pub static AKS_ZONES: Rule = Rule {
    meta: RuleMeta {
        id: "AZR005",
        slug: "azure-aks-zones",
        title: "Production AKS default node pools span three availability zones",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "003 Multi-AZ",
        tags: &["reliability", "terraform", "azure", "aks", "kubernetes", "availability"],
        rationale: "The default node pool runs the cluster's system pods (CoreDNS, metrics-server, konnectivity). Without `zones` its nodes are placed without regard to availability zones, and a zone outage can take every one of them down, making the cluster's DNS and control-plane agents unavailable. Zones can only be chosen when the pool is created (a later change rotates the pool through `temporary_name_for_rotation`).",
        help: r#"List three zones in the default node pool's `zones` (and run at least one node per zone).

**Bad**

```hcl
resource "azurerm_kubernetes_cluster" "main" {
  name                = "prod-aks"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "prod"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }
}
```

**Good**

```hcl
resource "azurerm_kubernetes_cluster" "main" {
  name                = "prod-aks"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  dns_prefix          = "prod"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
    zones      = ["1", "2", "3"]
  }
}
```"#,
        settings: &[Setting {
            name: "min_zones",
            default: "3",
            help: "The fewest availability zones the default node pool may span.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["azurerm_kubernetes_cluster"]),
    },
    check: Check::Native(aks_zones),
};

/// The number of zones a list names, or `None` when it cannot be told.
fn zone_count(n: Option<&Node>) -> Option<usize> {
    let Some(n) = n else { return Some(0) };
    match &n.value {
        Value::Null => Some(0),
        Value::Seq(items) => {
            let mut known: Vec<String> = Vec::new();
            let mut unknown = 0;
            for i in items {
                match i.scalar_text() {
                    Some(z) => {
                        if !known.contains(&z) {
                            known.push(z);
                        }
                    }
                    None => unknown += 1,
                }
            }
            Some(known.len() + unknown)
        }
        // A single zone given as a string or number (JSON syntax).
        Value::Str(_) | Value::Int(_) | Value::Float(_) => Some(1),
        _ => None,
    }
}

fn aks_zones(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let min = setting_f64(ctx, "min_zones", 3.0);
    let Some(pools) = blocks_of(&r.attributes, "default_node_pool") else {
        return;
    };
    if pools.is_empty() {
        // `default_node_pool` is required; without it Terraform rejects the
        // configuration, so there is nothing to judge.
        return;
    }
    for (i, pool) in pools {
        let base = AttrPath::root().join([Seg::from("default_node_pool"), Seg::from(i)]);
        // azurerm v3+ `zones`; 2.x `availability_zones`.
        let name = if pool.get("zones").is_none() && pool.get("availability_zones").is_some() {
            "availability_zones"
        } else {
            "zones"
        };
        let Some(count) = zone_count(pool.get(name)) else {
            continue;
        };
        if (count as f64) >= min {
            continue;
        }
        let message = match count {
            0 => format!(
                "{}'s default node pool sets no {name}: its nodes are not spread over availability zones (production needs {min})",
                r.address
            ),
            n => format!(
                "{}'s default node pool spans {n} availability zone{} ({name}); production needs {min}",
                r.address,
                if n == 1 { "" } else { "s" }
            ),
        };
        out.push(Hit::new(point(&base, pool, name), message));
    }
}
