//! Terraform plan JSON (`terraform show -json plan.out`): what will actually
//! be applied, with every variable and module input resolved.
//!
//! A plan becomes resources of the same shape Terraform configuration gives
//! (see [`crate::ingest::terraform`]), so every Terraform rule runs on it
//! unchanged:
//! - one resource per instance in `planned_values` (the root module and its
//!   nested `child_modules`), with Terraform's address
//!   (`module.app["x"].aws_s3_bucket.logs[0]`), `kind` the resource type
//!   (`data.<type>` for data sources), attributes from `values` (null
//!   attributes left out: rules treat null as unset);
//! - what `resource_changes[].change.after_unknown` lists is `Unknown`;
//!   instances whose only action is `delete` (or `forget`) are left out;
//! - `tags_all`, when the plan does not carry it (hand-written plans), is the
//!   AWS provider's `default_tags` from `configuration.provider_config`
//!   merged with `tags`;
//! - `references` come from `configuration`: each attribute's expression
//!   lists what it references (`aws_s3_bucket.b.id`); `each.value` stands for
//!   the instance of the resource the `for_each` expression references, a
//!   reference next to `count.index` for the same index, and module outputs
//!   are followed to the resources they reference;
//! - the header (where findings about missing attributes point) is the
//!   instance's `"address"` in the plan file; the environment comes from the
//!   plan file's path, then the tags, as for configuration.
//!
//! The file is read once, through [`reader::Reader`], a streaming JSON reader
//! that counts lines and columns as it goes: only `planned_values` is built
//! into nodes; `resource_changes` keeps each instance's actions and
//! `after_unknown`, `configuration` each block's references, and everything
//! else (`prior_state`, `before`, `after`, …) is skipped without allocating.
//! A syntax error anywhere makes the whole plan an IL000 finding: a plan
//! read in part is not what will be applied.
//!
//! When the configuration directory is in the scan too, findings are moved
//! to the `.tf` files ([`Locator`]).

pub mod address;
pub mod reader;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;

use crate::environment::{self, Classifier};
use crate::model::{AttrPath, Entry, Node, Platform, Resource, Value};
use crate::source::{FileId, Location, SourceFile, Span};
use address::Address;
use reader::{JsonError, Reader, Result};

/// Module nesting deeper than this is refused (Terraform's own limit is far lower in practice).
const MAX_MODULE_DEPTH: usize = 64;
/// Module outputs are followed this many modules deep.
const MAX_OUTPUT_DEPTH: usize = 16;

/// What one plan file produced.
#[derive(Debug, Default)]
pub struct Plan {
    pub resources: Vec<Resource>,
    /// A syntax or read error: nothing of the plan is checked (IL000).
    pub error: Option<JsonError>,
}

/// An instance of `planned_values`, before it is joined with its change and configuration.
struct Planned {
    address: String,
    data: bool,
    ty: String,
    name: String,
    /// Of the AWS provider (`tags_all` and `default_tags` apply).
    aws: bool,
    header: Span,
    values: Node,
    /// Its only action is delete or forget: not a resource.
    deleted: bool,
}

#[derive(Default)]
struct ModuleConfig {
    resources: HashMap<String, ResourceConfig>,
    calls: HashMap<String, ModuleConfig>,
    /// Output name → what its expression references.
    outputs: HashMap<String, Vec<String>>,
}

#[derive(Default)]
struct ResourceConfig {
    provider_key: Option<String>,
    /// Attribute path → what its expression references.
    refs: Vec<(AttrPath, Vec<String>)>,
    for_each_refs: Vec<String>,
}

#[derive(Default)]
struct Raw {
    planned: Vec<Planned>,
    /// `planned` by address hash, once `planned_values` is read: changes
    /// that come after it (as Terraform writes them) apply at once, rather
    /// than being kept until the end.
    by_hash: Option<Vec<(u64, usize)>>,
    /// Changes met before `planned_values` (hand-written plans): instances
    /// whose only action is delete or forget, and `after_unknown`s.
    deleted: BTreeSet<String>,
    after_unknown: HashMap<String, Node>,
    /// Provider configuration key → its `default_tags.tags` (a map, or `Unknown`).
    default_tags: HashMap<String, Node>,
    config: ModuleConfig,
}

/// Read a plan from `src` (the whole stream, once) into resources of file `file`.
pub fn ingest<R: Read>(src: R, file: FileId, class_path: &str, classifier: &Classifier) -> Plan {
    let mut r = Reader::new(src);
    r.skip_bom();
    let mut raw = Raw::default();
    let read = top(&mut r, &mut raw).and_then(|()| r.end());
    if let Err(e) = read {
        return Plan {
            resources: Vec::new(),
            error: Some(e),
        };
    }
    Plan {
        resources: build(raw, file, class_path, classifier),
        error: None,
    }
}

fn top<R: Read>(r: &mut Reader<R>, raw: &mut Raw) -> Result<()> {
    if r.next_byte()? != b'{' {
        return Err(r.error("a Terraform plan is a JSON object"));
    }
    r.object(|r, key, _| match key.as_str() {
        "planned_values" => {
            object(r, |r, key| match key {
                "root_module" => module_values(r, &mut raw.planned, 0),
                _ => r.skip(),
            })?;
            raw.planned.shrink_to_fit();
            let mut index: Vec<(u64, usize)> = raw
                .planned
                .iter()
                .enumerate()
                .map(|(i, p)| (hash(&p.address), i))
                .collect();
            index.sort_unstable();
            raw.by_hash = Some(index);
            Ok(())
        }
        "resource_changes" => array(r, |r| change(r, raw)),
        "configuration" => object(r, |r, key| match key {
            "provider_config" => object(r, |r, key| {
                let provider = r.node(0, true)?;
                if let Some(tags) = default_tags(&provider) {
                    raw.default_tags.insert(key.to_string(), tags);
                }
                Ok(())
            }),
            "root_module" => {
                raw.config = module_config(r, 0)?;
                Ok(())
            }
            _ => r.skip(),
        }),
        _ => r.skip(),
    })?;
    Ok(())
}

/// An object (or `null`): `f` gets each key and must consume its value.
fn object<R: Read>(
    r: &mut Reader<R>,
    mut f: impl FnMut(&mut Reader<R>, &str) -> Result<()>,
) -> Result<()> {
    if r.null()? {
        return Ok(());
    }
    if r.next_byte()? != b'{' {
        return Err(r.error("expected an object"));
    }
    r.object(|r, key, _| f(r, &key)).map(|_| ())
}

/// An array (or `null`): `f` must consume each element.
fn array<R: Read>(
    r: &mut Reader<R>,
    mut f: impl FnMut(&mut Reader<R>) -> Result<()>,
) -> Result<()> {
    if r.null()? {
        return Ok(());
    }
    if r.next_byte()? != b'[' {
        return Err(r.error("expected an array"));
    }
    r.array(|r, _| f(r)).map(|_| ())
}

fn module_values<R: Read>(r: &mut Reader<R>, out: &mut Vec<Planned>, depth: usize) -> Result<()> {
    if depth > MAX_MODULE_DEPTH {
        return Err(r.error(format!("modules nested deeper than {MAX_MODULE_DEPTH}")));
    }
    object(r, |r, key| match key {
        "resources" => array(r, |r| {
            if let Some(p) = planned(r)? {
                out.push(p);
            }
            Ok(())
        }),
        "child_modules" => array(r, |r| module_values(r, out, depth + 1)),
        _ => r.skip(),
    })
}

fn planned<R: Read>(r: &mut Reader<R>) -> Result<Option<Planned>> {
    let mut address = None;
    let mut data = false;
    let mut ty = None;
    let mut name = None;
    let mut aws = false;
    let mut values = None;
    if r.null()? {
        return Ok(None);
    }
    if r.next_byte()? != b'{' {
        return Err(r.error("expected a resource object"));
    }
    r.object(|r, key, key_span| {
        match key.as_str() {
            "address" => {
                address = r.string()?.map(|(s, span)| (s, key_span.to(span)));
            }
            "mode" => data = r.string()?.is_some_and(|(s, _)| s == "data"),
            "type" => ty = r.string()?.map(|(s, _)| s),
            "name" => name = r.string()?.map(|(s, _)| s),
            "provider_name" => aws = r.string()?.is_some_and(|(s, _)| is_aws(&s)),
            "values" => values = Some(r.node(0, true)?),
            _ => r.skip()?,
        }
        Ok(())
    })?;
    let (Some((address, header)), Some(ty), Some(name)) = (address, ty, name) else {
        // Not a resource instance Terraform would write: nothing to check.
        return Ok(None);
    };
    let values = match values {
        Some(v) if matches!(v.value, Value::Map(_)) => v,
        _ => Node::new(Value::Map(Vec::new()), header),
    };
    Ok(Some(Planned {
        address,
        data,
        ty,
        name,
        aws,
        header,
        values,
        deleted: false,
    }))
}

fn change<R: Read>(r: &mut Reader<R>, raw: &mut Raw) -> Result<()> {
    let mut address = None;
    let mut actions: Vec<String> = Vec::new();
    let mut after_unknown = None;
    object(r, |r, key| match key {
        "address" => {
            address = r.string()?.map(|(s, _)| s);
            Ok(())
        }
        "change" => object(r, |r, key| match key {
            "actions" => array(r, |r| {
                if let Some((a, _)) = r.string()? {
                    actions.push(a);
                }
                Ok(())
            }),
            "after_unknown" => {
                after_unknown = Some(r.node(0, true)?);
                Ok(())
            }
            _ => r.skip(),
        }),
        _ => r.skip(),
    })?;
    let Some(address) = address else {
        return Ok(());
    };
    let deleted = !actions.is_empty() && actions.iter().all(|a| a == "delete" || a == "forget");
    let after_unknown = after_unknown.filter(any_true);
    if !deleted && after_unknown.is_none() {
        return Ok(());
    }
    if let Some(index) = &raw.by_hash {
        let h = hash(&address);
        let from = index.partition_point(|(k, _)| *k < h);
        let found = index[from..]
            .iter()
            .take_while(|(k, _)| *k == h)
            .map(|&(_, i)| i)
            .find(|&i| raw.planned[i].address == address);
        if let Some(p) = found.and_then(|i| raw.planned.get_mut(i)) {
            p.deleted |= deleted;
            if let Some(au) = &after_unknown {
                mark_unknown(&mut p.values, au);
            }
        }
        // A change of an instance not in `planned_values` has nothing to apply to.
        return Ok(());
    }
    if deleted {
        raw.deleted.insert(address);
    } else if let Some(au) = after_unknown {
        raw.after_unknown.insert(address, au);
    }
    Ok(())
}

fn hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(s)
}

fn module_config<R: Read>(r: &mut Reader<R>, depth: usize) -> Result<ModuleConfig> {
    if depth > MAX_MODULE_DEPTH {
        return Err(r.error(format!("modules nested deeper than {MAX_MODULE_DEPTH}")));
    }
    let mut m = ModuleConfig::default();
    object(r, |r, key| match key {
        "resources" => array(r, |r| {
            // One block's configuration is small: build it, keep its references.
            let block = r.node(0, true)?;
            if let Some(address) = block.get("address").and_then(Node::as_str) {
                let mut refs = Vec::new();
                if let Some(e) = block.get("expressions") {
                    expression_refs(e, &mut AttrPath::root(), &mut refs);
                }
                m.resources.insert(
                    address.to_string(),
                    ResourceConfig {
                        provider_key: block
                            .get("provider_config_key")
                            .and_then(Node::as_str)
                            .map(str::to_string),
                        refs,
                        for_each_refs: block
                            .get("for_each_expression")
                            .map(references_of)
                            .unwrap_or_default(),
                    },
                );
            }
            Ok(())
        }),
        "module_calls" => object(r, |r, name| {
            let mut child = ModuleConfig::default();
            object(r, |r, key| match key {
                "module" => {
                    child = module_config(r, depth + 1)?;
                    Ok(())
                }
                _ => r.skip(),
            })?;
            m.calls.insert(name.to_string(), child);
            Ok(())
        }),
        "outputs" => object(r, |r, name| {
            let output = r.node(0, true)?;
            let refs = output
                .get("expression")
                .map(references_of)
                .unwrap_or_default();
            m.outputs.insert(name.to_string(), refs);
            Ok(())
        }),
        _ => r.skip(),
    })?;
    Ok(m)
}

/// `expressions.default_tags[0].tags` of a provider configuration: its
/// constant value, or `Unknown` when it is computed.
fn default_tags(provider: &Node) -> Option<Node> {
    let tags = provider
        .get_path(&["expressions", "default_tags"])?
        .items()
        .last()?
        .get("tags")?;
    match tags.get("constant_value") {
        Some(v) if matches!(v.value, Value::Map(_)) => Some(v.clone()),
        _ if tags.get("references").is_some() => Some(Node::new(Value::Unknown, tags.span)),
        _ => None,
    }
}

/// The `references` of one expression.
fn references_of(expr: &Node) -> Vec<String> {
    expr.get("references")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// An expression object (`{"references": …}` / `{"constant_value": …}`), as
/// opposed to a nested block (a map of expressions).
fn is_expression(n: &Node) -> bool {
    n.entries().is_empty() || n.get("references").is_some() || n.get("constant_value").is_some()
}

/// References of every attribute of a block's `expressions`, nested blocks
/// (lists of maps, as in the model) included.
fn expression_refs(block: &Node, path: &mut AttrPath, out: &mut Vec<(AttrPath, Vec<String>)>) {
    for e in block.entries() {
        path.push(&e.key);
        match &e.value.value {
            Value::Map(_) if is_expression(&e.value) => {
                let refs = references_of(&e.value);
                if !refs.is_empty() {
                    out.push((path.clone(), refs));
                }
            }
            Value::Map(_) => expression_refs(&e.value, path, out),
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i);
                    expression_refs(item, path, out);
                    path.0.pop();
                }
            }
            _ => {}
        }
        path.0.pop();
    }
}

fn any_true(n: &Node) -> bool {
    match &n.value {
        Value::Bool(b) => *b,
        Value::Map(entries) => entries.iter().any(|e| any_true(&e.value)),
        Value::Seq(items) => items.iter().any(any_true),
        _ => false,
    }
}

/// Make what `after_unknown` marks `true` unknown in `node`, adding what the
/// plan left out of `values` (unknown values are not written there).
fn mark_unknown(node: &mut Node, au: &Node) {
    if !any_true(au) {
        return;
    }
    let span = node.span;
    match &au.value {
        Value::Bool(true) => node.value = Value::Unknown,
        Value::Map(marks) => {
            if matches!(node.value, Value::Null) {
                node.value = Value::Map(Vec::new());
            }
            let Value::Map(entries) = &mut node.value else {
                return;
            };
            // Exactly what is added: `values` was read shrunk to fit, and
            // doubling it for one `id` would double a large plan's model.
            let missing = marks
                .iter()
                .filter(|m| any_true(&m.value) && !entries.iter().any(|e| e.key == m.key))
                .count();
            entries.reserve_exact(missing);
            for m in marks.iter().filter(|m| any_true(&m.value)) {
                let i = match entries.iter().rposition(|e| e.key == m.key) {
                    Some(i) => i,
                    None => {
                        entries.push(Entry {
                            key: m.key.clone(),
                            key_span: span,
                            value: Node::new(Value::Null, span),
                        });
                        entries.len() - 1
                    }
                };
                mark_unknown(&mut entries[i].value, &m.value);
            }
        }
        Value::Seq(marks) => {
            if matches!(node.value, Value::Null) {
                node.value = Value::Seq(Vec::new());
            }
            let Value::Seq(items) = &mut node.value else {
                return;
            };
            items.reserve_exact(marks.len().saturating_sub(items.len()));
            for (i, m) in marks.iter().enumerate().filter(|(_, m)| any_true(m)) {
                while items.len() <= i {
                    items.push(Node::new(Value::Null, span));
                }
                mark_unknown(&mut items[i], m);
            }
        }
        _ => {}
    }
}

fn build(mut raw: Raw, file: FileId, class_path: &str, classifier: &Classifier) -> Vec<Resource> {
    let planned = std::mem::take(&mut raw.planned);
    let mut out = Vec::with_capacity(planned.len());
    for mut p in planned {
        if p.deleted || raw.deleted.contains(&p.address) {
            continue;
        }
        if let Some(au) = raw.after_unknown.get(&p.address) {
            mark_unknown(&mut p.values, au);
        }
        let addr = Address::parse(&p.address);
        let module = addr
            .as_ref()
            .and_then(|a| raw.config.module(&a.module_names()));
        let config = addr
            .as_ref()
            .zip(module)
            .and_then(|(a, m)| m.resources.get(&a.local()));
        if !p.data && p.aws {
            add_tags_all(&mut p, config, &raw.default_tags);
        }
        let references = match (&addr, config, module) {
            (Some(a), Some(c), Some(m)) => references(a, c, m),
            _ => Vec::new(),
        };
        let markers = environment::terraform_markers(&p.values);
        let markers: Vec<Option<&str>> = markers.iter().map(Option::as_deref).collect();
        let (environment, env_source) = classifier.classify(class_path, &markers);
        let kind = if p.data {
            format!("data.{}", p.ty)
        } else {
            p.ty
        };
        out.push(Resource {
            platform: Platform::Terraform,
            file,
            kind: kind.into(),
            api_version: None,
            name: p.name.into(),
            namespace: None,
            address: p.address,
            environment,
            env_source,
            attributes: p.values,
            pod_spec: None,
            helm: None,
            header_span: Some(p.header),
            origin: Vec::new(),
            references,
            keyed: Vec::new(),
            count_unknown: false,
        });
    }
    out
}

impl ModuleConfig {
    /// The configuration of the module reached through the calls `names`.
    fn module(&self, names: &[String]) -> Option<&ModuleConfig> {
        names.iter().try_fold(self, |m, n| m.calls.get(n))
    }
}

/// `registry.terraform.io/hashicorp/aws` (or a bare `aws` in a hand-written plan).
fn is_aws(provider: &str) -> bool {
    provider.rsplit('/').next() == Some("aws")
}

/// `tags_all` for a plan that does not carry it: the provider's default
/// tags, then `tags` (which win), as the AWS provider computes it.
fn add_tags_all(
    p: &mut Planned,
    config: Option<&ResourceConfig>,
    defaults: &HashMap<String, Node>,
) {
    if p.values.entry("tags_all").is_some() {
        return;
    }
    let key = config
        .and_then(|c| c.provider_key.clone())
        .unwrap_or_else(|| "aws".to_string());
    // Keys of providers inherited by a module read `module.x:aws` in some versions.
    let defaults = defaults
        .get(&key)
        .or_else(|| key.rsplit_once(':').and_then(|(_, k)| defaults.get(k)));
    let tags = p.values.entry("tags");
    if defaults.is_none() && tags.is_none() {
        return;
    }
    let (key_span, span) = tags.map_or((p.header, p.header), |e| (e.key_span, e.value.span));
    let value = match (defaults.map(|d| &d.value), tags.map(|t| &t.value.value)) {
        (Some(Value::Unknown), _) | (_, Some(Value::Unknown)) => Value::Unknown,
        (d, t) => {
            let mut merged: BTreeMap<&str, Entry> = BTreeMap::new();
            for e in defaults
                .filter(|_| matches!(d, Some(Value::Map(_))))
                .map(Node::entries)
                .unwrap_or_default()
            {
                merged.insert(&e.key, e.clone());
            }
            if matches!(t, Some(Value::Map(_))) {
                for e in tags.map(|t| t.value.entries()).unwrap_or_default() {
                    merged.insert(&e.key, e.clone());
                }
            }
            Value::Map(merged.into_values().collect())
        }
    };
    if let Value::Map(entries) = &mut p.values.value {
        entries.push(Entry {
            key: "tags_all".into(),
            key_span,
            value: Node::new(value, span),
        });
    }
}

/// `[data.]type.name[key]` of a reference such as `aws_s3_bucket.b["x"].id`,
/// if it names a resource (not a variable, local, module output, …).
fn resource_ref(reference: &str) -> Option<String> {
    let steps = address::steps(reference)?;
    let first = steps.first()?;
    if matches!(
        first.name.as_str(),
        "var" | "local" | "each" | "count" | "path" | "self" | "terraform" | "module"
    ) {
        return None;
    }
    let (prefix, rest) = if first.name == "data" {
        ("data.", &steps[1..])
    } else {
        ("", &steps[..])
    };
    let (ty, name) = (rest.first()?, rest.get(1)?);
    if ty.key.is_some() {
        return None;
    }
    Some(format!(
        "{prefix}{}.{}{}",
        ty.name,
        name.name,
        name.key.as_deref().unwrap_or_default()
    ))
}

/// The resources (relative to `module`) that a list of references names,
/// following module outputs.
fn targets(refs: &[String], module: &ModuleConfig, depth: usize, out: &mut Vec<String>) {
    for r in refs {
        if let Some(t) = resource_ref(r) {
            out.push(t);
            continue;
        }
        if depth >= MAX_OUTPUT_DEPTH {
            continue;
        }
        // `module.vpc.vpc_id` / `module.vpc["k"].vpc_id`: what that output references.
        let Some(steps) = address::steps(r) else {
            continue;
        };
        if let [m, call, output, ..] = steps.as_slice() {
            if m.name != "module" || m.key.is_some() {
                continue;
            }
            let Some(child) = module.calls.get(&call.name) else {
                continue;
            };
            let Some(refs) = child.outputs.get(&output.name) else {
                continue;
            };
            let mut inner = Vec::new();
            targets(refs, child, depth + 1, &mut inner);
            let prefix = format!(
                "module.{}{}",
                call.name,
                call.key.as_deref().unwrap_or_default()
            );
            out.extend(inner.into_iter().map(|t| format!("{prefix}.{t}")));
        }
    }
}

/// (attribute path, full target address) for every reference of an instance.
fn references(
    addr: &Address,
    config: &ResourceConfig,
    module: &ModuleConfig,
) -> Vec<(AttrPath, String)> {
    let prefix = addr.module_prefix();
    let mut each_targets = Vec::new();
    targets(&config.for_each_refs, module, 0, &mut each_targets);
    let mut out = Vec::new();
    for (path, refs) in &config.refs {
        let mut found = Vec::new();
        targets(refs, module, 0, &mut found);
        if let Some(key) = &addr.key {
            if refs
                .iter()
                .any(|r| r == "each.value" || r.starts_with("each.value."))
            {
                // `for_each = aws_s3_bucket.b` with `bucket = each.value.id`.
                found.extend(each_targets.iter().map(|t| format!("{t}{key}")));
            }
            if refs.iter().any(|r| r == "count.index") {
                // `aws_s3_bucket.b[count.index].id` lists `aws_s3_bucket.b` and `count.index`.
                let indexed: Vec<String> = found
                    .iter()
                    .filter(|t| !t.ends_with(']'))
                    .map(|t| format!("{t}{key}"))
                    .collect();
                found.extend(indexed);
            }
        }
        // Terraform lists `b["x"].id`, `b["x"]` and `b`: keep the most precise.
        found.sort();
        found.dedup();
        let precise: Vec<&String> = found
            .iter()
            .filter(|t| {
                !found.iter().any(|o| {
                    o.len() > t.len() && o.starts_with(t.as_str()) && o[t.len()..].starts_with('[')
                })
            })
            .collect();
        for t in precise {
            out.push((path.clone(), address::join(&prefix, t)));
        }
    }
    out
}

/// Moves findings on plan resources to the configuration they came from,
/// when the configuration's root module is in the scan.
#[derive(Debug, Default)]
pub struct Locator {
    /// The configuration resources the plans cover: the scan evaluates the
    /// plan instead (it is what will be applied), and keeps these for
    /// locations and for suppression comments.
    pub shadowed: Vec<Resource>,
    /// (plan file, plan address) → index in `shadowed`.
    map: HashMap<(FileId, String), usize>,
}

/// The root module directory of a configuration resource: where its
/// outermost module call (or the resource) is written, and that file.
fn root_dir<'a>(r: &Resource, files: &'a [SourceFile]) -> Option<(&'a str, FileId)> {
    let file = r.origin.first().map_or(r.file, |l| l.file);
    let display = &files.get(file as usize)?.display;
    Some((display.rsplit_once('/').map_or("", |(d, _)| d), file))
}

impl Locator {
    /// Match each plan (the resources of `plan_files`) with the
    /// configuration root module sharing the most resource addresses with
    /// it, and take that root module's resources out of `resources` (a
    /// root module's `backend`, which plans do not carry, stays). Findings
    /// are not moved into `context` files (read only for context, their
    /// findings are not reported).
    pub fn new(
        resources: &mut Vec<Resource>,
        plan_files: &BTreeSet<FileId>,
        files: &[SourceFile],
        context: &dyn Fn(FileId) -> bool,
    ) -> Locator {
        let mut locator = Locator::default();
        if plan_files.is_empty() {
            return locator;
        }
        // Configuration resources by root module, then by address without keys.
        let mut roots: BTreeMap<&str, HashMap<String, Vec<usize>>> = BTreeMap::new();
        // Root modules read only as context: covered, but findings stay in the plan.
        let mut context_roots: BTreeSet<&str> = BTreeSet::new();
        for (i, r) in resources.iter().enumerate() {
            if r.platform != Platform::Terraform || plan_files.contains(&r.file) {
                continue;
            }
            let Some((dir, file)) = root_dir(r, files) else {
                continue;
            };
            if context(file) {
                context_roots.insert(dir);
            }
            roots
                .entry(dir)
                .or_default()
                .entry(address::strip_keys(&r.address))
                .or_default()
                .push(i);
        }
        let mut covered: BTreeSet<usize> = BTreeSet::new();
        let mut wanted: Vec<((FileId, String), usize)> = Vec::new();
        for &plan in plan_files {
            let in_plan: Vec<(&str, String)> = resources
                .iter()
                .filter(|r| r.file == plan)
                .map(|r| (r.address.as_str(), address::strip_keys(&r.address)))
                .collect();
            let best = roots
                .iter()
                .map(|(dir, by)| {
                    (
                        in_plan.iter().filter(|(_, s)| by.contains_key(s)).count(),
                        *dir,
                    )
                })
                .filter(|(n, _)| *n > 0)
                // The most shared addresses; on a tie, the first directory.
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)));
            let Some((_, dir)) = best else {
                continue;
            };
            let by = &roots[dir];
            for (address, stripped) in &in_plan {
                let Some(candidates) = by.get(stripped) else {
                    continue;
                };
                let exact = candidates
                    .iter()
                    .find(|&&i| resources[i].address == *address);
                if context_roots.contains(dir) {
                    break;
                }
                if let Some(&i) = exact.or_else(|| candidates.first()) {
                    wanted.push(((plan, address.to_string()), i));
                }
            }
            covered.extend(
                by.values()
                    .flatten()
                    .filter(|&&i| &*resources[i].kind != "terraform_backend"),
            );
        }
        if covered.is_empty() {
            return locator;
        }
        // Move the covered resources out, keeping their order.
        let mut new_index: HashMap<usize, usize> = HashMap::new();
        let mut kept = Vec::with_capacity(resources.len() - covered.len());
        for (i, r) in std::mem::take(resources).into_iter().enumerate() {
            if covered.contains(&i) {
                new_index.insert(i, locator.shadowed.len());
                locator.shadowed.push(r);
            } else {
                kept.push(r);
            }
        }
        *resources = kept;
        for (key, i) in wanted {
            if let Some(&j) = new_index.get(&i) {
                locator.map.insert(key, j);
            }
        }
        locator
    }

    /// Where a finding on the plan resource `address` of `plan`, about
    /// `path`, goes in the configuration (the attribute when it is written
    /// there, else the block header), and the module calls it came through.
    pub fn locate(
        &self,
        plan: FileId,
        address: &str,
        path: &AttrPath,
    ) -> Option<(Location, Vec<Location>)> {
        let &i = self.map.get(&(plan, address.to_string()))?;
        let r = self.shadowed.get(i)?;
        Some((
            Location {
                file: r.file,
                span: r.locate(path),
            },
            r.origin.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node {
        Reader::new(text.as_bytes()).node(0, true).expect("json")
    }

    #[test]
    fn unknown_values_are_added_where_the_plan_left_them_out() {
        let mut values = node(r#"{"a": 1, "b": {"c": 2}, "l": [{"x": 1}]}"#);
        mark_unknown(
            &mut values,
            &node(r#"{"a": false, "b": {"d": true}, "l": [{"y": true}, true], "e": true}"#),
        );
        assert_eq!(values.get("a").and_then(Node::as_i64), Some(1));
        assert!(values.get_path(&["b", "d"]).is_some_and(Node::is_unknown));
        assert!(values
            .get_path(&["b", "c"])
            .is_some_and(|n| !n.is_unknown()));
        assert!(values
            .get("l")
            .and_then(|l| l.index(1))
            .is_some_and(Node::is_unknown));
        assert!(values
            .get("l")
            .and_then(|l| l.index(0))
            .and_then(|n| n.get("y"))
            .is_some_and(Node::is_unknown));
        assert!(values.get("e").is_some_and(Node::is_unknown));
    }

    #[test]
    fn references_name_resources() {
        assert_eq!(
            resource_ref(r#"aws_s3_bucket.b["x"].id"#).as_deref(),
            Some(r#"aws_s3_bucket.b["x"]"#)
        );
        assert_eq!(
            resource_ref("data.aws_iam_policy_document.p.json").as_deref(),
            Some("data.aws_iam_policy_document.p")
        );
        for other in [
            "var.x",
            "local.y",
            "each.value",
            "count.index",
            "module.m.out",
            "aws_s3_bucket",
        ] {
            assert_eq!(resource_ref(other), None, "{other}");
        }
        let mut child = ModuleConfig::default();
        child.outputs.insert(
            "id".into(),
            vec!["aws_s3_bucket.this.id".into(), "aws_s3_bucket.this".into()],
        );
        let mut root = ModuleConfig::default();
        root.calls.insert("logs".into(), child);
        let config = ResourceConfig {
            provider_key: None,
            refs: vec![(
                AttrPath::root().join(["bucket"]),
                vec!["module.logs.id".into()],
            )],
            for_each_refs: Vec::new(),
        };
        let addr = Address::parse("aws_s3_bucket_versioning.v").expect("address");
        assert_eq!(
            references(&addr, &config, &root),
            vec![(
                AttrPath::root().join(["bucket"]),
                "module.logs.aws_s3_bucket.this".to_string()
            )]
        );
    }
}
