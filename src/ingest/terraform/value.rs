//! Runtime values of the Terraform evaluator.
//!
//! Terraform's type system is flattened to what rules and the function library
//! need: lists and tuples are one kind, maps and objects another (keys sorted,
//! as Terraform iterates them), sets are kept sorted and deduplicated.
//! Numbers are `f64` (Terraform uses 512-bit floats; see [`normalize`]).
//!
//! [`V::Unknown`] is a value that exists only after apply. It carries the
//! addresses of the resources, data sources and modules it came from, so a
//! resource attribute such as `bucket = aws_s3_bucket.b.id` can be turned into
//! a reference to `aws_s3_bucket.b` (see `Resource::references`).
//!
//! Values use `Rc`: a module is evaluated on one thread, and references to
//! big locals are cloned often.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// Addresses an unknown value derives from (`aws_s3_bucket.b["x"]`, `module.vpc`).
pub type Refs = Option<Rc<Vec<Rc<str>>>>;

/// At most this many addresses are tracked on one unknown value.
const MAX_REFS: usize = 16;

#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    /// A list or tuple.
    List(Rc<Vec<V>>),
    /// A set: sorted by [`cmp`] and deduplicated.
    Set(Rc<Vec<V>>),
    /// A map or object; keys in Terraform's (byte-wise) order.
    Map(Rc<BTreeMap<String, V>>),
    /// Known only after apply.
    Unknown(Refs),
}

thread_local! {
    /// The one empty `list(…)` and the one empty `map(…)`: Terraform compares
    /// types, so a typed empty collection is not the literal `[]` or `{}`
    /// (an empty tuple or object): `var.cidrs == []` is false for a
    /// `list(string)` variable.
    static TYPED_EMPTY_LIST: Rc<Vec<V>> = Rc::new(Vec::new());
    static TYPED_EMPTY_MAP: Rc<BTreeMap<String, V>> = Rc::new(BTreeMap::new());
}

impl V {
    /// A value of a `list(…)` type (a variable's, `tolist`'s).
    pub fn typed_list(items: Vec<V>) -> V {
        if items.is_empty() {
            V::List(TYPED_EMPTY_LIST.with(Rc::clone))
        } else {
            V::list(items)
        }
    }

    /// A value of a `map(…)` type.
    pub fn typed_map(entries: BTreeMap<String, V>) -> V {
        if entries.is_empty() {
            V::Map(TYPED_EMPTY_MAP.with(Rc::clone))
        } else {
            V::map(entries)
        }
    }

    /// Whether an empty collection is of a list or map type, not a literal.
    fn typed_empty(&self) -> bool {
        match self {
            V::List(x) => TYPED_EMPTY_LIST.with(|t| Rc::ptr_eq(t, x)),
            V::Map(x) => TYPED_EMPTY_MAP.with(|t| Rc::ptr_eq(t, x)),
            _ => false,
        }
    }

    pub fn str(s: impl Into<Rc<str>>) -> V {
        V::Str(s.into())
    }

    pub fn list(items: Vec<V>) -> V {
        V::List(Rc::new(items))
    }

    pub fn map(entries: BTreeMap<String, V>) -> V {
        V::Map(Rc::new(entries))
    }

    pub fn unknown() -> V {
        V::Unknown(None)
    }

    /// A set of `items`: sorted and deduplicated.
    pub fn set(mut items: Vec<V>) -> V {
        items.sort_by(cmp);
        items.dedup_by(|a, b| cmp(a, b) == Ordering::Equal);
        V::Set(Rc::new(items))
    }

    /// An unknown value that refers to `address`.
    pub fn unknown_ref(address: &str) -> V {
        V::Unknown(Some(Rc::new(vec![Rc::from(address)])))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, V::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, V::Null)
    }

    /// Whether an unknown value hides anywhere inside.
    pub fn has_unknown(&self) -> bool {
        match self {
            V::Unknown(_) => true,
            V::List(items) | V::Set(items) => items.iter().any(V::has_unknown),
            V::Map(m) => m.values().any(V::has_unknown),
            _ => false,
        }
    }

    /// The elements of a list or set.
    pub fn elements(&self) -> Option<&[V]> {
        match self {
            V::List(items) | V::Set(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::Bool(_) => "bool",
            V::Num(_) => "number",
            V::Str(_) => "string",
            V::List(_) => "list",
            V::Set(_) => "set",
            V::Map(_) => "map",
            V::Unknown(_) => "unknown",
        }
    }

    /// The references carried by every unknown value inside `self`.
    pub fn refs(&self, out: &mut Vec<Rc<str>>) {
        match self {
            V::Unknown(Some(r)) => {
                for a in r.iter() {
                    if out.len() >= MAX_REFS {
                        return;
                    }
                    if !out.contains(a) {
                        out.push(a.clone());
                    }
                }
            }
            V::List(items) | V::Set(items) => items.iter().for_each(|v| v.refs(out)),
            V::Map(m) => m.values().for_each(|v| v.refs(out)),
            _ => {}
        }
    }
}

/// An unknown value carrying the references of every value in `from`: the
/// result of an operation whose inputs were not all known.
pub fn unknown_from<'a>(from: impl IntoIterator<Item = &'a V>) -> V {
    let mut refs = Vec::new();
    for v in from {
        v.refs(&mut refs);
    }
    if refs.is_empty() {
        V::Unknown(None)
    } else {
        V::Unknown(Some(Rc::new(refs)))
    }
}

/// Round a computed number to 15 significant digits, so decimal arithmetic
/// reads as it does in Terraform's arbitrary-precision numbers (`0.1 + 0.2`
/// is `0.3`). Integers are left alone.
pub fn normalize(n: f64) -> f64 {
    if !n.is_finite() || n.fract() == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

/// A number as Terraform prints it: integers without a decimal point, no exponent.
pub fn fmt_num(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if n.fract() == 0.0 {
        // `{:.0}` never uses an exponent and keeps integers exact.
        let s = format!("{n:.0}");
        return if s == "-0" { "0".into() } else { s };
    }
    format!("{}", normalize(n))
}

/// Total order used for sets, sorting and deduplication: numbers numerically,
/// strings byte-wise, then by kind.
pub fn cmp(a: &V, b: &V) -> Ordering {
    fn rank(v: &V) -> u8 {
        match v {
            V::Null => 0,
            V::Bool(_) => 1,
            V::Num(_) => 2,
            V::Str(_) => 3,
            V::List(_) => 4,
            V::Set(_) => 5,
            V::Map(_) => 6,
            V::Unknown(_) => 7,
        }
    }
    match (a, b) {
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        (V::Num(x), V::Num(y)) => x.total_cmp(y),
        (V::Str(x), V::Str(y)) => x.cmp(y),
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (V::Map(x), V::Map(y)) => {
            for ((kp, p), (kq, q)) in x.iter().zip(y.iter()) {
                let o = kp.cmp(kq).then_with(|| cmp(p, q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Terraform's `==` on known values: same kind and same content (an empty
/// typed list or map is not an empty tuple or object).
pub fn equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::List(x), V::List(y)) if x.is_empty() && y.is_empty() => {
            a.typed_empty() == b.typed_empty()
        }
        (V::Map(x), V::Map(y)) if x.is_empty() && y.is_empty() => {
            a.typed_empty() == b.typed_empty()
        }
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        (V::Map(x), V::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((kp, p), (kq, q))| kp == kq && equal(p, q))
        }
        _ => false,
    }
}

/// A primitive as a string (Terraform's automatic conversion), if it is one.
pub fn to_string(v: &V) -> Option<Rc<str>> {
    match v {
        V::Str(s) => Some(s.clone()),
        V::Num(n) => Some(fmt_num(*n).into()),
        V::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
        _ => None,
    }
}

/// A string or number as a number (Terraform's automatic conversion).
pub fn to_number(v: &V) -> Option<f64> {
    match v {
        V::Num(n) => Some(*n),
        V::Str(s) => parse_number(s),
        _ => None,
    }
}

/// Terraform's number syntax: decimal with optional fraction and exponent, no
/// surrounding spaces, no `inf`/`nan`.
pub fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let valid = !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !valid {
        return None;
    }
    s.parse().ok()
}

/// A string or bool as a bool (Terraform's automatic conversion).
pub fn to_bool(v: &V) -> Option<bool> {
    match v {
        V::Bool(b) => Some(*b),
        // Terraform (cty 1.14+) also reads "1" and "0" as bools.
        V::Str(s) if matches!(&**s, "true" | "1") => Some(true),
        V::Str(s) if matches!(&**s, "false" | "0") => Some(false),
        _ => None,
    }
}

/// When a collection mixes primitive kinds, Terraform unifies its elements to
/// strings (`tolist([1, "a"])` is `["1", "a"]`). Returns the elements unchanged
/// when they already agree or cannot be unified that way.
pub fn unify_primitives(items: &[V]) -> Vec<V> {
    let mut kinds = items
        .iter()
        .filter(|v| !matches!(v, V::Null | V::Unknown(_)))
        .map(V::type_name);
    let first = kinds.next();
    let mixed = kinds.any(|k| Some(k) != first);
    let all_primitive = items.iter().all(|v| {
        matches!(
            v,
            V::Null | V::Unknown(_) | V::Bool(_) | V::Num(_) | V::Str(_)
        )
    });
    if !mixed || !all_primitive {
        return items.to_vec();
    }
    items
        .iter()
        .map(|v| match v {
            V::Num(_) | V::Bool(_) => to_string(v).map_or_else(|| v.clone(), V::Str),
            _ => v.clone(),
        })
        .collect()
}

/// `jsonencode` text: compact, keys sorted, HTML characters escaped as Go does.
pub fn json_encode(v: &V, out: &mut String) -> Result<(), String> {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Num(n) => {
            if !n.is_finite() {
                return Err("cannot serialize infinity as JSON".into());
            }
            out.push_str(&fmt_num(*n));
        }
        V::Str(s) => json_string(s, out),
        V::List(items) | V::Set(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_encode(item, out)?;
            }
            out.push(']');
        }
        V::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                json_encode(item, out)?;
            }
            out.push('}');
        }
        V::Unknown(_) => return Err("value is unknown".into()),
    }
    Ok(())
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A parsed JSON document as a value (numbers become `f64`).
pub fn from_json(j: &serde_json::Value) -> V {
    match j {
        serde_json::Value::Null => V::Null,
        serde_json::Value::Bool(b) => V::Bool(*b),
        serde_json::Value::Number(n) => V::Num(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => V::str(s.as_str()),
        serde_json::Value::Array(items) => V::list(items.iter().map(from_json).collect()),
        serde_json::Value::Object(m) => {
            V::map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(1e20), "100000000000000000000");
        assert_eq!(fmt_num(2e-7), "0.0000002");
        assert_eq!(fmt_num(0.1 + 0.2), "0.3");
        assert_eq!(fmt_num(2.5), "2.5");
    }

    #[test]
    fn sets_sort_and_dedupe() {
        let s = V::set(vec![V::Num(10.0), V::Num(2.0), V::Num(10.0)]);
        let mut out = String::new();
        json_encode(&s, &mut out).expect("encodes");
        assert_eq!(out, "[2,10]");
    }

    #[test]
    fn unknowns_carry_references() {
        let a = V::unknown_ref("aws_s3_bucket.a");
        let b = V::list(vec![V::unknown_ref("aws_s3_bucket.b"), a.clone()]);
        let u = unknown_from([&a, &b]);
        let mut refs = Vec::new();
        u.refs(&mut refs);
        let refs: Vec<&str> = refs.iter().map(|r| &**r).collect();
        assert_eq!(refs, ["aws_s3_bucket.a", "aws_s3_bucket.b"]);
    }

    #[test]
    fn number_syntax() {
        assert_eq!(parse_number("42"), Some(42.0));
        assert_eq!(parse_number("-4.5e1"), Some(-45.0));
        assert_eq!(parse_number(" 1"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number(""), None);
    }
}
