//! Module instances: a module directory evaluated with given variable values,
//! and the resource instances it yields.
//!
//! Everything is evaluated lazily and cached per instance: a local when first
//! referenced, a resource's `count`/`for_each` when its instances or a
//! reference to it are needed, a child module when it is called. Cycles
//! (locals that refer to each other, a resource's `count` that refers to the
//! resource) are detected by marking entries in progress; they become unknown
//! with a note. Lazy evaluation nests at most [`MAX_NESTING`] deep.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::eval::{Budget, Env, Eval, EvalError, Scope};
use super::ir::{Block, Body, Expr, ExprKind, Key, ObjKey, Op, Part};
use super::module::{Mode, ModuleCall, ModuleConfig};
use super::project::{is_local, Project};
use super::types::Ty;
use super::value::{self, unknown_from, V};
use crate::environment::Classifier;
use crate::model::{AttrPath, Entry, EnvSource, Environment, Node, Platform, Resource, Value};
use crate::source::{FileId, Location, Span};

/// Most instances of one resource or module call (`count`, `for_each`).
pub const MAX_INSTANCES: usize = 10_000;
/// Most resource instances one root module may yield in total.
pub const MAX_TOTAL: usize = 200_000;
/// Deepest chain of lazily evaluated locals, outputs and module calls.
pub const MAX_NESTING: usize = 96;
/// Deepest module call nesting.
pub const MAX_MODULE_DEPTH: usize = 32;
/// Evaluation steps one root module may take.
pub const FUEL: u64 = 20_000_000;
/// Most module instances one root module may create.
pub const MAX_MODULES: usize = 10_000;
/// Most nested blocks one resource instance may get from `dynamic` blocks.
pub const MAX_BLOCKS: usize = 10_000;

/// Meta-arguments of resources that are not attributes.
const RESOURCE_META: &[&str] = &["count", "for_each", "provider", "depends_on"];
const RESOURCE_META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];
const MODULE_META: &[&str] = &["count", "for_each", "providers", "depends_on"];

/// State shared by all instances of one root module's evaluation.
pub struct Root<'p> {
    pub project: &'p Project,
    pub classifier: &'p Classifier,
    pub budget: Budget,
    notes: RefCell<Vec<String>>,
    nesting: Cell<usize>,
    emitted: Cell<usize>,
    modules: Cell<usize>,
    manifest: Option<&'p HashMap<String, PathBuf>>,
    pub dir: &'p Path,
    /// Each file's environment from its path alone: every resource of a
    /// file asked again (path classification was 2% of a large scan).
    by_path: RefCell<HashMap<FileId, (Environment, EnvSource)>>,
}

impl<'p> Root<'p> {
    pub fn new(project: &'p Project, classifier: &'p Classifier, dir: &'p Path) -> Root<'p> {
        Root {
            project,
            classifier,
            budget: Budget::new(FUEL),
            notes: RefCell::new(Vec::new()),
            nesting: Cell::new(0),
            emitted: Cell::new(0),
            modules: Cell::new(0),
            manifest: project.manifests.get(dir),
            dir,
            by_path: RefCell::new(HashMap::new()),
        }
    }

    /// The environment of `file` from its path (no markers), remembered.
    fn environment_by_path(&self, file: FileId) -> (Environment, EnvSource) {
        if let Some(&found) = self.by_path.borrow().get(&file) {
            return found;
        }
        let path = self.class_path(file);
        let found = self.classifier.classify(&path, &[]);
        self.by_path.borrow_mut().insert(file, found);
        found
    }

    fn class_path(&self, file: FileId) -> String {
        self.project
            .class_paths
            .get(file as usize)
            .cloned()
            .unwrap_or_default()
    }

    pub fn note(&self, msg: String) {
        let mut n = self.notes.borrow_mut();
        if !n.contains(&msg) {
            n.push(msg);
        }
    }

    pub fn take_notes(&self) -> Vec<String> {
        let mut n = std::mem::take(&mut *self.notes.borrow_mut());
        if self.budget.exhausted() {
            n.push(format!(
                "{}: evaluation stopped after {FUEL} steps; later values are unknown",
                self.display(self.dir)
            ));
        }
        n
    }

    fn display(&self, dir: &Path) -> String {
        self.project
            .modules
            .get(dir)
            .map_or_else(|| dir.display().to_string(), |m| m.display.clone())
    }

    /// Run `f` one lazy level deeper, or give up (unknown) past the limit.
    fn nested<T>(&self, what: &str, f: impl FnOnce() -> T, fallback: T) -> T {
        let n = self.nesting.get();
        if n >= MAX_NESTING {
            self.note(format!(
                "{what}: references nest more than {MAX_NESTING} levels deep; its value is unknown"
            ));
            return fallback;
        }
        self.nesting.set(n + 1);
        let out = f();
        self.nesting.set(n);
        out
    }
}

enum Slot {
    InProgress,
    Done(V),
}

/// How many instances a resource or module call has.
#[derive(Clone, Debug)]
pub enum Expansion {
    Single,
    Count(usize),
    /// `for_each`: key and `each.value`.
    Keys(Vec<(String, V)>),
    /// `count`/`for_each` is unknown: one instance whose `count.index` or
    /// `each.*` are unknown (carrying what the expression referred to).
    Unknown {
        by_count: bool,
        from: V,
    },
}

/// One instance of an expansion: its address suffix and its binding.
struct InstanceKey {
    suffix: String,
    binding: Option<(&'static str, V)>,
}

impl Expansion {
    /// Whether the `count`/`for_each` is unknown: the one instance stands for
    /// any number.
    fn is_unknown(&self) -> bool {
        matches!(self, Expansion::Unknown { .. })
    }

    fn instances(&self) -> Vec<InstanceKey> {
        let obj = |pairs: Vec<(&str, V)>| {
            V::map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        };
        match self {
            Expansion::Single => vec![InstanceKey {
                suffix: String::new(),
                binding: None,
            }],
            Expansion::Count(n) => (0..*n)
                .map(|i| InstanceKey {
                    suffix: format!("[{i}]"),
                    binding: Some(("count", obj(vec![("index", V::Num(i as f64))]))),
                })
                .collect(),
            Expansion::Keys(keys) => keys
                .iter()
                .map(|(k, v)| InstanceKey {
                    suffix: format!("[{}]", quote(k)),
                    binding: Some((
                        "each",
                        obj(vec![("key", V::str(k.as_str())), ("value", v.clone())]),
                    )),
                })
                .collect(),
            Expansion::Unknown { by_count, from } => {
                let u = unknown_from([from]);
                let binding = if *by_count {
                    ("count", obj(vec![("index", u)]))
                } else {
                    ("each", obj(vec![("key", u.clone()), ("value", u)]))
                };
                vec![InstanceKey {
                    suffix: String::new(),
                    binding: Some(binding),
                }]
            }
        }
    }
}

/// A for_each key as Terraform writes it in addresses: `"audit"`.
pub fn quote(k: &str) -> String {
    let mut out = String::from("\"");
    for c in k.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A module call's instances.
enum Children<'p> {
    /// Not available locally (a registry or git source without `terraform init`).
    Unresolved,
    /// Recursion or too deep: nothing to evaluate.
    Skipped,
    Instances {
        expansion: Expansion,
        list: Vec<Rc<Inst<'p>>>,
    },
}

/// One module instance.
pub struct Inst<'p> {
    root: &'p Root<'p>,
    config: &'p ModuleConfig,
    /// Address prefix: "" for the root, `module.a["x"].` below.
    prefix: String,
    /// Key in modules.json: "" for the root, `a.b` below.
    key_path: String,
    vars: BTreeMap<String, V>,
    /// Module calls leading here, outermost first.
    origin: Vec<Location>,
    /// Directories of this instance and its callers (recursion check).
    dirs: Vec<PathBuf>,
    parent_providers: BTreeMap<String, V>,
    /// `providers = { aws = aws.west }` of the call that made this instance.
    provider_map: Vec<(String, String)>,
    providers: OnceCell<BTreeMap<String, V>>,
    locals: RefCell<HashMap<String, Slot>>,
    outputs: RefCell<HashMap<String, Slot>>,
    expansions: RefCell<HashMap<usize, Option<Expansion>>>,
    children: RefCell<HashMap<usize, Rc<Children<'p>>>>,
    children_busy: RefCell<HashSet<usize>>,
    /// A module call leading here has an unknown `count`/`for_each`.
    count_unknown: bool,
}

impl<'p> Inst<'p> {
    /// The root module instance, with variables from the directory's var files,
    /// `--var-file` and `--var`.
    pub fn root(
        root: &'p Root<'p>,
        config: &'p ModuleConfig,
        cli_vars: &[(String, String)],
    ) -> Inst<'p> {
        let ev = Eval::new(&super::eval::NoContext, &root.budget);
        let mut given: BTreeMap<String, V> = BTreeMap::new();
        let bodies = config
            .var_files
            .iter()
            .map(|f| &f.body)
            .chain(root.project.cli_var_files.iter().map(|(_, b)| b));
        for body in bodies {
            for a in &body.attrs {
                given.insert(
                    a.name.to_string(),
                    ev.eval(&a.expr, None).unwrap_or_else(|_| V::unknown()),
                );
            }
        }
        for (name, raw) in cli_vars {
            let ty = config
                .variables
                .get(name)
                .and_then(|v| v.ty.as_ref())
                .map_or(Ty::Any, Ty::parse);
            let v = if ty.takes_literal() {
                V::str(raw.as_str())
            } else {
                match super::parse::parse_expression(raw) {
                    Ok(e) => ev.eval(&e, None).unwrap_or_else(|_| V::unknown()),
                    Err(_) => V::str(raw.as_str()),
                }
            };
            given.insert(name.clone(), v);
        }
        let vars = bind_vars(config, given, &root.budget);
        Inst::new(
            root,
            config,
            String::new(),
            String::new(),
            vars,
            Vec::new(),
            vec![config.dir.clone()],
            BTreeMap::new(),
            Vec::new(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        root: &'p Root<'p>,
        config: &'p ModuleConfig,
        prefix: String,
        key_path: String,
        vars: BTreeMap<String, V>,
        origin: Vec<Location>,
        dirs: Vec<PathBuf>,
        parent_providers: BTreeMap<String, V>,
        provider_map: Vec<(String, String)>,
    ) -> Inst<'p> {
        Inst {
            root,
            config,
            prefix,
            key_path,
            vars,
            origin,
            dirs,
            parent_providers,
            provider_map,
            providers: OnceCell::new(),
            locals: RefCell::new(HashMap::new()),
            outputs: RefCell::new(HashMap::new()),
            expansions: RefCell::new(HashMap::new()),
            children: RefCell::new(HashMap::new()),
            children_busy: RefCell::new(HashSet::new()),
            count_unknown: false,
        }
    }

    fn ev(&self) -> Eval<'_> {
        Eval::new(self, &self.root.budget)
    }

    fn what(&self, thing: &str) -> String {
        format!("{}: {}{thing}", self.config.display, self.prefix)
    }

    fn local(&self, name: &str) -> V {
        match self.locals.borrow().get(name) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => {
                self.root.note(format!(
                    "{}: local.{name} refers to itself (a cycle between locals); its value is unknown",
                    self.config.display
                ));
                return V::unknown();
            }
            None => {}
        }
        let Some(decl) = self.config.locals.get(name) else {
            return V::unknown();
        };
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Slot::InProgress);
        let what = self.what(&format!("local.{name}"));
        let v = self.root.nested(
            &what,
            || {
                self.ev()
                    .eval(&decl.expr, None)
                    .unwrap_or_else(|_| V::unknown())
            },
            V::unknown(),
        );
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Slot::Done(v.clone()));
        v
    }

    fn output(&self, name: &str) -> Result<V, EvalError> {
        match self.outputs.borrow().get(name) {
            Some(Slot::Done(v)) => return Ok(v.clone()),
            Some(Slot::InProgress) => {
                self.root.note(format!(
                    "{}: output {name:?} refers to itself; its value is unknown",
                    self.config.display
                ));
                return Ok(V::unknown());
            }
            None => {}
        }
        let Some(decl) = self.config.outputs.get(name) else {
            return Err(EvalError::new(format!(
                "the module has no output named {name:?}"
            )));
        };
        self.outputs
            .borrow_mut()
            .insert(name.to_string(), Slot::InProgress);
        let what = self.what(&format!("output.{name}"));
        let v = self.root.nested(
            &what,
            || {
                self.ev()
                    .eval(&decl.expr, None)
                    .unwrap_or_else(|_| V::unknown())
            },
            V::unknown(),
        );
        self.outputs
            .borrow_mut()
            .insert(name.to_string(), Slot::Done(v.clone()));
        Ok(v)
    }

    /// All outputs as an object (for `module.x` used as a whole).
    fn outputs_object(&self) -> V {
        let mut names: Vec<&String> = self.config.outputs.keys().collect();
        names.sort();
        V::map(
            names
                .into_iter()
                .map(|n| (n.clone(), self.output(n).unwrap_or_else(|_| V::unknown())))
                .collect(),
        )
    }

    /// `count`/`for_each` of a block body, evaluated here.
    fn expand(&self, body: &Body, what: &str) -> Expansion {
        let ev = self.ev();
        if let Some(a) = body.attr("for_each") {
            let v = ev.eval(&a.expr, None).unwrap_or_else(|_| V::unknown());
            let keys: Option<Vec<(String, V)>> = match &v {
                V::Map(m) => Some(m.iter().map(|(k, x)| (k.clone(), x.clone())).collect()),
                V::Set(items) | V::List(items) if !v.has_unknown() => items
                    .iter()
                    .map(|x| value::to_string(x).map(|s| (s.to_string(), x.clone())))
                    .collect(),
                V::Null => Some(Vec::new()),
                _ => None,
            };
            return match keys {
                Some(mut keys) => {
                    if keys.len() > MAX_INSTANCES {
                        self.root.note(format!(
                            "{what}: for_each has {} elements; only the first {MAX_INSTANCES} are evaluated",
                            keys.len()
                        ));
                        keys.truncate(MAX_INSTANCES);
                    }
                    keys.sort_by(|a, b| a.0.cmp(&b.0));
                    keys.dedup_by(|a, b| a.0 == b.0);
                    Expansion::Keys(keys)
                }
                None => Expansion::Unknown {
                    by_count: false,
                    from: v,
                },
            };
        }
        if let Some(a) = body.attr("count") {
            let v = ev.eval(&a.expr, None).unwrap_or_else(|_| V::unknown());
            return match value::to_number(&v) {
                Some(n) if n >= 0.0 && n.fract() == 0.0 => {
                    let n = if n > MAX_INSTANCES as f64 {
                        self.root.note(format!(
                            "{what}: count is {}; only the first {MAX_INSTANCES} instances are evaluated",
                            value::fmt_num(n)
                        ));
                        MAX_INSTANCES
                    } else {
                        n as usize
                    };
                    Expansion::Count(n)
                }
                _ if v.is_unknown() => Expansion::Unknown {
                    by_count: true,
                    from: v,
                },
                // A negative, fractional or non-number count is an error in
                // Terraform: there is nothing to check.
                _ => Expansion::Count(0),
            };
        }
        Expansion::Single
    }

    fn resource_address(&self, idx: usize) -> String {
        let d = &self.config.resources[idx];
        let data = if d.mode == Mode::Data { "data." } else { "" };
        format!("{}{data}{}.{}", self.prefix, d.ty, d.name)
    }

    fn expansion(&self, idx: usize) -> Expansion {
        match self.expansions.borrow().get(&idx) {
            Some(Some(e)) => return e.clone(),
            Some(None) => {
                self.root.note(format!(
                    "{}: the count or for_each of {} refers to itself; it is treated as unknown",
                    self.config.display,
                    self.resource_address(idx)
                ));
                return Expansion::Unknown {
                    by_count: false,
                    from: V::unknown(),
                };
            }
            None => {}
        }
        self.expansions.borrow_mut().insert(idx, None);
        let what = self.what(&self.resource_address(idx)[self.prefix.len()..]);
        let e = self.root.nested(
            &what,
            || self.expand(&self.config.resources[idx].block.body, &what),
            Expansion::Unknown {
                by_count: false,
                from: V::unknown(),
            },
        );
        self.expansions.borrow_mut().insert(idx, Some(e.clone()));
        e
    }

    /// A resource as an expression sees it: unknown instances that refer to it.
    fn resource_value(&self, idx: usize) -> V {
        let addr = self.resource_address(idx);
        match self.expansion(idx) {
            Expansion::Single | Expansion::Unknown { .. } => V::unknown_ref(&addr),
            Expansion::Count(n) => V::list(
                (0..n)
                    .map(|i| V::unknown_ref(&format!("{addr}[{i}]")))
                    .collect(),
            ),
            Expansion::Keys(keys) => V::map(
                keys.iter()
                    .map(|(k, _)| (k.clone(), V::unknown_ref(&format!("{addr}[{}]", quote(k)))))
                    .collect(),
            ),
        }
    }

    fn call_address(&self, call: &ModuleCall) -> String {
        format!("{}module.{}", self.prefix, call.name)
    }

    /// Where a module call's source is, if we have it.
    fn call_dir(&self, call: &ModuleCall) -> Option<&'p PathBuf> {
        let source = call.source.as_deref()?;
        if is_local(source) {
            return self
                .root
                .project
                .local_targets
                .get(&(self.config.dir.clone(), call.name.clone()));
        }
        let key = if self.key_path.is_empty() {
            call.name.clone()
        } else {
            format!("{}.{}", self.key_path, call.name)
        };
        self.root.manifest?.get(&key)
    }

    fn children(&self, idx: usize) -> Rc<Children<'p>> {
        if let Some(c) = self.children.borrow().get(&idx) {
            return c.clone();
        }
        let call = &self.config.calls[idx];
        if !self.children_busy.borrow_mut().insert(idx) {
            self.root.note(format!(
                "{}: the inputs of {} refer to the module's own outputs; they are unknown",
                self.config.display,
                self.call_address(call)
            ));
            return Rc::new(Children::Skipped);
        }
        let what = self.what(&format!("module.{}", call.name));
        let c = Rc::new(
            self.root
                .nested(&what, || self.make_children(call), Children::Skipped),
        );
        self.children_busy.borrow_mut().remove(&idx);
        self.children.borrow_mut().insert(idx, c.clone());
        c
    }

    fn make_children(&self, call: &ModuleCall) -> Children<'p> {
        let address = self.call_address(call);
        let source = call
            .source
            .clone()
            .unwrap_or_else(|| "<not a literal>".into());
        let Some(dir) = self.call_dir(call) else {
            let why = if is_local(&source) {
                "directory not found"
            } else {
                "not downloaded; its inputs are checked as a `module` resource (run `terraform init` to check the resources inside)"
            };
            // One note per call in the configuration, not per instance.
            self.root.note(format!(
                "{}: module.{} ({source}) not resolved: {why}",
                self.config.display, call.name
            ));
            return Children::Unresolved;
        };
        let Some(config) = self.root.project.modules.get(dir) else {
            self.root.note(format!(
                "{}: module.{} ({source}) not resolved: not loaded",
                self.config.display, call.name
            ));
            return Children::Unresolved;
        };
        if self.dirs.contains(dir) {
            self.root.note(format!(
                "{}: module {address} ({source}) calls itself (directly or through other modules); not evaluated",
                self.config.display
            ));
            return Children::Skipped;
        }
        if self.dirs.len() >= MAX_MODULE_DEPTH {
            self.root.note(format!(
                "{}: module {address} is nested more than {MAX_MODULE_DEPTH} levels deep; not evaluated",
                self.config.display
            ));
            return Children::Skipped;
        }
        let expansion = self.expand(
            &call.block.body,
            &self.what(&format!("module.{}", call.name)),
        );
        let key_path = if self.key_path.is_empty() {
            call.name.clone()
        } else {
            format!("{}.{}", self.key_path, call.name)
        };
        let mut origin = self.origin.clone();
        origin.push(Location {
            file: call.file,
            span: call.block.header,
        });
        let mut dirs = self.dirs.clone();
        dirs.push(dir.clone());
        let provider_map: Vec<(String, String)> =
            match call.block.body.attr("providers").map(|a| &a.expr.kind) {
                Some(ExprKind::Object(items)) => items
                    .iter()
                    .filter_map(|i| {
                        let k = match &i.key {
                            ObjKey::Name(n) => n.clone(),
                            ObjKey::Expr(e) => e.as_dotted_name()?,
                        };
                        Some((k, i.value.as_dotted_name()?))
                    })
                    .collect(),
                _ => Vec::new(),
            };
        let mut keys = expansion.instances();
        let room = MAX_MODULES.saturating_sub(self.root.modules.get());
        if keys.len() > room {
            self.root.note(format!(
                "{}: more than {MAX_MODULES} module instances; the rest are not evaluated",
                self.root.display(self.root.dir)
            ));
            keys.truncate(room);
        }
        self.root.modules.set(self.root.modules.get() + keys.len());
        let list = keys
            .into_iter()
            .map(|key| {
                let scope = key.binding.as_ref().map(|(name, v)| Scope {
                    name,
                    value: v.clone(),
                    parent: None,
                });
                let env: Env = scope.as_ref();
                let ev = self.ev();
                let mut given = BTreeMap::new();
                for a in &call.block.body.attrs {
                    if MODULE_META.contains(&&*a.name)
                        || &*a.name == "source"
                        || &*a.name == "version"
                    {
                        continue;
                    }
                    given.insert(
                        a.name.to_string(),
                        ev.eval(&a.expr, env).unwrap_or_else(|_| V::unknown()),
                    );
                }
                let vars = bind_vars(config, given, &self.root.budget);
                let mut inst = Inst::new(
                    self.root,
                    config,
                    format!("{address}{}.", key.suffix),
                    key_path.clone(),
                    vars,
                    origin.clone(),
                    dirs.clone(),
                    self.providers().clone(),
                    provider_map.clone(),
                );
                inst.count_unknown = self.count_unknown || expansion.is_unknown();
                Rc::new(inst)
            })
            .collect();
        Children::Instances { expansion, list }
    }

    /// `module.NAME` as an expression sees it.
    fn module_value(&self, idx: usize, ops: &[Op]) -> Result<(V, usize), EvalError> {
        let address = self.call_address(&self.config.calls[idx]);
        match &*self.children(idx) {
            Children::Unresolved | Children::Skipped => Ok((V::unknown_ref(&address), 0)),
            Children::Instances { expansion, list } => match expansion {
                Expansion::Single | Expansion::Unknown { .. } => {
                    let Some(inst) = list.first() else {
                        return Ok((V::unknown_ref(&address), 0));
                    };
                    // With an unknown count/for_each, `module.x` itself is unknown
                    // (but still refers to what its outputs refer to).
                    let unknown = expansion.is_unknown();
                    let (v, used) = match ops.first() {
                        Some(Op::Attr(out)) => (inst.output(out)?, 1),
                        _ => (inst.outputs_object(), 0),
                    };
                    Ok((if unknown { unknown_from([&v]) } else { v }, used))
                }
                Expansion::Count(_) => Ok((
                    V::list(list.iter().map(|i| i.outputs_object()).collect()),
                    0,
                )),
                Expansion::Keys(keys) => Ok((
                    V::map(
                        keys.iter()
                            .zip(list.iter())
                            .map(|((k, _), i)| (k.clone(), i.outputs_object()))
                            .collect(),
                    ),
                    0,
                )),
            },
        }
    }

    /// Provider configurations visible here and their `default_tags`: the
    /// caller's default (unaliased) configurations, those passed through
    /// `providers = {…}`, then this module's own `provider` blocks.
    fn providers(&self) -> &BTreeMap<String, V> {
        self.providers.get_or_init(|| {
            let mut map: BTreeMap<String, V> = if self.provider_map.is_empty() {
                self.parent_providers
                    .iter()
                    .filter(|(k, _)| !k.contains('.'))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            } else {
                let mut m: BTreeMap<String, V> = self
                    .parent_providers
                    .iter()
                    .filter(|(k, _)| !k.contains('.'))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (child, parent) in &self.provider_map {
                    match self.parent_providers.get(parent) {
                        Some(v) => m.insert(child.clone(), v.clone()),
                        None => m.remove(child),
                    };
                }
                m
            };
            for p in &self.config.providers {
                let key = match &p.alias {
                    Some(a) => format!("{}.{a}", p.name),
                    None => p.name.clone(),
                };
                let tags = p
                    .block
                    .body
                    .blocks("default_tags")
                    .last()
                    .and_then(|b| b.body.attr("tags"))
                    .map(|a| {
                        self.ev()
                            .eval(&a.expr, None)
                            .unwrap_or_else(|_| V::unknown())
                    })
                    .unwrap_or(V::Null);
                map.insert(key, tags);
            }
            map
        })
    }

    /// Emit this instance's resources, then its children's.
    pub fn emit(&self, out: &mut Vec<Resource>) {
        self.emit_backend(out);
        for idx in 0..self.config.resources.len() {
            let decl = &self.config.resources[idx];
            let expansion = self.expansion(idx);
            let base = self.resource_address(idx);
            for key in expansion.instances() {
                if !self.count_instance() {
                    return;
                }
                let scope = key.binding.as_ref().map(|(name, v)| Scope {
                    name,
                    value: v.clone(),
                    parent: None,
                });
                let kind = match decl.mode {
                    Mode::Managed => decl.ty.clone(),
                    Mode::Data => format!("data.{}", decl.ty),
                };
                let mut b = Builder::new(self.ev());
                let mut attributes = b.body(
                    &decl.block.body,
                    scope.as_ref(),
                    decl.block.span,
                    RESOURCE_META,
                    RESOURCE_META_BLOCKS,
                );
                if decl.mode == Mode::Managed {
                    self.add_tags_all(decl, &mut attributes);
                }
                if b.truncated {
                    self.root.note(format!(
                        "{}: {base}{} has more than {MAX_BLOCKS} dynamic blocks; the rest are not evaluated",
                        self.config.display, key.suffix
                    ));
                }
                let mut resource = self.resource(
                    decl.file,
                    &decl.block,
                    kind,
                    &decl.name,
                    format!("{base}{}", key.suffix),
                    attributes,
                    b.refs,
                    b.keyed,
                );
                resource.count_unknown |= expansion.is_unknown();
                out.push(resource);
            }
        }
        for idx in 0..self.config.calls.len() {
            let call = &self.config.calls[idx];
            match &*self.children(idx) {
                Children::Instances { list, .. } => {
                    for child in list {
                        child.emit(out);
                    }
                }
                Children::Skipped => {}
                Children::Unresolved => {
                    // The call itself is what rules can check: its inputs.
                    let what = self.what(&format!("module.{}", call.name));
                    let expansion = self.expand(&call.block.body, &what);
                    for key in expansion.instances() {
                        if !self.count_instance() {
                            return;
                        }
                        let scope = key.binding.as_ref().map(|(name, v)| Scope {
                            name,
                            value: v.clone(),
                            parent: None,
                        });
                        let mut b = Builder::new(self.ev());
                        let attributes = b.body(
                            &call.block.body,
                            scope.as_ref(),
                            call.block.span,
                            MODULE_META,
                            &[],
                        );
                        let address = format!("{}{}", self.call_address(call), key.suffix);
                        let mut resource = self.resource(
                            call.file,
                            &call.block,
                            "module".into(),
                            &call.name,
                            address,
                            attributes,
                            b.refs,
                            b.keyed,
                        );
                        resource.count_unknown |= expansion.is_unknown();
                        out.push(resource);
                    }
                }
            }
        }
    }

    /// The root module's `backend "TYPE" { … }` as a `terraform_backend`
    /// resource (`terraform.backend.s3`). Backend blocks cannot refer to
    /// variables or anything else: arguments are read as literals, and any
    /// expression that is not one is unknown.
    fn emit_backend(&self, out: &mut Vec<Resource>) {
        let Some(backend) = &self.config.backend else {
            return;
        };
        if !self.prefix.is_empty() || !self.origin.is_empty() || !self.count_instance() {
            return;
        }
        let mut b = Builder::new(Eval::new(&super::eval::NoContext, &self.root.budget));
        let attributes = b.body(&backend.block.body, None, backend.block.span, &[], &[]);
        out.push(self.resource(
            backend.file,
            &backend.block,
            "terraform_backend".into(),
            &backend.ty,
            format!("terraform.backend.{}", backend.ty),
            attributes,
            Vec::new(),
            Vec::new(),
        ));
    }

    fn count_instance(&self) -> bool {
        let n = self.root.emitted.get();
        if n >= MAX_TOTAL {
            self.root.note(format!(
                "{}: more than {MAX_TOTAL} resource instances; the rest are not evaluated",
                self.root.display(self.root.dir)
            ));
            return false;
        }
        self.root.emitted.set(n + 1);
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &self,
        file: FileId,
        block: &Block,
        kind: String,
        name: &str,
        address: String,
        attributes: Node,
        references: Vec<(AttrPath, String)>,
        keyed: Vec<Key>,
    ) -> Resource {
        let (mut environment, mut env_source) = self.root.environment_by_path(file);
        if env_source == EnvSource::Default {
            if let Some(first) = self.origin.first() {
                (environment, env_source) = self.root.environment_by_path(first.file);
            }
        }
        if env_source == EnvSource::Default {
            let markers = crate::environment::terraform_markers(&attributes);
            let refs: Vec<Option<&str>> = markers.iter().map(Option::as_deref).collect();
            // The paths named none, so only the markers can.
            if let Some(found) = crate::environment::by_markers(&refs) {
                (environment, env_source) = found;
            }
        }
        let _: Environment = environment;
        Resource {
            platform: Platform::Terraform,
            file,
            kind: kind.into(),
            api_version: None,
            name: name.into(),
            namespace: None,
            address,
            environment,
            env_source,
            attributes,
            pod_spec: None,
            helm: None,
            header_span: Some(block.header),
            origin: self.origin.clone(),
            references,
            keyed,
            count_unknown: self.count_unknown,
        }
    }

    /// `tags_all`: the provider's `default_tags` merged with `tags` (which win),
    /// for resources of the AWS provider.
    fn add_tags_all(&self, decl: &super::module::ResourceDecl, attributes: &mut Node) {
        let provider = decl
            .block
            .body
            .attr("provider")
            .and_then(|a| a.expr.as_dotted_name())
            .unwrap_or_else(|| decl.ty.split('_').next().unwrap_or_default().to_string());
        if provider.split('.').next() != Some("aws") {
            return;
        }
        let defaults = self.providers().get(&provider).unwrap_or(&V::Null);
        let tags_entry = attributes.entry("tags");
        let defaults_empty = match defaults {
            V::Null => true,
            V::Map(m) => m.is_empty(),
            _ => false,
        };
        if defaults_empty && tags_entry.is_none() {
            return;
        }
        let header = decl.block.header;
        let (key_span, span) = tags_entry.map_or((header, header), |e| (e.key_span, e.value.span));
        let value = match (defaults, tags_entry.map(|e| &e.value.value)) {
            (V::Unknown(_), _) | (_, Some(Value::Unknown)) => Value::Unknown,
            (V::Map(_) | V::Null, None | Some(Value::Map(_) | Value::Null)) => {
                // Borrowed keys: the resource's own tags override the defaults.
                let mut merged: BTreeMap<&str, Entry> = BTreeMap::new();
                if let V::Map(m) = defaults {
                    for (k, v) in m.iter() {
                        let mut refs = Vec::new();
                        let node = spread(v, span, &mut AttrPath::root(), &mut refs);
                        merged.insert(
                            k.as_str(),
                            Entry {
                                key: k.as_str().into(),
                                key_span,
                                value: node,
                            },
                        );
                    }
                }
                if let Some(e) = tags_entry {
                    for t in e.value.entries() {
                        merged.insert(&t.key, t.clone());
                    }
                }
                Value::Map(merged.into_values().collect())
            }
            _ => Value::Unknown,
        };
        if let Value::Map(entries) = &mut attributes.value {
            entries.retain(|e| &*e.key != "tags_all");
            entries.push(Entry {
                key: "tags_all".into(),
                key_span,
                value: Node::new(value, span),
            });
        }
    }
}

impl super::eval::Context for Inst<'_> {
    fn resolve(&self, _ev: &Eval, name: &str, ops: &[Op]) -> Option<Result<(V, usize), EvalError>> {
        let attr = |i: usize| match ops.get(i) {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        match name {
            "var" => {
                let n = attr(0)?;
                Some(Ok((
                    self.vars.get(n).cloned().unwrap_or_else(V::unknown),
                    1,
                )))
            }
            "local" => {
                let n = attr(0)?;
                Some(Ok((self.local(n), 1)))
            }
            "module" => {
                let n = attr(0)?;
                let idx = *self.config.call_index.get(n)?;
                Some(
                    self.module_value(idx, &ops[1..])
                        .map(|(v, used)| (v, used + 1)),
                )
            }
            "data" => {
                let (t, n) = (attr(0)?, attr(1)?);
                let idx = self.config.resource(Mode::Data, t, n)?;
                Some(Ok((self.resource_value(idx), 2)))
            }
            "path" => {
                let v = match attr(0)? {
                    "module" => self.config.display.clone(),
                    "root" => self.root.display(self.root.dir),
                    "cwd" => ".".to_string(),
                    _ => return None,
                };
                Some(Ok((V::str(v), 1)))
            }
            "terraform" => match attr(0)? {
                "workspace" => Some(Ok((V::str("default"), 1))),
                _ => None,
            },
            "count" | "each" | "self" => None,
            _ => {
                let n = attr(0)?;
                let idx = self.config.resource(Mode::Managed, name, n)?;
                Some(Ok((self.resource_value(idx), 1)))
            }
        }
    }
}

/// Variable values of a module instance: what was given (converted to the
/// declared type), else the default, else unknown.
fn bind_vars(
    config: &ModuleConfig,
    mut given: BTreeMap<String, V>,
    budget: &Budget,
) -> BTreeMap<String, V> {
    let ev = Eval::new(&super::eval::NoContext, budget);
    let mut out = BTreeMap::new();
    for (name, decl) in &config.variables {
        let ty = decl.ty.as_ref().map_or(Ty::Any, Ty::parse);
        let default = || {
            decl.default
                .as_ref()
                .map(|d| ev.eval(d, None).unwrap_or_else(|_| V::unknown()))
        };
        let v = match given.remove(name) {
            Some(V::Null) if !decl.nullable => default().unwrap_or(V::Null),
            Some(v) => v,
            None => default().unwrap_or_else(V::unknown),
        };
        out.insert(name.clone(), ty.convert(v, budget));
    }
    out
}

/// Builds a resource's attribute tree, recording references.
struct Builder<'e> {
    ev: Eval<'e>,
    path: AttrPath,
    refs: Vec<(AttrPath, String)>,
    /// Top-level arguments computed from the instance key (`count`, `each`).
    keyed: Vec<Key>,
    /// Blocks made by `dynamic` so far, and whether some were left out.
    blocks: usize,
    truncated: bool,
}

impl<'e> Builder<'e> {
    fn new(ev: Eval<'e>) -> Builder<'e> {
        Builder {
            ev,
            path: AttrPath::root(),
            refs: Vec::new(),
            keyed: Vec::new(),
            blocks: 0,
            truncated: false,
        }
    }

    /// A block body as a map: attributes, then nested blocks as lists of maps
    /// (`versioning[0].enabled`), `dynamic` blocks expanded in place.
    fn body(
        &mut self,
        body: &Body,
        env: Env,
        span: Span,
        skip: &[&str],
        skip_blocks: &[&str],
    ) -> Node {
        let mut entries = Vec::new();
        for a in &body.attrs {
            if skip.contains(&&*a.name) {
                continue;
            }
            self.ev.key_read.set(false);
            let v = self.ev.eval(&a.expr, env).unwrap_or_else(|_| V::unknown());
            if self.path.0.is_empty() && self.ev.key_read.get() {
                self.keyed.push(a.name.clone());
            }
            self.path.push(&a.name);
            let node = self.located(&a.expr, v);
            self.path.0.pop();
            entries.push(Entry {
                key: a.name.clone(),
                key_span: a.name_span,
                value: node,
            });
        }
        // Group blocks by type, in order of first appearance.
        let mut groups: Vec<(Key, Span, Span, Vec<Node>)> = Vec::new();
        for b in &body.blocks {
            if skip_blocks.contains(&&*b.kind) {
                continue;
            }
            let kind: Key = if &*b.kind == "dynamic" {
                match b.labels.first() {
                    Some(l) => l.as_str().into(),
                    None => continue,
                }
            } else {
                b.kind.clone()
            };
            let gi = match groups.iter().position(|g| g.0 == kind) {
                Some(i) => i,
                None => {
                    groups.push((kind.clone(), b.kind_span, b.span, Vec::new()));
                    groups.len() - 1
                }
            };
            let start = groups[gi].3.len();
            let nodes = if &*b.kind == "dynamic" {
                self.dynamic(b, &kind, env, start)
            } else {
                self.path.push(&kind);
                self.path.push(start);
                let n = self.body(&b.body, env, b.span, &[], &[]);
                self.path.0.truncate(self.path.0.len() - 2);
                vec![n]
            };
            groups[gi].3.extend(nodes);
        }
        for (kind, kind_span, span, items) in groups {
            entries.push(Entry {
                key: kind,
                key_span: kind_span,
                value: Node::new(Value::Seq(items), span),
            });
        }
        Node::new(Value::Map(entries), span)
    }

    /// `dynamic "x" { for_each = …; iterator = …; content { … } }`: one `x`
    /// block per element (one with an unknown iterator when `for_each` is unknown).
    fn dynamic(&mut self, b: &Block, kind: &str, env: Env, start: usize) -> Vec<Node> {
        let Some(content) = b.body.blocks("content").last() else {
            return Vec::new();
        };
        let iterator = b
            .body
            .attr("iterator")
            .and_then(|a| a.expr.as_dotted_name())
            .unwrap_or_else(|| kind.to_string());
        let fe = match b.body.attr("for_each") {
            Some(a) => self.ev.eval(&a.expr, env).unwrap_or_else(|_| V::unknown()),
            None => return Vec::new(),
        };
        let items: Vec<(V, V)> = match &fe {
            V::Unknown(_) => vec![(unknown_from([&fe]), unknown_from([&fe]))],
            V::Null => Vec::new(),
            other => super::eval::iterate(other).unwrap_or_default(),
        };
        let mut out = Vec::new();
        for (i, (k, v)) in items.into_iter().enumerate() {
            if self.blocks >= MAX_BLOCKS {
                self.truncated = true;
                break;
            }
            self.blocks += 1;
            if !self.ev.budget.charge(1) {
                break;
            }
            let it = V::map(
                [("key".to_string(), k), ("value".to_string(), v)]
                    .into_iter()
                    .collect(),
            );
            let scope = Scope {
                name: &iterator,
                value: it,
                parent: env,
            };
            self.path.push(kind);
            self.path.push(start + i);
            out.push(self.body(&content.body, Some(&scope), content.span, &[], &[]));
            self.path.0.truncate(self.path.0.len() - 2);
        }
        out
    }

    /// A value as a located node: object and tuple literals keep the spans of
    /// their parts; anything computed is located at the expression.
    fn located(&mut self, e: &Expr, v: V) -> Node {
        match (&e.kind, &v) {
            (ExprKind::Object(items), V::Map(m)) => {
                let mut entries = Vec::new();
                let mut seen: HashSet<String> = HashSet::new();
                for item in items {
                    let key = match &item.key {
                        ObjKey::Name(n) => Some(n.clone()),
                        ObjKey::Expr(k) => k.as_literal_str(),
                    };
                    let Some(key) = key else { continue };
                    let Some(x) = m.get(&key) else { continue };
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    // One shared name for the path and the entry.
                    let name: Key = key.as_str().into();
                    self.path.push(&name);
                    let node = self.located(&item.value, x.clone());
                    self.path.0.pop();
                    entries.push(Entry {
                        key: name,
                        key_span: item.key_span,
                        value: node,
                    });
                }
                for (k, x) in m.iter() {
                    if seen.contains(k) {
                        continue;
                    }
                    let name: Key = k.as_str().into();
                    self.path.push(&name);
                    let node = spread(x, e.span, &mut self.path, &mut self.refs);
                    self.path.0.pop();
                    entries.push(Entry {
                        key: name,
                        key_span: e.span,
                        value: node,
                    });
                }
                Node::new(Value::Map(entries), e.span)
            }
            (ExprKind::Tuple(items), V::List(list)) if items.len() == list.len() => {
                let mut nodes = Vec::with_capacity(items.len());
                for (i, (item, x)) in items.iter().zip(list.iter()).enumerate() {
                    self.path.push(i);
                    nodes.push(self.located(item, x.clone()));
                    self.path.0.pop();
                }
                Node::new(Value::Seq(nodes), e.span)
            }
            (ExprKind::Template(parts), _) if matches!(parts.as_slice(), [Part::Interp(_)]) => {
                match parts.first() {
                    Some(Part::Interp(inner)) => self.located(inner, v),
                    _ => spread(&v, e.span, &mut self.path, &mut self.refs),
                }
            }
            _ => spread(&v, e.span, &mut self.path, &mut self.refs),
        }
    }
}

/// A value as a node located entirely at `span`; references of unknown parts
/// are recorded at their paths.
fn spread(v: &V, span: Span, path: &mut AttrPath, refs: &mut Vec<(AttrPath, String)>) -> Node {
    let value = match v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Num(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::Int(*n as i64)
            } else {
                Value::Float(*n)
            }
        }
        V::Str(s) => Value::Str(s.as_ref().into()),
        V::List(items) | V::Set(items) => Value::Seq(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    path.push(i);
                    let n = spread(x, span, path, refs);
                    path.0.pop();
                    n
                })
                .collect(),
        ),
        V::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| {
                    let name: Key = k.as_str().into();
                    path.push(&name);
                    let n = spread(x, span, path, refs);
                    path.0.pop();
                    Entry {
                        key: name,
                        key_span: span,
                        value: n,
                    }
                })
                .collect(),
        ),
        V::Unknown(r) => {
            if let Some(r) = r {
                for a in r.iter() {
                    let item = (path.clone(), a.to_string());
                    if !refs.contains(&item) {
                        refs.push(item);
                    }
                }
            }
            Value::Unknown
        }
    };
    Node::new(value, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_quote_keys() {
        assert_eq!(quote("audit"), "\"audit\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn expansions_bind_count_and_each() {
        let keys = Expansion::Count(2).instances();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].suffix, "[1]");
        assert!(
            matches!(&keys[1].binding, Some(("count", V::Map(m))) if matches!(m.get("index"), Some(V::Num(n)) if *n == 1.0))
        );
        let keys = Expansion::Keys(vec![("k".into(), V::str("v"))]).instances();
        assert_eq!(keys[0].suffix, "[\"k\"]");
        let unknown = Expansion::Unknown {
            by_count: false,
            from: V::unknown_ref("aws_s3_bucket.b"),
        }
        .instances();
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].suffix, "");
        match &unknown[0].binding {
            Some(("each", V::Map(m))) => {
                let mut refs = Vec::new();
                if let Some(v) = m.get("value") {
                    v.refs(&mut refs);
                }
                assert_eq!(refs.len(), 1, "each.value keeps what for_each referred to");
            }
            other => panic!("{other:?}"),
        }
        assert!(Expansion::Count(0).instances().is_empty());
    }
}
