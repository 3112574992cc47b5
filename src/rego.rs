//! Rego policies through `regorus`: the model as `input`, `deny` results back
//! as attribute paths the engine turns into spans.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context, Result};
use regorus::{Engine, Value as RValue};

use crate::model::pod::PodView;
use crate::model::{AttrPath, Node, Resource, Seg, Value};
use crate::rules::{Check, Hit, Rule};
use crate::source::SourceFile;

/// A prepared engine holding every active Rego rule. Cloned per worker
/// (cheap with regorus' `arc` feature); policies are parsed once.
#[derive(Clone)]
pub struct RegoRules {
    engine: Engine,
    /// Rule and its `deny` query, for each Rego rule.
    queries: Vec<(&'static Rule, String)>,
}

impl RegoRules {
    pub fn new(rules: &[&'static Rule]) -> Result<Option<RegoRules>> {
        let mut engine = Engine::new();
        let mut queries = Vec::new();
        for rule in rules {
            if let Check::Rego {
                package,
                file,
                source,
            } = rule.check
            {
                engine
                    .add_policy(file.to_string(), source.to_string())
                    .with_context(|| format!("loading {file}"))?;
                queries.push((*rule, format!("data.{package}.deny")));
            }
        }
        if queries.is_empty() {
            return Ok(None);
        }
        let mut rules = RegoRules { engine, queries };
        // Missing builtins only fail when evaluated: evaluate every entry point once now.
        rules.engine.set_input(RValue::new_object());
        for (rule, query) in &rules.queries {
            rules
                .engine
                .eval_rule(query.clone())
                .map_err(|e| anyhow!("policy of {} does not evaluate: {e}", rule.meta.id))?;
        }
        Ok(Some(rules))
    }

    pub fn has(&self, rule: &Rule) -> bool {
        self.queries.iter().any(|(r, _)| std::ptr::eq(*r, rule))
    }

    /// Evaluate the given Rego rules on one resource's input.
    pub fn eval(
        &mut self,
        input: RValue,
        wanted: &[&'static Rule],
    ) -> Vec<(&'static Rule, Result<Vec<Hit>>)> {
        self.engine.set_input(input);
        let mut out = Vec::new();
        for (rule, query) in &self.queries {
            if !wanted.iter().any(|w| std::ptr::eq(*w, *rule)) {
                continue;
            }
            let result = self
                .engine
                .eval_rule(query.clone())
                .map_err(|e| anyhow!("{e}"))
                .map(|v| hits(&v));
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
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            RValue::String(s) => Some(Hit {
                path: AttrPath::root(),
                message: s.to_string(),
                related: Vec::new(),
            }),
            RValue::Object(o) => {
                let message = o
                    .get(&RValue::from("msg"))
                    .and_then(|m| m.as_string().ok())
                    .map(|s| s.to_string())?;
                let path = o
                    .get(&RValue::from("path"))
                    .map(path_of)
                    .unwrap_or_default();
                Some(Hit {
                    path,
                    message,
                    related: Vec::new(),
                })
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

/// The model value as a regorus value, built directly (no JSON text).
pub fn value(node: &Node) -> RValue {
    match &node.value {
        Value::Null | Value::Unknown => RValue::Null,
        Value::Bool(b) => RValue::from(*b),
        Value::Int(i) => RValue::from(*i),
        Value::Float(f) => RValue::from(*f),
        Value::Str(s) => RValue::from(s.as_ref()),
        Value::Seq(items) => RValue::from(items.iter().map(value).collect::<Vec<_>>()),
        Value::Map(entries) => RValue::from(
            entries
                .iter()
                .map(|e| (RValue::from(e.key.as_ref()), value(&e.value)))
                .collect::<BTreeMap<_, _>>(),
        ),
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

/// The policy input for one resource (documented in README, "Policy input").
pub fn input(r: &Resource, file: &SourceFile) -> RValue {
    let attributes = value(&r.attributes);
    let mut fields = vec![
        (
            "platform",
            RValue::from(format!("{:?}", r.platform).to_lowercase()),
        ),
        ("type", RValue::from(r.kind.as_ref())),
        ("kind", RValue::from(r.kind.as_ref())),
        ("api_version", opt(r.api_version.as_deref())),
        ("name", RValue::from(r.name.as_ref())),
        ("namespace", opt(r.namespace.as_deref())),
        ("address", RValue::from(r.address.as_str())),
        ("environment", RValue::from(r.environment.as_str())),
        ("file", RValue::from(file.display.as_str())),
    ];
    if let Some(pod) = PodView::of(r) {
        let pod_spec = attributes
            .as_object()
            .ok()
            .and_then(|_| lookup(&attributes, &pod.path))
            .unwrap_or(RValue::Null);
        let containers = pod
            .containers()
            .iter()
            .map(|c| {
                let index = match c.path.0.last() {
                    Some(Seg::Index(i)) => *i as u64,
                    _ => 0,
                };
                object(vec![
                    ("name", RValue::from(c.name)),
                    ("type", RValue::from(c.kind.field())),
                    ("label", RValue::from(c.kind.label())),
                    ("index", RValue::from(index)),
                    ("path", path_value(&c.path)),
                    ("spec", lookup(&attributes, &c.path).unwrap_or(RValue::Null)),
                ])
            })
            .collect::<Vec<_>>();
        fields.push((
            "pod",
            object(vec![
                ("path", path_value(&pod.path)),
                ("spec", pod_spec),
                ("containers", RValue::from(containers)),
            ]),
        ));
    }
    fields.push(("attributes", attributes));
    object(fields)
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
