//! Availability rules over related resources: K8S011 min-replicas,
//! K8S012 hpa-min-replicas, K8S013 pod-disruption-budget, K8S014 zone-spread.

use crate::findings::Related;
use crate::model::relations::{group_of, selector_matches, Idx};
use crate::model::{AttrPath, Node, Platform, Resource};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};
use crate::source::Location;

const SCALED: &[&str] = &["Deployment", "StatefulSet"];
const REPLICATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

pub static MIN_REPLICAS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S011",
        slug: "min-replicas",
        title: "Production workloads run at least 3 replicas",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "000 Redundancy \"Minimum of 3 replicas\"; 003 High Availability",
        tags: &["reliability", "kubernetes", "availability"],
        rationale: "With fewer than three replicas a node drain, a zone outage or a bad rollout takes the service down. An unset `replicas` means one. A HorizontalPodAutoscaler with `minReplicas` of 3 or more satisfies the rule.",
        help: "Set `spec.replicas` to 3 or more, or scale with an HPA whose `minReplicas` is at least 3.\n\n**Bad**\n\n```yaml\nkind: Deployment\nspec:\n  replicas: 1\n```\n\n**Good**\n\n```yaml\nkind: Deployment\nspec:\n  replicas: 3\n```",
        settings: &[Setting {
            name: "min_replicas",
            default: "3",
            help: "The minimum number of replicas.",
        }],
        applies: Applies::Kinds(Platform::Kubernetes, SCALED),
    },
    check: Check::Native(min_replicas),
};

pub static HPA_MIN_REPLICAS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S012",
        slug: "hpa-min-replicas",
        title: "Autoscalers keep at least 3 replicas",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "000 Horizontal Pod Autoscaling; 003 HPA",
        tags: &["reliability", "kubernetes", "availability"],
        rationale: "An autoscaler scales down to `minReplicas` at night and after a quiet period; below three, one node or zone failure removes the service. An unset `minReplicas` means one.",
        help: "Set `spec.minReplicas` to 3 or more.\n\n**Bad**\n\n```yaml\nkind: HorizontalPodAutoscaler\nspec:\n  minReplicas: 1\n  maxReplicas: 10\n```\n\n**Good**\n\n```yaml\nkind: HorizontalPodAutoscaler\nspec:\n  minReplicas: 3\n  maxReplicas: 10\n```",
        settings: &[Setting {
            name: "min_replicas",
            default: "3",
            help: "The minimum `minReplicas`.",
        }],
        applies: Applies::Kinds(Platform::Kubernetes, &["HorizontalPodAutoscaler"]),
    },
    check: Check::Native(hpa_min_replicas),
};

pub static PDB: Rule = Rule {
    meta: RuleMeta {
        id: "K8S013",
        slug: "pod-disruption-budget",
        title: "Replicated workloads have a PodDisruptionBudget",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "000 Pod Disruption Budgets; 003 PDB",
        tags: &["reliability", "kubernetes", "availability"],
        rationale: "Without a PodDisruptionBudget a node drain or cluster upgrade may evict every replica at once. Only a budget in the same namespace whose selector matches the pod labels protects the workload.",
        help: "Add a PodDisruptionBudget selecting the workload's pods.\n\n**Bad**\n\n```yaml\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n```\n\n**Good**\n\n```yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: api\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, SCALED),
    },
    check: Check::Native(pod_disruption_budget),
};

pub static ZONE_SPREAD: Rule = Rule {
    meta: RuleMeta {
        id: "K8S014",
        slug: "zone-spread",
        title: "Replicas are spread across availability zones",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "003 Affinity and Anti-Affinity; Multi-AZ Deployment",
        tags: &["reliability", "kubernetes", "availability"],
        rationale: "The scheduler may place every replica in one zone; one zone outage then takes them all. A topology spread constraint or pod anti-affinity on `topology.kubernetes.io/zone` spreads them.",
        help: "Add a `topologySpreadConstraints` entry (or pod anti-affinity) on `topology.kubernetes.io/zone`.\n\n**Bad**\n\n```yaml\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers: [...]\n```\n\n**Good**\n\n```yaml\nspec:\n  replicas: 3\n  template:\n    spec:\n      topologySpreadConstraints:\n      - maxSkew: 1\n        topologyKey: topology.kubernetes.io/zone\n        whenUnsatisfiable: ScheduleAnyway\n        labelSelector:\n          matchLabels:\n            app: api\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, REPLICATED),
    },
    check: Check::Native(zone_spread),
};

/// `spec.replicas`; unset means 1. `None` when it is not a number.
fn replicas(r: &Resource) -> Option<i64> {
    match r.attributes.get_path(&["spec", "replicas"]) {
        None => Some(1),
        Some(n) if matches!(n.value, crate::model::Value::Null) => Some(1),
        Some(n) => n.as_i64(),
    }
}

/// `minReplicas` of an HPA; unset means 1.
fn hpa_min(hpa: &Resource) -> Option<i64> {
    match hpa.attributes.get_path(&["spec", "minReplicas"]) {
        None => Some(1),
        Some(n) => n.as_i64(),
    }
}

fn setting_min(ctx: &Ctx) -> i64 {
    ctx.settings
        .get(ctx.rule, "min_replicas")
        .as_i64()
        .unwrap_or(3)
}

fn related(ctx: &Ctx, idx: Idx, path: &[&str], message: String) -> Related {
    let r = &ctx.resources[idx];
    Related {
        location: Location {
            file: r.file,
            span: r.locate(&AttrPath::root().join(path.iter().copied())),
        },
        message,
    }
}

/// Whether the workload runs (or can scale to) more than one pod.
fn is_replicated(ctx: &Ctx, r: &Resource) -> bool {
    !ctx.relations.hpas_of(r).is_empty() || replicas(r).is_some_and(|n| n > 1)
}

fn min_replicas(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let min = setting_min(ctx);
    let hpas = ctx.relations.hpas_of(r);
    if hpas
        .iter()
        .any(|&i| hpa_min(&ctx.resources[i]).is_some_and(|m| m >= min))
    {
        return;
    }
    let Some(n) = replicas(r) else { return };
    if n >= min {
        return;
    }
    let mut hit = Hit::new(
        AttrPath::root().join(["spec", "replicas"]),
        format!(
            "{} runs {n} replica{} in {}; the guides require at least {min}",
            r.address,
            if n == 1 { "" } else { "s" },
            r.environment.as_str()
        ),
    );
    hit.related = hpas
        .iter()
        .map(|&i| {
            related(
                ctx,
                i,
                &["spec", "minReplicas"],
                format!(
                    "{} scales it with fewer than {min} minimum replicas",
                    ctx.resources[i].address
                ),
            )
        })
        .collect();
    out.push(hit);
}

fn hpa_min_replicas(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let min = setting_min(ctx);
    let Some(n) = hpa_min(r) else { return };
    if n < min {
        out.push(Hit::new(
            AttrPath::root().join(["spec", "minReplicas"]),
            format!("{} lets the workload scale down to {n} replica{}; keep minReplicas at {min} or more", r.address, if n == 1 { "" } else { "s" }),
        ));
    }
}

fn pod_disruption_budget(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if !is_replicated(ctx, r) {
        return;
    }
    let Some(labels) = r
        .attributes
        .get_path(&["spec", "template", "metadata", "labels"])
    else {
        return;
    };
    let ns = r.namespace_or_default();
    let covered = ctx
        .relations
        .pdbs(group_of(r), ns)
        .iter()
        .any(|&i| pdb_selects(&ctx.resources[i], labels));
    if !covered {
        out.push(Hit::new(
            AttrPath::root(),
            format!(
                "{} has no PodDisruptionBudget in namespace {ns} selecting its pods",
                r.address
            ),
        ));
    }
}

/// Whether a PodDisruptionBudget selects pods labelled `labels`. A budget
/// without a selector selects nothing; an empty selector selects every pod of
/// the namespace in `policy/v1`, and none in `policy/v1beta1`.
fn pdb_selects(pdb: &Resource, labels: &Node) -> bool {
    let Some(sel) = pdb.attributes.get_path(&["spec", "selector"]) else {
        return false;
    };
    if matches!(sel.value, crate::model::Value::Null) {
        return false;
    }
    let empty = sel.is_empty_collection()
        || (sel.get("matchLabels").is_none_or(Node::is_empty_collection)
            && sel
                .get("matchExpressions")
                .is_none_or(Node::is_empty_collection));
    if empty && pdb.api_version.as_deref() == Some("policy/v1beta1") {
        return false;
    }
    selector_matches(sel, labels)
}

const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

fn zone_key(n: &Node) -> bool {
    n.get("topologyKey")
        .and_then(Node::as_str)
        .is_some_and(|k| ZONE_KEYS.contains(&k))
}

fn zone_spread(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if !is_replicated(ctx, r) {
        return;
    }
    let Some(path) = &r.pod_spec else { return };
    let Some(spec) = r.attributes.at(&path.0) else {
        return;
    };
    let spread = spec
        .get("topologySpreadConstraints")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(zone_key);
    let anti = spec
        .get_path(&["affinity", "podAntiAffinity"])
        .is_some_and(|a| {
            let required = a
                .get("requiredDuringSchedulingIgnoredDuringExecution")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(zone_key);
            let preferred = a
                .get("preferredDuringSchedulingIgnoredDuringExecution")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|p| p.get("podAffinityTerm").is_some_and(zone_key));
            required || preferred
        });
    if !spread && !anti {
        out.push(Hit::new(
            path.join(["topologySpreadConstraints"]),
            format!("{} does not spread its replicas across zones (no topology spread constraint or pod anti-affinity on topology.kubernetes.io/zone)", r.address),
        ));
    }
}
