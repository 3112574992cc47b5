//! Expression evaluation: operators, templates, `for`, splats, conditionals
//! and function calls, over [`V`] values.
//!
//! Names that are not bound by `for`/`each`/`count`/iterators are resolved by
//! a [`Context`] (the module instance: `var`, `local`, resources, modules, …).
//! Unknown inputs give unknown results; an error (a missing attribute, a bad
//! argument) is an `Err` so `try` and `can` behave as in Terraform.
//! Evaluation draws on a [`Budget`] so runaway expressions stop instead of
//! hanging: when it runs out every further result is unknown.

use std::cell::Cell;
use std::collections::BTreeMap;

use super::functions;
use super::ir::{BinOp, Expr, ExprKind, ForExpr, ObjKey, Op, Part, UnOp};
use super::value::{self, equal, to_bool, to_number, to_string, unknown_from, V};

/// Longest string an expression may build (bytes).
pub const MAX_STRING: usize = 4 * 1024 * 1024;
/// Deepest nesting of evaluations (expressions inside expressions, and the
/// locals and outputs they refer to).
pub const MAX_DEPTH: u32 = 2_000;
/// Most elements a collection built by one function or `for` may have.
pub const MAX_ELEMENTS: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError(pub String);

impl EvalError {
    pub fn new(msg: impl Into<String>) -> EvalError {
        EvalError(msg.into())
    }
}

pub type R = Result<V, EvalError>;

pub fn err<T>(msg: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError::new(msg))
}

/// Work allowed for one module tree, and whether it ran out.
#[derive(Debug)]
pub struct Budget {
    fuel: Cell<u64>,
    exhausted: Cell<bool>,
    /// Nested `eval` calls right now (stack safety).
    depth: Cell<u32>,
}

impl Budget {
    pub fn new(fuel: u64) -> Budget {
        Budget {
            fuel: Cell::new(fuel),
            exhausted: Cell::new(false),
            depth: Cell::new(0),
        }
    }

    /// Spend `n` steps; `false` once the budget is gone.
    pub fn charge(&self, n: u64) -> bool {
        let left = self.fuel.get();
        if left < n {
            self.fuel.set(0);
            self.exhausted.set(true);
            return false;
        }
        self.fuel.set(left - n);
        true
    }

    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }
}

/// Names bound by `for`, `each`, `count` and `dynamic` iterators: a chain of frames.
pub struct Scope<'p> {
    pub name: &'p str,
    pub value: V,
    pub parent: Env<'p>,
}

pub type Env<'p> = Option<&'p Scope<'p>>;

fn lookup_scope(mut env: Env, name: &str) -> Option<V> {
    while let Some(s) = env {
        if s.name == name {
            return Some(s.value.clone());
        }
        env = s.parent;
    }
    None
}

/// What the module instance knows about names.
pub trait Context {
    /// The value of the root name `name` (`var`, `local`, a resource type, …),
    /// consuming the leading attribute steps of `ops` it needs (`var.x` takes
    /// one). `None`: the name means nothing here (its value is unknown).
    fn resolve(&self, ev: &Eval, name: &str, ops: &[Op]) -> Option<Result<(V, usize), EvalError>>;
}

/// A context without any names: constant expressions only.
pub struct NoContext;

impl Context for NoContext {
    fn resolve(&self, _: &Eval, _: &str, _: &[Op]) -> Option<Result<(V, usize), EvalError>> {
        None
    }
}

pub struct Eval<'a> {
    pub ctx: &'a dyn Context,
    pub budget: &'a Budget,
    /// Set when an expression reads `count` or `each` (the instance's key):
    /// the caller clears it to learn which arguments depend on the key.
    pub key_read: Cell<bool>,
}

impl<'a> Eval<'a> {
    pub fn new(ctx: &'a dyn Context, budget: &'a Budget) -> Eval<'a> {
        Eval {
            ctx,
            budget,
            key_read: Cell::new(false),
        }
    }

    pub fn eval(&self, e: &Expr, env: Env) -> R {
        if !self.budget.charge(1) {
            return Ok(V::unknown());
        }
        // Bounded recursion: parser limits keep expressions shallow, but lazily
        // evaluated locals and outputs nest evaluations too.
        let depth = self.budget.depth.get();
        if depth >= MAX_DEPTH {
            return err("expressions nest too deeply");
        }
        self.budget.depth.set(depth + 1);
        let out = self.eval_inner(e, env);
        self.budget.depth.set(depth);
        out
    }

    fn eval_inner(&self, e: &Expr, env: Env) -> R {
        match &e.kind {
            ExprKind::Null => Ok(V::Null),
            ExprKind::Bool(b) => Ok(V::Bool(*b)),
            ExprKind::Num(n) => Ok(V::Num(*n)),
            ExprKind::Str(s) => Ok(V::str(s.as_str())),
            ExprKind::Template(parts) => self.template(parts, env),
            ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item, env)?);
                }
                Ok(V::list(out))
            }
            ExprKind::Object(items) => {
                let mut out = BTreeMap::new();
                for item in items {
                    let key = match &item.key {
                        ObjKey::Name(n) => n.clone(),
                        ObjKey::Expr(k) => match self.eval(k, env)? {
                            V::Unknown(r) => return Ok(V::Unknown(r)),
                            V::Null => return err("object key is null"),
                            k => match to_string(&k) {
                                Some(s) => s.to_string(),
                                None => {
                                    return err(format!(
                                        "object key must be a string, not {}",
                                        k.type_name()
                                    ))
                                }
                            },
                        },
                    };
                    let v = self.eval(&item.value, env)?;
                    out.insert(key, v);
                }
                Ok(V::map(out))
            }
            ExprKind::Var(name) => self.traverse(name, &[], env),
            ExprKind::Traversal(root, ops) => match &root.kind {
                ExprKind::Var(name) => self.traverse(name, ops, env),
                _ => {
                    let v = self.eval(root, env)?;
                    self.apply_ops(v, ops, env)
                }
            },
            ExprKind::Call(c) => self.call(&c.name, &c.args, c.expand, env),
            ExprKind::Cond(c, t, f) => self.conditional(c, t, f, env),
            ExprKind::Unary(op, x) => {
                let v = self.eval(x, env)?;
                match (op, &v) {
                    (_, V::Unknown(_)) => Ok(v),
                    (UnOp::Neg, _) => match to_number(&v) {
                        Some(n) => Ok(V::Num(-n)),
                        None => err(format!(
                            "unsuitable value for unary operator: {}",
                            v.type_name()
                        )),
                    },
                    (UnOp::Not, _) => match to_bool(&v) {
                        Some(b) => Ok(V::Bool(!b)),
                        None => err(format!(
                            "unsuitable value for unary operator: {}",
                            v.type_name()
                        )),
                    },
                }
            }
            ExprKind::Binary(op, l, r) => {
                let l = self.eval(l, env)?;
                let r = self.eval(r, env)?;
                binary(*op, &l, &r)
            }
            ExprKind::For(f) => self.for_expr(f, env),
        }
    }

    fn traverse(&self, name: &str, ops: &[Op], env: Env) -> R {
        if let Some(v) = lookup_scope(env, name) {
            if name == "count" || name == "each" {
                self.key_read.set(true);
            }
            return self.apply_ops(v, ops, env);
        }
        match self.ctx.resolve(self, name, ops) {
            Some(Ok((v, used))) => self.apply_ops(v, ops.get(used..).unwrap_or_default(), env),
            Some(Err(e)) => Err(e),
            None => Ok(V::unknown()),
        }
    }

    /// Apply traversal steps; a splat applies the steps after it to each element.
    pub fn apply_ops(&self, mut v: V, ops: &[Op], env: Env) -> R {
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                Op::Attr(name) => v = get_attr(&v, name)?,
                Op::Index(e) => {
                    let k = self.eval(e, env)?;
                    v = index(&v, &k)?;
                }
                Op::Splat { full } => {
                    let end = if *full {
                        ops.len()
                    } else {
                        i + 1
                            + ops[i + 1..]
                                .iter()
                                .take_while(|o| matches!(o, Op::Attr(_)))
                                .count()
                    };
                    let rest = &ops[i + 1..end];
                    v = match v {
                        V::Unknown(_) => return Ok(v),
                        V::Null => V::list(Vec::new()),
                        V::List(items) | V::Set(items) => {
                            let mut out = Vec::with_capacity(items.len());
                            for item in items.iter() {
                                out.push(self.apply_ops(item.clone(), rest, env)?);
                            }
                            V::list(out)
                        }
                        other => V::list(vec![self.apply_ops(other, rest, env)?]),
                    };
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn template(&self, parts: &[Part], env: Env) -> R {
        // `"${x}"` is `x` itself, whatever its type.
        if let [Part::Interp(e)] = parts {
            return self.eval(e, env);
        }
        let mut out = String::new();
        let mut unknowns = Vec::new();
        self.render(parts, env, &mut out, &mut unknowns)?;
        if unknowns.is_empty() {
            Ok(V::str(out))
        } else {
            Ok(unknown_from(&unknowns))
        }
    }

    fn render(
        &self,
        parts: &[Part],
        env: Env,
        out: &mut String,
        unknowns: &mut Vec<V>,
    ) -> Result<(), EvalError> {
        for p in parts {
            if out.len() > MAX_STRING {
                return err("template result is too long");
            }
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Interp(e) => match self.eval(e, env)? {
                    v @ V::Unknown(_) => unknowns.push(v),
                    V::Null => return err("the template interpolation value is null"),
                    v => match to_string(&v) {
                        Some(s) => out.push_str(&s),
                        None => {
                            return err(format!(
                                "cannot include a {} in a string template",
                                v.type_name()
                            ))
                        }
                    },
                },
                Part::If { cond, then, els } => match self.eval(cond, env)? {
                    v @ V::Unknown(_) => unknowns.push(v),
                    v => match to_bool(&v) {
                        Some(true) => self.render(then, env, out, unknowns)?,
                        Some(false) => self.render(els, env, out, unknowns)?,
                        None => return err("template condition must be a bool"),
                    },
                },
                Part::For {
                    key,
                    value,
                    coll,
                    body,
                } => {
                    let c = self.eval(coll, env)?;
                    if c.is_unknown() {
                        unknowns.push(c);
                        continue;
                    }
                    for (k, v) in iterate(&c)? {
                        if !self.budget.charge(1) {
                            unknowns.push(V::unknown());
                            return Ok(());
                        }
                        let vs = Scope {
                            name: value,
                            value: v,
                            parent: env,
                        };
                        match key {
                            Some(kn) => {
                                let ks = Scope {
                                    name: kn,
                                    value: k,
                                    parent: Some(&vs),
                                };
                                self.render(body, Some(&ks), out, unknowns)?;
                            }
                            None => self.render(body, Some(&vs), out, unknowns)?,
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn conditional(&self, c: &Expr, t: &Expr, f: &Expr, env: Env) -> R {
        let cv = self.eval(c, env)?;
        let (chosen, other) = match &cv {
            V::Unknown(_) => {
                // Both outcomes may be the value: keep what each refers to.
                let tv = self.eval(t, env).unwrap_or_else(|_| V::unknown());
                let fv = self.eval(f, env).unwrap_or_else(|_| V::unknown());
                // `c ? 0 : 0` is 0 whatever `c` is.
                if !tv.has_unknown() && equal(&tv, &fv) {
                    return Ok(tv);
                }
                return Ok(unknown_from([&cv, &tv, &fv]));
            }
            V::Null => return err("the condition value is null"),
            _ => match to_bool(&cv) {
                Some(true) => (t, f),
                Some(false) => (f, t),
                None => return err("the condition must be a bool"),
            },
        };
        let v = self.eval(chosen, env)?;
        // Terraform unifies both results' types: `true ? 1 : "a"` is "1".
        let unify = matches!(v, V::Num(_) | V::Bool(_))
            && match static_kind(other) {
                Some(k) => k == "string" || (k != v.type_name()),
                None => false,
            };
        if unify {
            return Ok(to_string(&v).map_or(v, V::Str));
        }
        Ok(v)
    }

    fn for_expr(&self, f: &ForExpr, env: Env) -> R {
        let coll = self.eval(&f.coll, env)?;
        if coll.is_unknown() {
            return Ok(coll);
        }
        let mut list = Vec::new();
        let mut map: BTreeMap<String, V> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<V>> = BTreeMap::new();
        for (k, v) in iterate(&coll)? {
            if !self.budget.charge(1) {
                return Ok(V::unknown());
            }
            let vs = Scope {
                name: &f.value_var,
                value: v,
                parent: env,
            };
            let ks;
            let inner: &Scope = match &f.key_var {
                Some(kn) => {
                    ks = Scope {
                        name: kn,
                        value: k,
                        parent: Some(&vs),
                    };
                    &ks
                }
                None => &vs,
            };
            let inner = Some(inner);
            if let Some(c) = &f.cond {
                match self.eval(c, inner)? {
                    v @ V::Unknown(_) => return Ok(unknown_from([&v])),
                    V::Null => return err("the for condition is null"),
                    v => match to_bool(&v) {
                        Some(true) => {}
                        Some(false) => continue,
                        None => return err("the for condition must be a bool"),
                    },
                }
            }
            match &f.key {
                None => list.push(self.eval(&f.value, inner)?),
                Some(ke) => {
                    let key = match self.eval(ke, inner)? {
                        v @ V::Unknown(_) => return Ok(unknown_from([&v])),
                        V::Null => return err("the for key is null"),
                        kv => match to_string(&kv) {
                            Some(s) => s.to_string(),
                            None => return err("the for key must be a string"),
                        },
                    };
                    let val = self.eval(&f.value, inner)?;
                    if f.group {
                        groups.entry(key).or_default().push(val);
                    } else {
                        match map.entry(key) {
                            std::collections::btree_map::Entry::Occupied(o) => {
                                return err(format!(
                                    "duplicate object key {:?} (use ... to group)",
                                    o.key()
                                ));
                            }
                            std::collections::btree_map::Entry::Vacant(v) => {
                                v.insert(val);
                            }
                        }
                    }
                }
            }
        }
        Ok(match (&f.key, f.group) {
            (None, _) => V::list(list),
            (Some(_), false) => V::map(map),
            (Some(_), true) => V::map(groups.into_iter().map(|(k, v)| (k, V::list(v))).collect()),
        })
    }

    fn call(&self, name: &str, args: &[Expr], expand: bool, env: Env) -> R {
        match name {
            "try" => {
                let mut last = None;
                for a in args {
                    match self.eval(a, env) {
                        Ok(v) if v.has_unknown() => return Ok(unknown_from([&v])),
                        Ok(v) => return Ok(v),
                        Err(e) => last = Some(e),
                    }
                }
                return Err(
                    last.unwrap_or_else(|| EvalError::new("try needs at least one argument"))
                );
            }
            "can" => {
                let [a] = args else {
                    return err("can takes one argument");
                };
                return match self.eval(a, env) {
                    Ok(v) if v.has_unknown() => Ok(unknown_from([&v])),
                    Ok(_) => Ok(V::Bool(true)),
                    Err(_) => Ok(V::Bool(false)),
                };
            }
            _ => {}
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a, env)?);
        }
        if expand {
            match vals.pop() {
                Some(V::List(items)) | Some(V::Set(items)) => vals.extend(items.iter().cloned()),
                Some(u @ V::Unknown(_)) => return Ok(unknown_from(vals.iter().chain([&u]))),
                Some(V::Null) | None => return err("cannot expand a null argument"),
                Some(v) => return err(format!("cannot expand a {}", v.type_name())),
            }
        }
        functions::call(name, vals, self.budget)
    }
}

/// A static guess of an expression's result kind, for conditional unification.
fn static_kind(e: &Expr) -> Option<&'static str> {
    match &e.kind {
        ExprKind::Str(_) | ExprKind::Template(_) => match &e.kind {
            ExprKind::Template(parts) if matches!(parts.as_slice(), [Part::Interp(_)]) => None,
            _ => Some("string"),
        },
        ExprKind::Num(_) => Some("number"),
        ExprKind::Bool(_) => Some("bool"),
        ExprKind::Call(c) => functions::return_kind(&c.name),
        _ => None,
    }
}

/// Elements of a collection as (key, value): index, map key or the set element.
pub fn iterate(c: &V) -> Result<Vec<(V, V)>, EvalError> {
    match c {
        V::List(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| (V::Num(i as f64), v.clone()))
            .collect()),
        V::Set(items) => Ok(items.iter().map(|v| (v.clone(), v.clone())).collect()),
        V::Map(m) => Ok(m
            .iter()
            .map(|(k, v)| (V::str(k.as_str()), v.clone()))
            .collect()),
        V::Null => err("cannot iterate over a null value"),
        other => err(format!("cannot iterate over a {}", other.type_name())),
    }
}

pub fn get_attr(v: &V, name: &str) -> R {
    match v {
        V::Map(m) => match m.get(name) {
            Some(x) => Ok(x.clone()),
            None => err(format!(
                "this object does not have an attribute named {name:?}"
            )),
        },
        V::Unknown(_) => Ok(v.clone()),
        V::Null => err(format!(
            "attempt to get attribute {name:?} from a null value"
        )),
        other => err(format!(
            "cannot access attributes on a {}",
            other.type_name()
        )),
    }
}

pub fn index(v: &V, k: &V) -> R {
    match (v, k) {
        (V::Unknown(_), _) => Ok(v.clone()),
        (_, V::Unknown(_)) => Ok(unknown_from([v, k])),
        (_, V::Null) => err("the index is null"),
        (V::List(items), _) => {
            let Some(n) = to_number(k) else {
                return err("a list index must be a number");
            };
            if n.fract() != 0.0 || n < 0.0 || n >= items.len() as f64 {
                return err(format!(
                    "the index {} is out of range for a list of {}",
                    value::fmt_num(n),
                    items.len()
                ));
            }
            Ok(items[n as usize].clone())
        }
        (V::Map(m), _) => {
            let Some(key) = to_string(k) else {
                return err("a map key must be a string");
            };
            match m.get(&*key) {
                Some(x) => Ok(x.clone()),
                None => err(format!(
                    "the given key {key:?} does not identify an element of this map"
                )),
            }
        }
        (V::Set(_), _) => err("elements of a set cannot be accessed by index"),
        (V::Null, _) => err("cannot index a null value"),
        (other, _) => err(format!("cannot index a {}", other.type_name())),
    }
}

fn binary(op: BinOp, l: &V, r: &V) -> R {
    match op {
        BinOp::Eq | BinOp::Ne => {
            // As Terraform compares: an unknown may still turn out null, but
            // a known collection is never null, whatever it holds, so
            // `var.groups != null` is known when only a group's id is not.
            let eq = if l.is_unknown() || r.is_unknown() {
                return Ok(unknown_from([l, r]));
            } else if l.is_null() || r.is_null() {
                l.is_null() && r.is_null()
            } else if l.has_unknown() || r.has_unknown() {
                return Ok(unknown_from([l, r]));
            } else {
                equal(l, r)
            };
            Ok(V::Bool(if op == BinOp::Eq { eq } else { !eq }))
        }
        BinOp::And | BinOp::Or => {
            if l.is_null() || r.is_null() {
                return err("argument must not be null");
            }
            let lb = if l.is_unknown() {
                None
            } else {
                Some(bool_arg(l)?)
            };
            let rb = if r.is_unknown() {
                None
            } else {
                Some(bool_arg(r)?)
            };
            Ok(match (op, lb, rb) {
                (BinOp::And, Some(false), _) | (BinOp::And, _, Some(false)) => V::Bool(false),
                (BinOp::Or, Some(true), _) | (BinOp::Or, _, Some(true)) => V::Bool(true),
                (_, Some(a), Some(b)) => V::Bool(if op == BinOp::And { a && b } else { a || b }),
                _ => unknown_from([l, r]),
            })
        }
        _ => {
            if l.is_unknown() || r.is_unknown() {
                return Ok(unknown_from([l, r]));
            }
            let (Some(a), Some(b)) = (to_number(l), to_number(r)) else {
                let bad = if to_number(l).is_none() { l } else { r };
                return err(format!(
                    "unsuitable value for an arithmetic operator: a number is required, not {}",
                    bad.type_name()
                ));
            };
            let n = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => {
                    if b == 0.0 {
                        return err("division by zero");
                    }
                    a / b
                }
                BinOp::Mod => {
                    if b == 0.0 {
                        return err("modulo by zero");
                    }
                    a % b
                }
                BinOp::Lt => return Ok(V::Bool(a < b)),
                BinOp::Le => return Ok(V::Bool(a <= b)),
                BinOp::Gt => return Ok(V::Bool(a > b)),
                BinOp::Ge => return Ok(V::Bool(a >= b)),
                _ => return err("unsupported operator"),
            };
            // Terraform computes in 512-bit floats: `0.1 + 0.2` is 0.3 there,
            // so sums and products are rounded to 15 digits. A quotient is
            // kept whole, or `10 / 3 * 3` would round to 9.99999999999999.
            Ok(V::Num(if op == BinOp::Div {
                n
            } else {
                value::normalize(n)
            }))
        }
    }
}

fn bool_arg(v: &V) -> Result<bool, EvalError> {
    to_bool(v).ok_or_else(|| EvalError::new(format!("a bool is required, not {}", v.type_name())))
}

/// Evaluate a constant expression (no variables), as the function table does.
pub fn eval_constant(text: &str) -> R {
    let expr = super::parse::parse_expression(text).map_err(EvalError)?;
    let budget = Budget::new(10_000_000);
    let ev = Eval::new(&NoContext, &budget);
    ev.eval(&expr, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        let v = eval_constant(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let mut out = String::new();
        value::json_encode(&v, &mut out).expect("known");
        out
    }

    #[test]
    fn operators_and_templates() {
        assert_eq!(json("1 + 2 * 3"), "7");
        assert_eq!(json("\"a-${1 + 1}\""), "\"a-2\"");
        assert_eq!(json("\"${[1]}\""), "[1]");
        assert_eq!(json("true ? 1 : \"a\""), "\"1\"");
        assert_eq!(json("[for x in [1, 2] : x * 10 if x > 1]"), "[20]");
        assert_eq!(json("[{a = 1}, {a = 2}][*].a"), "[1,2]");
    }

    fn attr_json(text: &str) -> String {
        let f = crate::source::SourceFile::new(None, "x.tf".into(), text.into());
        let body = super::super::parse::parse_file(&f).expect("parses");
        let budget = Budget::new(1000);
        let v = Eval::new(&NoContext, &budget)
            .eval(&body.attrs[0].expr, None)
            .expect("evaluates");
        let mut out = String::new();
        value::json_encode(&v, &mut out).expect("known");
        out
    }

    #[test]
    fn heredocs() {
        assert_eq!(
            attr_json("x = <<EOT\nhello ${\"x\"}\n  there\nEOT\n"),
            "\"hello x\\n  there\\n\""
        );
        assert_eq!(
            attr_json("x = <<-EOT\n    a\n      b\n    EOT\n"),
            "\"a\\n  b\\n\""
        );
        assert_eq!(
            attr_json("x = <<EOT\n%{ for s in [\"a\", \"b\"] ~}\n- ${s}\n%{ endfor ~}\nEOT\n"),
            "\"- a\\n- b\\n\""
        );
    }

    #[test]
    fn an_unknown_condition_between_equal_results_is_that_result() {
        assert_eq!(json("var.enabled ? 0 : 0"), "0");
        assert_eq!(json("var.enabled ? null : null"), "null");
        assert_eq!(json("var.enabled ? {a = [1]} : {a = [1]}"), "{\"a\":[1]}");
        for differ in [
            "var.enabled ? 0 : 1",
            "var.enabled ? 1 : \"1\"",
            "var.enabled ? var.a : var.a",
        ] {
            let v = eval_constant(differ).unwrap_or_else(|e| panic!("{differ}: {e:?}"));
            assert!(v.is_unknown(), "{differ}");
        }
    }

    /// As `terraform console` (1.11) computes them.
    #[test]
    fn arithmetic_like_terraform() {
        assert_eq!(json("floor(10 / 3 * 3)"), "10");
        assert_eq!(json("1 / 3 * 3 == 1"), "true");
        assert_eq!(json("0.1 + 0.2 == 0.3"), "true");
        assert_eq!(json("0.1 * 3"), "0.3");
        assert_eq!(json("floor(log(1000, 10))"), "2");
    }

    /// As `terraform console` (1.11) compares them: types count.
    #[test]
    fn typed_empty_collections_are_not_literals() {
        assert_eq!(json("tolist([]) == []"), "false");
        assert_eq!(json("tolist([]) != []"), "true");
        assert_eq!(json("tomap({}) == {}"), "false");
        assert_eq!(json("tolist([]) == tolist([])"), "true");
        assert_eq!(json("[] == []"), "true");
        assert_eq!(json("length(tolist([])) == 0"), "true");
    }

    /// As `terraform console` (1.11) reads them.
    #[test]
    fn one_and_zero_strings_are_bools() {
        assert_eq!(json("tobool(\"1\")"), "true");
        assert_eq!(json("tobool(\"0\")"), "false");
        assert_eq!(json("\"1\" ? \"a\" : \"b\""), "\"a\"");
        assert!(eval_constant("tobool(\"yes\")").is_err());
    }

    #[test]
    fn errors_are_errors() {
        assert!(eval_constant("{a = 1}.b").is_err());
        assert!(eval_constant("[1][3]").is_err());
        assert_eq!(json("try({a = 1}.b, 2)"), "2");
    }
}
