//! Variable type constraints (`list(string)`, `object({ a = optional(bool, true) })`)
//! and the conversion Terraform applies to a value given for a variable:
//! primitives convert (`"5"` to `5` for a number), object attributes left out
//! get their `optional` default (or null), unknown values stay unknown.

use std::collections::BTreeMap;

use super::eval::{Budget, Eval, NoContext};
use super::ir::{Expr, ExprKind, ObjKey};
use super::value::{to_bool, to_number, to_string, V};

#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Any,
    Str,
    Num,
    Bool,
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>),
    Tuple(Vec<Ty>),
    Object(Vec<Attr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub name: String,
    pub ty: Ty,
    pub optional: bool,
    pub default: Option<Expr>,
}

impl Ty {
    /// Read a type expression; anything unrecognised is `any`.
    pub fn parse(e: &Expr) -> Ty {
        Ty::parse_depth(e, 0)
    }

    fn parse_depth(e: &Expr, depth: usize) -> Ty {
        if depth > 32 {
            return Ty::Any;
        }
        let sub = |x: Option<&Expr>| x.map_or(Ty::Any, |x| Ty::parse_depth(x, depth + 1));
        match &e.kind {
            ExprKind::Var(n) => match n.as_str() {
                "string" => Ty::Str,
                "number" => Ty::Num,
                "bool" => Ty::Bool,
                "list" => Ty::List(Box::new(Ty::Any)),
                "set" => Ty::Set(Box::new(Ty::Any)),
                "map" => Ty::Map(Box::new(Ty::Any)),
                _ => Ty::Any,
            },
            // Terraform 0.11 quoted types.
            ExprKind::Str(s) => match s.as_str() {
                "string" => Ty::Str,
                "list" => Ty::List(Box::new(Ty::Any)),
                "map" => Ty::Map(Box::new(Ty::Any)),
                _ => Ty::Any,
            },
            ExprKind::Call(c) => {
                let args = &c.args;
                match c.name.as_str() {
                    "list" => Ty::List(Box::new(sub(args.first()))),
                    "set" => Ty::Set(Box::new(sub(args.first()))),
                    "map" => Ty::Map(Box::new(sub(args.first()))),
                    "tuple" => match args.first().map(|a| &a.kind) {
                        Some(ExprKind::Tuple(items)) => Ty::Tuple(
                            items
                                .iter()
                                .map(|i| Ty::parse_depth(i, depth + 1))
                                .collect(),
                        ),
                        _ => Ty::Any,
                    },
                    "object" => match args.first().map(|a| &a.kind) {
                        Some(ExprKind::Object(items)) => Ty::Object(
                            items
                                .iter()
                                .filter_map(|i| {
                                    let ObjKey::Name(name) = &i.key else {
                                        return None;
                                    };
                                    let (ty, optional, default) = match &i.value.kind {
                                        ExprKind::Call(f) if f.name == "optional" => {
                                            (sub(f.args.first()), true, f.args.get(1).cloned())
                                        }
                                        _ => (Ty::parse_depth(&i.value, depth + 1), false, None),
                                    };
                                    Some(Attr {
                                        name: name.clone(),
                                        ty,
                                        optional,
                                        default,
                                    })
                                })
                                .collect(),
                        ),
                        _ => Ty::Any,
                    },
                    _ => Ty::Any,
                }
            }
            _ => Ty::Any,
        }
    }

    /// Whether a `--var` value for this type is taken as a literal string
    /// (primitive types and no type) rather than parsed as an expression.
    pub fn takes_literal(&self) -> bool {
        matches!(self, Ty::Any | Ty::Str | Ty::Num | Ty::Bool)
    }

    /// Convert `v` to this type as far as possible; a value that does not
    /// convert is kept as given (Terraform would reject it; we stay lenient).
    pub fn convert(&self, v: V, budget: &Budget) -> V {
        self.convert_depth(v, budget, 0)
    }

    fn convert_depth(&self, v: V, budget: &Budget, depth: usize) -> V {
        if depth > 32 || matches!(v, V::Unknown(_) | V::Null) {
            return v;
        }
        match self {
            Ty::Any => v,
            Ty::Str => match &v {
                V::Num(_) | V::Bool(_) => to_string(&v).map_or(v, V::Str),
                _ => v,
            },
            Ty::Num => match &v {
                V::Str(_) => to_number(&v).map_or(v, V::Num),
                _ => v,
            },
            Ty::Bool => match &v {
                V::Str(_) => to_bool(&v).map_or(v, V::Bool),
                _ => v,
            },
            Ty::List(t) | Ty::Set(t) => {
                let Some(items) = v.elements() else { return v };
                let items: Vec<V> = items
                    .iter()
                    .map(|x| t.convert_depth(x.clone(), budget, depth + 1))
                    .collect();
                if matches!(self, Ty::Set(_)) {
                    if items.iter().any(V::has_unknown) {
                        return V::unknown();
                    }
                    V::set(items)
                } else {
                    V::typed_list(items)
                }
            }
            Ty::Tuple(ts) => {
                let Some(items) = v.elements() else { return v };
                V::list(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, x)| match ts.get(i) {
                            Some(t) => t.convert_depth(x.clone(), budget, depth + 1),
                            None => x.clone(),
                        })
                        .collect(),
                )
            }
            Ty::Map(t) => match &v {
                V::Map(m) => V::typed_map(
                    m.iter()
                        .map(|(k, x)| (k.clone(), t.convert_depth(x.clone(), budget, depth + 1)))
                        .collect(),
                ),
                _ => v,
            },
            Ty::Object(attrs) => match &v {
                V::Map(m) => {
                    let mut out = BTreeMap::new();
                    for a in attrs {
                        let given = m.get(&a.name).cloned();
                        let value = match given {
                            Some(V::Null) | None if a.optional => match &a.default {
                                Some(d) => {
                                    let ev = Eval::new(&NoContext, budget);
                                    ev.eval(d, None).unwrap_or(V::Null)
                                }
                                None => V::Null,
                            },
                            Some(x) => x,
                            // A required attribute is missing: Terraform rejects
                            // the value; null keeps evaluation going.
                            None => V::Null,
                        };
                        out.insert(a.name.clone(), a.ty.convert_depth(value, budget, depth + 1));
                    }
                    V::map(out)
                }
                _ => v,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::terraform::parse::parse_expression;
    use crate::ingest::terraform::value::json_encode;

    fn conv(ty: &str, value: &str) -> String {
        let b = Budget::new(10_000);
        let t = Ty::parse(&parse_expression(ty).expect("type"));
        let v = Eval::new(&NoContext, &b)
            .eval(&parse_expression(value).expect("value"), None)
            .expect("evaluates");
        let mut out = String::new();
        json_encode(&t.convert(v, &b), &mut out).expect("known");
        out
    }

    #[test]
    fn conversions() {
        assert_eq!(conv("number", "\"5\""), "5");
        assert_eq!(conv("list(string)", "[1, true]"), "[\"1\",\"true\"]");
        assert_eq!(
            conv("set(string)", "[\"b\", \"a\", \"b\"]"),
            "[\"a\",\"b\"]"
        );
        assert_eq!(
            conv(
                "object({ a = string, b = optional(bool, true), c = optional(number) })",
                "{ a = \"x\", z = 1 }"
            ),
            "{\"a\":\"x\",\"b\":true,\"c\":null}"
        );
        assert_eq!(
            conv("map(object({ on = optional(bool, false) }))", "{ k = {} }"),
            "{\"k\":{\"on\":false}}"
        );
    }
}
