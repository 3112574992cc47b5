//! Relations between Kubernetes resources, computed once per scan so rules
//! look them up instead of joining in nested loops.

use std::collections::BTreeMap;

use super::{Node, Platform, Resource};

/// Indexes into the scan's resource list.
pub type Idx = usize;

#[derive(Debug, Default)]
pub struct Relations {
    /// Workloads (kinds with a pod template) by namespace, in scan order.
    pub workloads: BTreeMap<String, Vec<Idx>>,
    /// HorizontalPodAutoscalers by (namespace, target kind, target name).
    pub hpas: BTreeMap<(String, String, String), Vec<Idx>>,
    pub pdbs: BTreeMap<String, Vec<Idx>>,
    pub network_policies: BTreeMap<String, Vec<Idx>>,
    pub quotas: BTreeMap<String, Vec<Idx>>,
    /// Namespace objects by name.
    pub namespaces: BTreeMap<String, Idx>,
}

impl Relations {
    pub fn build(resources: &[Resource]) -> Relations {
        let mut rel = Relations::default();
        for (i, r) in resources.iter().enumerate() {
            if r.platform != Platform::Kubernetes {
                continue;
            }
            let ns = r.namespace_or_default().to_string();
            if r.pod_spec.is_some() {
                rel.workloads.entry(ns).or_default().push(i);
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
                        .entry((ns, target("kind"), target("name")))
                        .or_default()
                        .push(i);
                }
                "PodDisruptionBudget" => rel.pdbs.entry(ns).or_default().push(i),
                "NetworkPolicy" => rel.network_policies.entry(ns).or_default().push(i),
                "ResourceQuota" => rel.quotas.entry(ns).or_default().push(i),
                "Namespace" => {
                    rel.namespaces.entry(r.name.to_string()).or_insert(i);
                }
                _ => {}
            }
        }
        rel
    }

    /// HPAs that scale `r`.
    pub fn hpas_of(&self, r: &Resource) -> &[Idx] {
        let key = (
            r.namespace_or_default().to_string(),
            r.kind.to_string(),
            r.name.to_string(),
        );
        self.hpas.get(&key).map_or(&[], Vec::as_slice)
    }

    pub fn in_namespace<'a>(map: &'a BTreeMap<String, Vec<Idx>>, ns: &str) -> &'a [Idx] {
        map.get(ns).map_or(&[], Vec::as_slice)
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
