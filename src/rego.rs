//! Rego policies through `regorus`: the model as `input`, `deny` results back
//! as attribute paths the engine turns into spans.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use regorus::{Engine, Value as RValue};

use crate::model::pod::PodView;
use crate::model::relations::{group_of, selector_matches, Relations};
use crate::model::{AttrPath, Node, Resource, Seg, Value};
use crate::policy::{declares_rule, PolicyFile};
use crate::rules::{Check, Hit, Level, Rule};
use crate::source::SourceFile;

/// A prepared engine holding every active Rego rule. Cloned per worker
/// (cheap with regorus' `arc` feature); policies are parsed once.
#[derive(Clone)]
pub struct RegoRules {
    engine: Engine,
    /// Each Rego rule with its `deny` and `warn` queries (when declared)
    /// and the parts of the input its policies read.
    queries: Vec<Query>,
}

/// A Rego rule, its `deny` and `warn` queries, and what they read of the input.
type Query = (&'static Rule, Option<String>, Option<String>, InputNeeds);

/// The costly parts of the policy input ([`input_for`]) that policies read:
/// found in their text, so that a part no loaded policy mentions is not
/// built for every resource. Any use of `input` other than `input.NAME`
/// (`input[...]`, `object.get(input, ...)`, `with input as`), and any
/// reference to `data.` (another package may read the input), needs all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputNeeds {
    pub attributes: bool,
    pub pod: bool,
    pub related: bool,
    pub unknown: bool,
    pub references: bool,
}

impl InputNeeds {
    pub const ALL: InputNeeds = InputNeeds {
        attributes: true,
        pod: true,
        related: true,
        unknown: true,
        references: true,
    };

    /// What the policy text `source` reads of the input.
    pub fn of_source(source: &str) -> InputNeeds {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let bytes = source.as_bytes();
        let mut needs = InputNeeds::default();
        if source.contains("data.") {
            return InputNeeds::ALL;
        }
        for (at, _) in source.match_indices("input") {
            let end = at + "input".len();
            if at > 0 && (ident(bytes[at - 1]) || bytes[at - 1] == b'.') {
                continue;
            }
            if bytes.get(end).is_some_and(|&b| ident(b)) {
                continue;
            }
            if bytes.get(end) != Some(&b'.') {
                return InputNeeds::ALL;
            }
            let name_len = bytes[end + 1..].iter().take_while(|&&b| ident(b)).count();
            match &source[end + 1..end + 1 + name_len] {
                "attributes" => needs.attributes = true,
                "pod" => needs.pod = true,
                "related" => needs.related = true,
                "unknown" => needs.unknown = true,
                "references" => needs.references = true,
                "" => return InputNeeds::ALL,
                _ => {}
            }
        }
        needs
    }

    pub fn union(self, o: InputNeeds) -> InputNeeds {
        InputNeeds {
            attributes: self.attributes || o.attributes,
            pod: self.pod || o.pod,
            related: self.related || o.related,
            unknown: self.unknown || o.unknown,
            references: self.references || o.references,
        }
    }
}

/// Results of one resource's evaluation, per rule.
pub type RuleResults = Vec<(&'static Rule, Result<Vec<Hit>>)>;

impl RegoRules {
    /// Built-in policies come with their rules; user policy files are added
    /// as they are (several files may share a package).
    pub fn new(
        rules: &[&'static Rule],
        user: &[PolicyFile],
        timeout: Option<Duration>,
    ) -> Result<Option<RegoRules>> {
        let mut engine = Engine::new();
        let mut queries = Vec::new();
        let user_sources: Vec<&str> = user.iter().map(|f| f.source.as_str()).collect();
        // User files may add to any package, built-in ones included.
        let user_needs = user_sources.iter().fold(InputNeeds::default(), |n, s| {
            n.union(InputNeeds::of_source(s))
        });
        for rule in rules {
            if let Check::Rego {
                package,
                file,
                source,
            } = rule.check
            {
                if !source.is_empty() {
                    engine
                        .add_policy(file.to_string(), source.to_string())
                        .with_context(|| format!("loading {file}"))?;
                }
                let sources: Vec<&str> = if source.is_empty() {
                    user_sources.clone()
                } else {
                    vec![source]
                };
                let query = |entry: &str| {
                    declares_rule(&sources, package, entry)
                        .then(|| format!("data.{package}.{entry}"))
                };
                let needs = InputNeeds::of_source(source).union(user_needs);
                queries.push((*rule, query("deny"), query("warn"), needs));
            }
        }
        if queries.is_empty() {
            return Ok(None);
        }
        for f in user {
            engine.set_rego_v0(f.v0);
            engine
                .add_policy(f.display.clone(), f.source.clone())
                .map_err(|e| anyhow!("loading {}: {e}", f.display))?;
        }
        engine.set_rego_v0(false);
        if let Some(limit) = timeout {
            crate::policy::limit_time(&mut engine, limit);
        }
        let mut rules = RegoRules { engine, queries };
        // Missing builtins only fail when evaluated: evaluate every entry point once now.
        // A policy that runs out of time on empty input is reported per resource.
        rules.engine.set_input(RValue::new_object());
        for (rule, deny, warn, _) in &rules.queries {
            for query in [deny, warn].into_iter().flatten() {
                match rules.engine.eval_rule(query.clone()) {
                    Err(e) if !crate::policy::is_time_limit(&e) => {
                        return Err(anyhow!("policy of {} does not evaluate: {e}", rule.meta.id))
                    }
                    _ => {}
                }
            }
        }
        Ok(Some(rules))
    }

    /// Data for every evaluation (`data.infralint.inventory`).
    pub fn add_data(&mut self, data: RValue) -> Result<()> {
        self.engine.add_data(data)
    }

    /// What the policies of `rules` read of the input.
    pub fn needs(&self, rules: &[&'static Rule]) -> InputNeeds {
        self.queries
            .iter()
            .filter(|(rule, ..)| rules.iter().any(|w| std::ptr::eq(*w, *rule)))
            .fold(InputNeeds::default(), |n, q| n.union(q.3))
    }

    /// Evaluate the given Rego rules on one resource's input.
    pub fn eval(&mut self, input: RValue, wanted: &[&'static Rule]) -> RuleResults {
        self.engine.set_input(input);
        let mut out = Vec::new();
        for (rule, deny, warn, _) in &self.queries {
            if !wanted.iter().any(|w| std::ptr::eq(*w, *rule)) {
                continue;
            }
            let warn_level = rule.meta.level.min(Level::Warning);
            let mut eval = |q: &Option<String>| match q {
                Some(q) => self.engine.eval_rule(q.clone()).map(|v| hits(&v)),
                None => Ok(Vec::new()),
            };
            let result = eval(deny)
                .and_then(|mut all| {
                    all.extend(eval(warn)?.into_iter().map(|mut h| {
                        h.level = Some(warn_level);
                        h
                    }));
                    Ok(all)
                })
                .map_err(|e| anyhow!("{e}"));
            out.push((*rule, result));
        }
        out
    }
}

/// `deny` results: `{"msg", "path"}` objects, or bare strings (Conftest style)
/// reported at the resource header.
fn hits(set: &RValue) -> Vec<Hit> {
    let items: Vec<&RValue> = match set {
        RValue::Set(s) => s.iter().collect(),
        RValue::Array(a) => a.iter().collect(),
        // `deny[msg] if { … }` (OPA 0.x with future keywords) is read as an
        // object rule `{msg: true}`: its keys are the results.
        RValue::Object(o) => o
            .iter()
            .filter(|(_, v)| **v == RValue::Bool(true))
            .map(|(k, _)| k)
            .collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            RValue::String(s) => Some(Hit::new(AttrPath::root(), s.to_string())),
            RValue::Object(o) => {
                let message = o
                    .get(&RValue::from("msg"))
                    .and_then(|m| m.as_string().ok())
                    .map(|s| s.to_string())?;
                let path = o
                    .get(&RValue::from("path"))
                    .map(path_of)
                    .unwrap_or_default();
                Some(Hit::new(path, message))
            }
            _ => None,
        })
        .collect()
}

fn path_of(v: &RValue) -> AttrPath {
    let Ok(items) = v.as_array() else {
        return AttrPath::root();
    };
    AttrPath(
        items
            .iter()
            .filter_map(|seg| match seg {
                RValue::String(s) => Some(Seg::Key(s.as_ref().into())),
                RValue::Number(n) => n.as_u64().map(|i| Seg::Index(i as usize)),
                _ => None,
            })
            .collect(),
    )
}

/// The model value as a regorus value, built directly (no JSON text). Keys
/// are the model's shared `Arc<str>` (regorus' strings are `Arc<str>` too),
/// so converting a map allocates no key strings.
pub fn value(node: &Node) -> RValue {
    match &node.value {
        Value::Null | Value::Unknown => RValue::Null,
        Value::Bool(b) => RValue::from(*b),
        Value::Int(i) => RValue::from(*i),
        Value::Float(f) => RValue::from(*f),
        Value::Str(s) => RValue::from(s.as_ref()),
        Value::Seq(items) => RValue::from(items.iter().map(value).collect::<Vec<_>>()),
        Value::Map(entries) => {
            // Inserted one by one: most maps fit one tree node, and
            // collecting sorted a copy of the entries first. A repeated key
            // keeps its last value either way.
            let mut map = BTreeMap::new();
            for e in entries {
                map.insert(RValue::String(e.key.clone()), value(&e.value));
            }
            RValue::from(map)
        }
    }
}

fn path_value(path: &AttrPath) -> RValue {
    RValue::from(
        path.0
            .iter()
            .map(|s| match s {
                Seg::Key(k) => RValue::from(k.as_ref()),
                Seg::Index(i) => RValue::from(*i as u64),
            })
            .collect::<Vec<_>>(),
    )
}

fn object(fields: Vec<(&str, RValue)>) -> RValue {
    RValue::from(
        fields
            .into_iter()
            .map(|(k, v)| (RValue::from(k), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn opt(s: Option<&str>) -> RValue {
    s.map_or(RValue::Null, RValue::from)
}

/// The policy input for one resource (documented in docs/policy-input.md).
pub fn input(
    r: &Resource,
    file: &SourceFile,
    resources: &[Resource],
    relations: &Relations,
) -> RValue {
    input_for(r, file, resources, relations, InputNeeds::ALL)
}

/// [`input`] with only the costly parts that `needs` names (the rest is
/// left out: no loaded policy reads it).
pub fn input_for(
    r: &Resource,
    file: &SourceFile,
    resources: &[Resource],
    relations: &Relations,
    needs: InputNeeds,
) -> RValue {
    let attributes = needs.attributes.then(|| value(&r.attributes));
    let platform = match r.platform {
        crate::model::Platform::Kubernetes => "kubernetes",
        crate::model::Platform::Terraform => "terraform",
    };
    let mut fields = vec![
        ("platform", RValue::from(platform)),
        ("type", RValue::from(r.kind.as_ref())),
        ("kind", RValue::from(r.kind.as_ref())),
        ("api_version", opt(r.api_version.as_deref())),
        ("name", RValue::from(r.name.as_ref())),
        ("namespace", opt(r.namespace.as_deref())),
        ("address", RValue::from(r.address.as_str())),
        ("environment", RValue::from(r.environment.as_str())),
        ("file", RValue::from(file.display.as_str())),
    ];
    if let Some(pod) = PodView::of(r).filter(|_| needs.pod) {
        // Shared with `attributes` when that is built, else converted alone.
        let pod_spec = match &attributes {
            Some(attributes) => attributes
                .as_object()
                .ok()
                .and_then(|_| lookup(attributes, pod.path))
                .unwrap_or(RValue::Null),
            None => value(pod.spec),
        };
        let containers = pod
            .containers()
            .iter()
            .map(|c| {
                // A container sits at `field[index]` of the pod spec.
                let within = AttrPath(vec![c.kind.field().into(), Seg::Index(c.index())]);
                object(vec![
                    ("name", RValue::from(c.name)),
                    ("type", RValue::from(c.kind.field())),
                    ("label", RValue::from(c.kind.label())),
                    ("index", RValue::from(c.index() as u64)),
                    ("path", path_value(&c.path())),
                    ("spec", lookup(&pod_spec, &within).unwrap_or(RValue::Null)),
                ])
            })
            .collect::<Vec<_>>();
        fields.push((
            "pod",
            object(vec![
                ("path", path_value(pod.path)),
                ("spec", pod_spec),
                ("containers", RValue::from(containers)),
            ]),
        ));
    }
    if needs.related {
        fields.push(("related", related(r, resources, relations)));
    }
    if r.platform == crate::model::Platform::Terraform {
        if needs.unknown {
            fields.push(("unknown", unknown_paths(&r.attributes)));
        }
        if needs.references {
            fields.push((
                "references",
                RValue::from(
                    r.references
                        .iter()
                        .map(|(p, target)| {
                            object(vec![
                                ("path", path_value(p)),
                                ("address", RValue::from(target.as_str())),
                            ])
                        })
                        .collect::<Vec<_>>(),
                ),
            ));
        }
    }
    if let Some(attributes) = attributes {
        fields.push(("attributes", attributes));
    }
    object(fields)
}

fn addresses(resources: &[Resource], idx: &[usize]) -> RValue {
    RValue::from(
        idx.iter()
            .filter_map(|&i| resources.get(i))
            .map(|r| RValue::from(r.address.as_str()))
            .collect::<Vec<_>>(),
    )
}

/// `input.related`: addresses of the resources this one relates to.
fn related(r: &Resource, resources: &[Resource], relations: &Relations) -> RValue {
    if r.pod_spec.is_none() {
        return RValue::new_object();
    }
    let group = group_of(r);
    let ns = r.namespace_or_default();
    // The pod template's labels (a Pod's own metadata.labels).
    let labels = PodView::of(r)
        .and_then(|pod| pod.metadata())
        .and_then(|m| m.get("labels"));
    let pdbs: Vec<usize> = relations
        .pdbs(group, ns)
        .into_iter()
        .filter(|&i| matches!(labels, Some(l) if pdb_selects(&resources[i], l)))
        .collect();
    object(vec![
        ("hpas", addresses(resources, &relations.hpas_of(r))),
        ("pdbs", addresses(resources, &pdbs)),
        (
            "network_policies",
            addresses(resources, &relations.network_policies(group, ns)),
        ),
        ("quotas", addresses(resources, &relations.quotas(group, ns))),
        (
            "namespace",
            relations
                .namespace(group, ns)
                .or_else(|| relations.namespace(None, ns))
                .map_or(RValue::Null, |i| {
                    RValue::from(resources[i].address.as_str())
                }),
        ),
    ])
}

/// Whether a PodDisruptionBudget selects pods labelled `labels`, as K8S013
/// counts it: no (or a null) selector selects nothing; an empty one every pod
/// of the namespace in `policy/v1`, none in `policy/v1beta1`.
fn pdb_selects(pdb: &Resource, labels: &Node) -> bool {
    let Some(selector) = pdb.attributes.get_path(&["spec", "selector"]) else {
        return false;
    };
    if matches!(selector.value, Value::Null) {
        return false;
    }
    let empty = selector.is_empty_collection()
        || (selector
            .get("matchLabels")
            .is_none_or(Node::is_empty_collection)
            && selector
                .get("matchExpressions")
                .is_none_or(Node::is_empty_collection));
    if empty && pdb.api_version.as_deref() == Some("policy/v1beta1") {
        return false;
    }
    selector_matches(selector, labels)
}

/// Attribute paths whose value is known only after apply (`null` in
/// `attributes`): a policy must not report on them alone.
fn unknown_paths(root: &Node) -> RValue {
    let mut out = Vec::new();
    let mut todo: Vec<(&Node, AttrPath)> = vec![(root, AttrPath::root())];
    while let Some((n, p)) = todo.pop() {
        match &n.value {
            Value::Unknown => out.push(path_value(&p)),
            Value::Map(entries) => {
                for e in entries.iter().rev() {
                    todo.push((&e.value, p.join([&e.key])));
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    todo.push((item, p.join([Seg::Index(i)])));
                }
            }
            _ => {}
        }
    }
    RValue::from(out)
}

/// `data.infralint.inventory`: every resource by type, for cross-resource policies.
pub fn inventory(resources: &[Resource], files: &[SourceFile]) -> RValue {
    let mut by_type: BTreeMap<RValue, Vec<RValue>> = BTreeMap::new();
    for r in resources {
        let file = files
            .get(r.file as usize)
            .map_or("", |f| f.display.as_str());
        by_type
            .entry(RValue::from(r.kind.as_ref()))
            .or_default()
            .push(object(vec![
                ("address", RValue::from(r.address.as_str())),
                ("kind", RValue::from(r.kind.as_ref())),
                ("name", RValue::from(r.name.as_ref())),
                ("namespace", opt(r.namespace.as_deref())),
                ("environment", RValue::from(r.environment.as_str())),
                ("file", RValue::from(file)),
                ("attributes", value(&r.attributes)),
            ]));
    }
    let types: BTreeMap<RValue, RValue> = by_type
        .into_iter()
        .map(|(k, v)| (k, RValue::from(v)))
        .collect();
    object(vec![(
        "infralint",
        object(vec![("inventory", RValue::from(types))]),
    )])
}

/// The sub-value at `path` (shared, not copied: regorus values are reference-counted).
fn lookup(root: &RValue, path: &AttrPath) -> Option<RValue> {
    let mut v = root;
    for seg in &path.0 {
        v = match seg {
            Seg::Key(k) => v.as_object().ok()?.get(&RValue::from(k.as_ref()))?,
            Seg::Index(i) => v.as_array().ok()?.get(*i)?,
        };
    }
    Some(v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Classifier;
    use crate::ingest::kubernetes::{ingest, Outcome};

    #[test]
    fn needs_are_read_from_the_policy_text() {
        let pod_only = InputNeeds {
            pod: true,
            ..InputNeeds::default()
        };
        let attributes_only = InputNeeds {
            attributes: true,
            ..InputNeeds::default()
        };
        assert_eq!(
            InputNeeds::of_source(include_str!("../policies/kubernetes/privileged.rego")),
            pod_only
        );
        assert_eq!(
            InputNeeds::of_source(include_str!("../policies/kubernetes/storage_class.rego")),
            attributes_only
        );
        // `object.get(input, …)` could read any part.
        assert_eq!(
            InputNeeds::of_source(include_str!("../policies/terraform/state_backend.rego")),
            InputNeeds::ALL
        );
        for all in [
            "x := input",
            "x := input[\"pod\"]",
            "f(input)",
            "deny contains m if { data.lib.bad; m := \"x\" }",
            "y := input.",
        ] {
            assert_eq!(InputNeeds::of_source(all), InputNeeds::ALL, "{all}");
        }
        assert_eq!(
            InputNeeds::of_source("import input.related as r\nmyinput.attributes\nx.input.pod\ninputs.unknown\nt := input.references\nk := input.kind"),
            InputNeeds {
                related: true,
                references: true,
                ..InputNeeds::default()
            }
        );
        assert_eq!(
            InputNeeds::of_source("deny contains \"x\" if true"),
            InputNeeds::default()
        );
    }

    const POD: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      initContainers:
        - {name: init, image: busybox}
      containers:
        - name: web
          image: nginx
          securityContext: {privileged: true}
";

    #[test]
    fn a_partial_input_holds_the_same_parts() {
        let file = SourceFile::new(None, "web.yaml".to_string(), POD.to_string());
        let Outcome::Resources(resources) = ingest(&file, 0, &Classifier::default(), None) else {
            panic!("a Deployment")
        };
        let relations = Relations::build(&resources);
        let r = &resources[0];
        let full = input(r, &file, &resources, &relations);
        let pod_only = InputNeeds {
            pod: true,
            ..InputNeeds::default()
        };
        let part = input_for(r, &file, &resources, &relations, pod_only);
        let field = |v: &RValue, k: &str| {
            v.as_object()
                .ok()
                .and_then(|o| o.get(&RValue::from(k)).cloned())
        };
        assert!(field(&full, "pod").is_some());
        assert_eq!(field(&part, "pod"), field(&full, "pod"));
        assert_eq!(field(&part, "address"), field(&full, "address"));
        assert_eq!(field(&part, "platform"), Some(RValue::from("kubernetes")));
        assert_eq!(field(&part, "attributes"), None);
        assert_eq!(field(&part, "related"), None);
        let nothing = input_for(r, &file, &resources, &relations, InputNeeds::default());
        assert_eq!(field(&nothing, "pod"), None);
        assert_eq!(field(&nothing, "kind"), field(&full, "kind"));
    }
}
