//! Namespace-level isolation rules: K8S016 default-deny-network-policy and
//! K8S017 resource-quota. A finding is reported on the Namespace object when
//! the scan has it, otherwise on the namespace's first workload, with the
//! other workloads as related locations.

use crate::findings::Related;
use crate::model::relations::{group_of, Group, Idx, Relations};
use crate::model::{AttrPath, Node, Platform, Resource};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};
use crate::source::Location;

pub static DEFAULT_DENY: Rule = Rule {
    meta: RuleMeta {
        id: "K8S016",
        slug: "default-deny-network-policy",
        title: "Namespaces with workloads have a default-deny NetworkPolicy",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Network Security \"Default deny network policies\"",
        tags: &["security", "kubernetes", "network"],
        rationale: "Pods accept traffic from anywhere in the cluster until a NetworkPolicy selects them. A policy with an empty `podSelector` that denies Ingress (and Egress, with the `require_egress` setting) makes every other policy an explicit allowance. Only policies in the same namespace count.",
        help: "Add a default-deny NetworkPolicy to the namespace.\n\n**Bad**\n\n```yaml\n# namespace shop has Deployments but its only policy selects some pods\nkind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: api\n```\n\n**Good**\n\n```yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [\"Ingress\", \"Egress\"]\n```",
        settings: &[Setting {
            name: "require_egress",
            default: "false",
            help: "Also require the default-deny policy to cover Egress.",
        }],
        applies: Applies::Kinds(Platform::Kubernetes, NAMESPACE_AND_WORKLOADS),
    },
    check: Check::Native(default_deny),
};

pub static RESOURCE_QUOTA: Rule = Rule {
    meta: RuleMeta {
        id: "K8S017",
        slug: "resource-quota",
        title: "Namespaces with workloads have a ResourceQuota",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::Prod,
        guide: "000 Resource Quotas",
        tags: &["reliability", "kubernetes", "resources"],
        rationale: "Without a quota one team's runaway deployment or HPA can take every node's capacity from the others.",
        help: "Add a ResourceQuota to the namespace.\n\n**Bad**\n\n```yaml\n# namespace shop has Deployments and no ResourceQuota\nkind: Namespace\nmetadata:\n  name: shop\n```\n\n**Good**\n\n```yaml\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\n  namespace: shop\nspec:\n  hard:\n    requests.cpu: \"20\"\n    requests.memory: 40Gi\n    limits.cpu: \"40\"\n    limits.memory: 80Gi\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, NAMESPACE_AND_WORKLOADS),
    },
    check: Check::Native(resource_quota),
};

const NAMESPACE_AND_WORKLOADS: &[&str] = &[
    "Namespace",
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// The namespace this resource answers for, if it is the one that carries
/// the namespace-level finding, with the workloads to mention. Namespaces are
/// looked at per relation group (see `model::relations`): a Namespace object
/// carries its group's finding; without one, the group's first workload does.
/// When files are named on the command line, a carrier in an unlisted
/// context file (whose findings are dropped) gives way to the first workload
/// in a named file.
fn carrier<'a>(ctx: &'a Ctx, r: &Resource) -> Option<(Group, String, &'a [Idx])> {
    let rel: &Relations = ctx.relations;
    let group = group_of(r);
    let is_r = |i: Idx| std::ptr::eq(&ctx.resources[i], r);
    let ns = if &*r.kind == "Namespace" {
        &*r.name
    } else {
        r.namespace_or_default()
    };
    let workloads = rel.workloads(group, ns);
    let named_workload = workloads
        .iter()
        .copied()
        .find(|&i| !rel.in_context(&ctx.resources[i]));
    let namespace = rel
        .namespace(group, ns)
        .filter(|&i| !rel.in_context(&ctx.resources[i]) || named_workload.is_none());
    let carrier = match namespace {
        Some(i) => i,
        None => named_workload.or_else(|| workloads.first().copied())?,
    };
    (is_r(carrier) && !workloads.is_empty()).then(|| (group, ns.to_string(), workloads))
}

fn others(ctx: &Ctx, r: &Resource, workloads: &[usize], what: &str) -> Vec<Related> {
    workloads
        .iter()
        .map(|&i| &ctx.resources[i])
        .filter(|w| !std::ptr::eq(*w, r))
        .map(|w| Related {
            location: Location {
                file: w.file,
                span: w.header(),
            },
            message: format!("{} also runs in this namespace without {what}", w.address),
        })
        .collect()
}

fn is_empty_selector(n: Option<&Node>) -> bool {
    match n {
        Some(sel) => {
            sel.is_empty_collection()
                || (sel.get("matchLabels").is_none_or(Node::is_empty_collection)
                    && sel
                        .get("matchExpressions")
                        .is_none_or(Node::is_empty_collection))
        }
        None => false,
    }
}

/// Whether a policy denies `direction` (Ingress/Egress) for all pods: empty
/// pod selector, the type covered, and no rule that allows everyone.
fn denies(policy: &Node, direction: &str) -> bool {
    let spec = policy.get("spec");
    let Some(spec) = spec else { return false };
    if !is_empty_selector(spec.get("podSelector")) {
        return false;
    }
    let types: Vec<&str> = spec
        .get("policyTypes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let field = if direction == "Ingress" {
        "ingress"
    } else {
        "egress"
    };
    let peers = if direction == "Ingress" { "from" } else { "to" };
    let covered = if types.is_empty() {
        // Without policyTypes, Ingress is implied; Egress only when egress rules exist.
        direction == "Ingress" || spec.get(field).is_some()
    } else {
        types.contains(&direction)
    };
    let allows_all = spec
        .get(field)
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|rule| {
            rule.get(peers)
                .is_none_or(|p| p.is_empty_collection() || p.items().iter().any(peer_is_everyone))
        });
    covered && !allows_all
}

/// A peer that admits every source (or destination): every pod of every
/// namespace (`namespaceSelector: {}` without a narrowing `podSelector`), or
/// every address (`ipBlock` 0.0.0.0/0 or ::/0).
fn peer_is_everyone(peer: &Node) -> bool {
    if peer.is_empty_collection() {
        return true;
    }
    let every_namespace = peer
        .get("namespaceSelector")
        .is_some_and(|n| is_empty_selector(Some(n)))
        && peer
            .get("podSelector")
            .is_none_or(|p| is_empty_selector(Some(p)));
    let every_address = peer
        .get_path(&["ipBlock", "cidr"])
        .and_then(Node::as_str)
        .is_some_and(|c| matches!(c.trim(), "0.0.0.0/0" | "::/0"));
    every_namespace || every_address
}

fn default_deny(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let Some((group, ns, workloads)) = carrier(ctx, r) else {
        return;
    };
    let egress = ctx.settings.bool(ctx.rule, "require_egress");
    let policies = ctx.relations.network_policies(group, &ns);
    let ok = |dir: &str| {
        policies
            .iter()
            .any(|&i| denies(&ctx.resources[i].attributes, dir))
    };
    let mut missing = Vec::new();
    if !ok("Ingress") {
        missing.push("Ingress");
    }
    if egress && !ok("Egress") {
        missing.push("Egress");
    }
    if missing.is_empty() {
        return;
    }
    let what = format!("a default-deny {} NetworkPolicy", missing.join("/"));
    let mut hit = Hit::new(
        AttrPath::root(),
        format!("namespace {ns} runs workloads without {what} (empty podSelector)"),
    );
    hit.related = others(ctx, r, workloads, &what);
    out.push(hit);
}

fn resource_quota(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let Some((group, ns, workloads)) = carrier(ctx, r) else {
        return;
    };
    if !ctx.relations.quotas(group, &ns).is_empty() {
        return;
    }
    let mut hit = Hit::new(
        AttrPath::root(),
        format!("namespace {ns} runs workloads without a ResourceQuota"),
    );
    hit.related = others(ctx, r, workloads, "a ResourceQuota");
    out.push(hit);
}
