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
//!
//! Terraform references relate within a *root module*: two root modules
//! (`environments/dev`, `environments/prod`) routinely declare the same
//! addresses (`aws_vpc.main`), and a flow log of one must not count for the
//! VPC of the other. The root module of a resource is the directory of the
//! file holding its outermost module call, or of its own file.

use std::any::Any;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use super::{AttrPath, EnvSource, Environment, Node, Platform, Resource};
use crate::source::{FileId, SourceFile};

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
    /// The root-module directory of each file of the resources, as an index
    /// into their distinct directories.
    file_roots: HashMap<FileId, u32>,
    /// Built with files; without, every resource is in one root module.
    by_files: bool,
    /// Files read only as context for named ones ([`SourceFile::context`]).
    context_files: HashSet<FileId>,
    /// The root module of each resource (by index), per `file_roots`.
    resource_roots: Vec<u32>,
    /// Indexes rules build on first use, once per scan ([`Relations::cached`]).
    indexes: IndexCache,
}

/// Per-scan indexes of rules, by name, built once and shared by every thread.
#[derive(Default)]
struct IndexCache(Mutex<HashMap<&'static str, Arc<dyn Any + Send + Sync>>>);

impl fmt::Debug for IndexCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IndexCache")
    }
}

impl Relations {
    /// Relations without file paths: every Terraform resource is taken to be
    /// in one root module. Scans use [`Relations::build_with_files`].
    pub fn build(resources: &[Resource]) -> Relations {
        Self::build_with_files(resources, &[])
    }

    /// Relations of a scan whose `FileId`s index `files`.
    pub fn build_with_files(resources: &[Resource], files: &[SourceFile]) -> Relations {
        let mut rel = Relations::default();
        // Only the files resources are in: the whole table walked once per
        // Terraform batch (of a few hundred resources) was a serial stretch.
        let mut dirs: HashMap<&str, u32> = HashMap::new();
        rel.by_files = !files.is_empty();
        for r in resources.iter().filter(|_| rel.by_files) {
            let file = Self::root_file(r);
            let (Entry::Vacant(slot), Some(f)) =
                (rel.file_roots.entry(file), files.get(file as usize))
            else {
                continue;
            };
            // `display` is `/`-separated; the directory is everything before the last `/`.
            let dir = f.display.rsplit_once('/').map_or("", |(d, _)| d);
            let next = dirs.len() as u32;
            slot.insert(*dirs.entry(dir).or_insert(next));
        }
        rel.context_files = (0..files.len() as FileId)
            .filter(|&id| files[id as usize].context)
            .collect();
        rel.resource_roots = resources.par_iter().map(|r| rel.root_of(r)).collect();
        rel.referrers = referrers(resources);
        for (i, r) in resources.iter().enumerate() {
            // A kustomize patch's objects are partial: they relate to nothing.
            let patch = || files.get(r.file as usize).is_some_and(|f| f.patch);
            if r.platform != Platform::Kubernetes || patch() {
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

    /// Whether `r` is in a file read only as context (its findings are not
    /// reported): a finding that any of several resources may carry goes
    /// to one in a named file.
    pub fn in_context(&self, r: &Resource) -> bool {
        !self.context_files.is_empty() && self.context_files.contains(&r.file)
    }

    /// The index `key` of this scan, built by `build` the first time it is
    /// asked for: a rule that would otherwise walk every resource for every
    /// resource it checks builds a map once instead. `key` names the index
    /// and its type (`"aws.s3.companions"`).
    pub fn cached<T: Any + Send + Sync>(
        &self,
        key: &'static str,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        // Held while building: other threads wanting the index wait for it.
        let mut map = self
            .indexes
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = map.get(key).cloned().and_then(|v| v.downcast::<T>().ok()) {
            return found;
        }
        let built = Arc::new(build());
        map.insert(key, built.clone());
        built
    }

    /// Resources whose attribute references `address`, with that attribute's
    /// path, in every root module of the scan. Rules want [`Relations::referrers_in`].
    pub fn referrers(&self, address: &str) -> &[(Idx, AttrPath)] {
        self.referrers.get(address).map_or(&[], Vec::as_slice)
    }

    /// Resources in the root module of `from` whose attribute references
    /// `address` (usually `from.address`), with that attribute's path.
    pub fn referrers_in<'a>(
        &'a self,
        from: &Resource,
        address: &str,
    ) -> impl Iterator<Item = &'a (Idx, AttrPath)> + 'a {
        let root = self.root_of(from);
        self.referrers(address)
            .iter()
            .filter(move |(i, _)| self.resource_roots.get(*i).copied().unwrap_or(u32::MAX) == root)
    }

    /// Whether two resources belong to the same Terraform root module.
    pub fn same_root(&self, a: &Resource, b: &Resource) -> bool {
        self.root_of(a) == self.root_of(b)
    }

    /// The root module of `r`: the directory of its outermost module call's
    /// file, else of its own file (0 for all when built without files).
    fn root_of(&self, r: &Resource) -> u32 {
        if !self.by_files {
            return 0;
        }
        self.file_roots
            .get(&Self::root_file(r))
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// The file whose directory is `r`'s root module: its outermost module
    /// call's, else its own.
    fn root_file(r: &Resource) -> FileId {
        r.origin.first().map_or(r.file, |call| call.file)
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

/// Terraform references by target, each list in resource order (then in the
/// resource's own order). Built on all threads: a large tree has hundreds of
/// thousands of references, and copying them one by one was a serial stretch.
fn referrers(resources: &[Resource]) -> BTreeMap<String, Vec<(Idx, AttrPath)>> {
    let mut all: Vec<(String, Idx, AttrPath)> = resources
        .par_iter()
        .enumerate()
        .filter(|(_, r)| r.platform == Platform::Terraform)
        .flat_map_iter(|(i, r)| {
            r.references
                .iter()
                .map(move |(path, target)| (target.clone(), i, path.clone()))
        })
        .collect();
    // Stable: references of one resource keep their order.
    all.par_sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut out: BTreeMap<String, Vec<(Idx, AttrPath)>> = BTreeMap::new();
    let mut all = all.into_iter().peekable();
    while let Some((target, i, path)) = all.next() {
        let mut list = vec![(i, path)];
        while let Some((_, j, p)) = all.next_if(|next| next.0 == target) {
            list.push((j, p));
        }
        out.insert(target, list);
    }
    out
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
