//! Relations between Kubernetes resources, computed once per scan so rules
//! look them up instead of joining in nested loops.
//!
//! Resources relate only within a *group*: files whose path (or the
//! configuration's globs, or `--env`) names an environment form one group per
//! environment, so `overlays/dev/` and `overlays/prod/` — or a chart's
//! `values-dev.yaml` and `values-prod.yaml` renderings — are separate
//! deployments even when they use the same namespace. Files that name no
//! environment are shared: their policies, budgets, quotas and autoscalers
//! count for every group (a `base/` folder), while their workloads belong to
//! the shared group only.

use std::collections::BTreeMap;

use super::{AttrPath, EnvSource, Environment, Node, Platform, Resource};

/// Indexes into the scan's resource list.
pub type Idx = usize;

/// The group a resource relates within: the environment its file names, or
/// `None` for files that name none (shared).
pub type Group = Option<Environment>;

/// The group of a resource (see the module documentation).
pub fn group_of(r: &Resource) -> Group {
    match r.env_source {
        EnvSource::Cli | EnvSource::Config | EnvSource::Path => Some(r.environment),
        EnvSource::Marker | EnvSource::Default => None,
    }
}

/// A namespace within a group.
type NsKey = (Group, String);

#[derive(Debug, Default)]
pub struct Relations {
    /// Workloads (kinds with a pod template) by namespace, in scan order.
    workloads: BTreeMap<NsKey, Vec<Idx>>,
    /// HorizontalPodAutoscalers by (group, namespace, target kind, target name).
    hpas: BTreeMap<(Group, String, String, String), Vec<Idx>>,
    pdbs: BTreeMap<NsKey, Vec<Idx>>,
    network_policies: BTreeMap<NsKey, Vec<Idx>>,
    quotas: BTreeMap<NsKey, Vec<Idx>>,
    /// The first Namespace object of each name.
    namespaces: BTreeMap<NsKey, Idx>,
    /// Terraform: who references an address, through which attribute
    /// (`aws_s3_bucket_versioning.v["a"]` → `aws_s3_bucket.b["a"]` by `bucket`).
    referrers: BTreeMap<String, Vec<(Idx, AttrPath)>>,
}

impl Relations {
    pub fn build(resources: &[Resource]) -> Relations {
        let mut rel = Relations::default();
        for (i, r) in resources.iter().enumerate() {
            if r.platform == Platform::Terraform {
                for (path, target) in &r.references {
                    rel.referrers
                        .entry(target.clone())
                        .or_default()
                        .push((i, path.clone()));
                }
                continue;
            }
            if r.platform != Platform::Kubernetes {
                continue;
            }
            let group = group_of(r);
            let key = (group, r.namespace_or_default().to_string());
            if r.pod_spec.is_some() {
                rel.workloads.entry(key).or_default().push(i);
                continue;
            }
            match &*r.kind {
                "HorizontalPodAutoscaler" => {
                    let target = |k| {
                        r.attributes
                            .get_path(&["spec", "scaleTargetRef", k])
                            .and_then(Node::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    rel.hpas
                        .entry((group, key.1, target("kind"), target("name")))
                        .or_default()
                        .push(i);
                }
                "PodDisruptionBudget" => rel.pdbs.entry(key).or_default().push(i),
                "NetworkPolicy" => rel.network_policies.entry(key).or_default().push(i),
                "ResourceQuota" => rel.quotas.entry(key).or_default().push(i),
                "Namespace" => {
                    rel.namespaces
                        .entry((group, r.name.to_string()))
                        .or_insert(i);
                }
                _ => {}
            }
        }
        rel
    }

    /// Entries of `map` for namespace `ns` that resources of `group` see:
    /// their own group's, then the shared ones.
    fn visible(map: &BTreeMap<NsKey, Vec<Idx>>, group: Group, ns: &str) -> Vec<Idx> {
        let mut out = Self::strict(map, group, ns).to_vec();
        if group.is_some() {
            out.extend_from_slice(Self::strict(map, None, ns));
        }
        out
    }

    fn strict<'a>(map: &'a BTreeMap<NsKey, Vec<Idx>>, group: Group, ns: &str) -> &'a [Idx] {
        map.get(&(group, ns.to_string())).map_or(&[], Vec::as_slice)
    }

    /// HPAs that scale `r`.
    pub fn hpas_of(&self, r: &Resource) -> Vec<Idx> {
        let group = group_of(r);
        let key = |g: Group| {
            (
                g,
                r.namespace_or_default().to_string(),
                r.kind.to_string(),
                r.name.to_string(),
            )
        };
        let mut out: Vec<Idx> = self.hpas.get(&key(group)).cloned().unwrap_or_default();
        if group.is_some() {
            out.extend(self.hpas.get(&key(None)).into_iter().flatten());
        }
        out
    }

    /// PodDisruptionBudgets that can protect workloads of `group` in `ns`.
    pub fn pdbs(&self, group: Group, ns: &str) -> Vec<Idx> {
        Self::visible(&self.pdbs, group, ns)
    }

    /// NetworkPolicies that apply to workloads of `group` in `ns`.
    pub fn network_policies(&self, group: Group, ns: &str) -> Vec<Idx> {
        Self::visible(&self.network_policies, group, ns)
    }

    /// ResourceQuotas that limit workloads of `group` in `ns`.
    pub fn quotas(&self, group: Group, ns: &str) -> Vec<Idx> {
        Self::visible(&self.quotas, group, ns)
    }

    /// Workloads of `group` (only) in `ns`, in scan order.
    pub fn workloads(&self, group: Group, ns: &str) -> &[Idx] {
        Self::strict(&self.workloads, group, ns)
    }

    /// Resources whose attribute references `address`, with that attribute's path.
    pub fn referrers(&self, address: &str) -> &[(Idx, AttrPath)] {
        self.referrers.get(address).map_or(&[], Vec::as_slice)
    }

    /// The (first) Namespace object named `ns` in `group` (only).
    pub fn namespace(&self, group: Group, ns: &str) -> Option<Idx> {
        self.namespaces.get(&(group, ns.to_string())).copied()
    }
}

/// Whether a label selector (`matchLabels` and `matchExpressions`) selects
/// `labels`, as Kubernetes matches them. An empty selector selects everything.
pub fn selector_matches(selector: &Node, labels: &Node) -> bool {
    let label = |k: &str| labels.get(k).and_then(Node::scalar_text);
    for e in selector
        .get("matchLabels")
        .map(Node::entries)
        .unwrap_or_default()
    {
        if label(&e.key) != e.value.scalar_text() {
            return false;
        }
    }
    for expr in selector
        .get("matchExpressions")
        .map(Node::items)
        .unwrap_or_default()
    {
        let Some(key) = expr.get("key").and_then(Node::as_str) else {
            return false;
        };
        let values: Vec<String> = expr
            .get("values")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        let have = label(key);
        let ok = match expr.get("operator").and_then(Node::as_str) {
            Some("In") => have.is_some_and(|v| values.contains(&v)),
            Some("NotIn") => have.is_none_or(|v| !values.contains(&v)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::yaml::parse_stream;

    fn node(text: &str) -> Node {
        parse_stream(text).expect("yaml").remove(0).root
    }

    #[test]
    fn selectors() {
        let labels = node("app: web\ntier: frontend\n");
        assert!(selector_matches(&node("matchLabels: {app: web}"), &labels));
        assert!(!selector_matches(&node("matchLabels: {app: api}"), &labels));
        assert!(selector_matches(&node("{}"), &labels));
        let expr = |op: &str, vals: &str| {
            node(&format!(
                "matchExpressions: [{{key: tier, operator: {op}, values: [{vals}]}}]"
            ))
        };
        assert!(selector_matches(&expr("In", "frontend, backend"), &labels));
        assert!(!selector_matches(&expr("NotIn", "frontend"), &labels));
        assert!(selector_matches(&expr("Exists", ""), &labels));
        assert!(!selector_matches(&expr("DoesNotExist", ""), &labels));
        assert!(selector_matches(
            &node("matchExpressions: [{key: zone, operator: DoesNotExist}]"),
            &labels
        ));
    }
}
