//! Terraform's built-in functions, as far as a scanner can know them.
//!
//! With known arguments each function returns what Terraform returns (the
//! differential table `tests/data/terraform_functions.tsv` checks this against
//! `terraform console`). With an unknown argument the result is unknown,
//! except where Terraform itself looks only at the known structure (`length`
//! of a list whose elements are unknown, `merge` of maps with unknown values,
//! `lookup` of a known key, …). Functions that read files, the clock or
//! randomness, and functions we do not implement, return unknown: never an
//! error, so one odd call does not drop a resource.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::eval::{err, Budget, EvalError, MAX_ELEMENTS, MAX_STRING, R};
use super::value::{self, equal, to_bool, to_number, to_string, unify_primitives, unknown_from, V};

/// Functions whose result is unknown by nature (files, time, randomness,
/// hashes we do not compute, provider functions).
const ALWAYS_UNKNOWN: &[&str] = &[
    "file",
    "filebase64",
    "fileexists",
    "fileset",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "filebase64sha256",
    "filebase64sha512",
    "templatefile",
    "templatestring",
    "timestamp",
    "plantimestamp",
    "timeadd",
    "timecmp",
    "formatdate",
    "uuid",
    "uuidv5",
    "bcrypt",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "base64sha256",
    "base64sha512",
    "base64gzip",
    "rsadecrypt",
    "abspath",
    "pathexpand",
    "yamlencode",
    "yamldecode",
    "csvdecode",
    "textencodebase64",
    "textdecodebase64",
    "type",
];

/// Functions that look only at the known structure of their arguments, so
/// unknown elements inside a known collection do not make the result unknown.
const STRUCTURAL: &[&str] = &[
    "merge",
    "concat",
    "length",
    "keys",
    "values",
    "lookup",
    "element",
    "zipmap",
    "slice",
    "reverse",
    "one",
    "tolist",
    "tomap",
    "chunklist",
    "coalescelist",
    "alltrue",
    "anytrue",
    "sensitive",
    "nonsensitive",
    "ephemeralasnull",
];

/// The kind of value a function returns, when it is always the same.
pub fn return_kind(name: &str) -> Option<&'static str> {
    Some(match name {
        "format" | "join" | "lower" | "upper" | "title" | "tostring" | "replace" | "trimspace"
        | "trim" | "trimprefix" | "trimsuffix" | "substr" | "jsonencode" | "base64encode"
        | "base64decode" | "cidrsubnet" | "cidrhost" | "cidrnetmask" | "chomp" | "indent"
        | "strrev" | "urlencode" | "basename" | "dirname" => "string",
        "tobool" | "contains" | "startswith" | "endswith" | "strcontains" | "can" | "alltrue"
        | "anytrue" | "issensitive" => "bool",
        "length" | "tonumber" | "min" | "max" | "abs" | "ceil" | "floor" | "sum" | "pow"
        | "index" | "parseint" | "signum" | "log" => "number",
        _ => return None,
    })
}

pub fn call(name: &str, args: Vec<V>, budget: &Budget) -> R {
    let name = name.strip_prefix("core::").unwrap_or(name);
    if ALWAYS_UNKNOWN.contains(&name) || name.contains("::") {
        return Ok(unknown_from(&args));
    }
    let structural = STRUCTURAL.contains(&name);
    let blocked = if structural {
        args.iter().any(V::is_unknown)
    } else {
        args.iter().any(V::has_unknown)
    };
    if blocked {
        return Ok(unknown_from(&args));
    }
    if !budget.charge(1 + args.len() as u64) {
        return Ok(V::unknown());
    }
    let a = Args { name, args: &args };
    let out = match name {
        // --- collections
        "merge" => merge(&a),
        "lookup" => lookup(&a),
        "concat" => concat(&a),
        "flatten" => {
            a.count(1, 1)?;
            let mut out = Vec::new();
            flatten_into(&a.args[0], &mut out, 0)?;
            Ok(V::list(out))
        }
        "length" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Str(s) => Ok(num(graphemes(s).len() as f64)),
                V::List(x) | V::Set(x) => Ok(num(x.len() as f64)),
                V::Map(m) => Ok(num(m.len() as f64)),
                V::Null => err("argument must not be null"),
                other => err(format!(
                    "length: a collection or string is required, not {}",
                    other.type_name()
                )),
            }
        }
        "keys" => {
            a.count(1, 1)?;
            let m = a.map(0)?;
            Ok(V::list(m.keys().map(|k| V::str(k.as_str())).collect()))
        }
        "values" => {
            a.count(1, 1)?;
            let m = a.map(0)?;
            Ok(V::list(m.values().cloned().collect()))
        }
        "contains" => {
            a.count(2, 2)?;
            let items = a.seq(0)?;
            Ok(V::Bool(items.iter().any(|x| equal(x, &a.args[1]))))
        }
        "coalesce" => coalesce(&a),
        "compact" => {
            a.count(1, 1)?;
            let items = a.seq(0)?;
            let mut out = Vec::new();
            for x in items {
                match x {
                    V::Null => {}
                    V::Str(s) if s.is_empty() => {}
                    other => out.push(V::Str(str_of(other)?)),
                }
            }
            Ok(V::list(out))
        }
        "distinct" => {
            a.count(1, 1)?;
            let mut out: Vec<V> = Vec::new();
            for x in a.seq(0)? {
                if !out.iter().any(|y| equal(x, y)) {
                    out.push(x.clone());
                }
            }
            Ok(V::list(out))
        }
        "element" => {
            a.count(2, 2)?;
            let items = a.seq(0)?;
            let i = a.int(1)?;
            if i < 0 {
                return err("element: the index must not be negative");
            }
            if items.is_empty() {
                return err("element: cannot use element function with an empty list");
            }
            Ok(items[(i as usize) % items.len()].clone())
        }
        "coalescelist" => {
            for (i, x) in a.args.iter().enumerate() {
                match x {
                    V::List(items) | V::Set(items) if !items.is_empty() => return Ok(x.clone()),
                    V::List(_) | V::Set(_) | V::Null => {}
                    _ => return err(format!("coalescelist: argument {} is not a list", i + 1)),
                }
            }
            err("coalescelist: no non-null arguments")
        }
        "reverse" => {
            a.count(1, 1)?;
            let mut items = a.seq(0)?.to_vec();
            items.reverse();
            Ok(V::list(items))
        }
        "sort" => {
            a.count(1, 1)?;
            let mut items = Vec::new();
            for x in a.seq(0)? {
                if x.is_null() {
                    return err("sort: given list element must not be null");
                }
                items.push(str_of(x)?);
            }
            items.sort();
            Ok(V::list(items.into_iter().map(V::Str).collect()))
        }
        "slice" => {
            a.count(3, 3)?;
            let items = a.seq(0)?;
            let (s, e) = (a.int(1)?, a.int(2)?);
            if s < 0 || e < s || e as usize > items.len() {
                return err(
                    "slice: the start and end indexes must satisfy 0 <= start <= end <= length",
                );
            }
            Ok(V::list(items[s as usize..e as usize].to_vec()))
        }
        "setunion" | "setintersection" | "setsubtract" => set_op(&a),
        "setproduct" => setproduct(&a),
        "chunklist" => {
            a.count(2, 2)?;
            let items = a.seq(0)?;
            let size = a.int(1)?;
            if size < 0 {
                return err("chunklist: the size must not be negative");
            }
            if size == 0 {
                return Ok(V::list(vec![V::list(items.to_vec())]));
            }
            Ok(V::list(
                items
                    .chunks(size as usize)
                    .map(|c| V::list(c.to_vec()))
                    .collect(),
            ))
        }
        "index" => {
            a.count(2, 2)?;
            match a.seq(0)?.iter().position(|x| equal(x, &a.args[1])) {
                Some(i) => Ok(num(i as f64)),
                None => err("index: item not found"),
            }
        }
        "matchkeys" => {
            a.count(3, 3)?;
            let (vals, keys, search) = (a.seq(0)?, a.seq(1)?, a.seq(2)?);
            if vals.len() != keys.len() {
                return err("matchkeys: the lengths of values and keys must match");
            }
            Ok(V::list(
                vals.iter()
                    .zip(keys)
                    .filter(|(_, k)| search.iter().any(|s| equal(k, s)))
                    .map(|(v, _)| v.clone())
                    .collect(),
            ))
        }
        "transpose" => {
            a.count(1, 1)?;
            let mut out: BTreeMap<String, Vec<V>> = BTreeMap::new();
            for (k, list) in a.map(0)?.iter() {
                let Some(items) = list.elements() else {
                    return err("transpose: values must be lists of strings");
                };
                for x in items {
                    out.entry(str_of(x)?.to_string())
                        .or_default()
                        .push(V::str(k.as_str()));
                }
            }
            Ok(V::map(
                out.into_iter().map(|(k, v)| (k, V::list(v))).collect(),
            ))
        }
        "zipmap" => {
            a.count(2, 2)?;
            let (keys, vals) = (a.seq(0)?, a.seq(1)?);
            if keys.len() != vals.len() {
                return err("zipmap: the number of keys and values must match");
            }
            let mut out = BTreeMap::new();
            for (k, v) in keys.iter().zip(vals) {
                if k.is_unknown() {
                    return Ok(unknown_from(&args));
                }
                out.insert(str_of(k)?.to_string(), v.clone());
            }
            Ok(V::map(out))
        }
        "one" => {
            a.count(1, 1)?;
            let items = a.seq(0)?;
            match items {
                [] => Ok(V::Null),
                [x] => Ok(x.clone()),
                _ => {
                    err("one: must be a list, set, or tuple value with either zero or one elements")
                }
            }
        }
        "alltrue" | "anytrue" => {
            a.count(1, 1)?;
            let all = name == "alltrue";
            let mut unknown = false;
            for x in a.seq(0)? {
                if x.is_unknown() {
                    unknown = true;
                    continue;
                }
                match to_bool(x) {
                    Some(b) if b != all => return Ok(V::Bool(!all)),
                    Some(_) => {}
                    None => return err(format!("{name}: elements must be bools")),
                }
            }
            Ok(if unknown {
                unknown_from(&args)
            } else {
                V::Bool(all)
            })
        }
        "sum" => {
            a.count(1, 1)?;
            let items = a.seq(0)?;
            if items.is_empty() {
                return err("sum: cannot sum an empty list");
            }
            let mut total = 0.0;
            for x in items {
                total += num_of(x)?;
            }
            Ok(V::Num(value::normalize(total)))
        }
        "range" => range(&a),
        "tolist" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Null => Ok(V::Null),
                V::List(x) | V::Set(x) => Ok(V::typed_list(unify_primitives(x))),
                other => err(format!(
                    "tolist: cannot convert {} to list",
                    other.type_name()
                )),
            }
        }
        "toset" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Null => Ok(V::Null),
                V::List(x) | V::Set(x) => Ok(V::set(unify_primitives(x))),
                other => err(format!(
                    "toset: cannot convert {} to set",
                    other.type_name()
                )),
            }
        }
        "tomap" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Null => Ok(V::Null),
                V::Map(m) => {
                    let vals: Vec<V> = m.values().cloned().collect();
                    let unified = unify_primitives(&vals);
                    Ok(V::typed_map(m.keys().cloned().zip(unified).collect()))
                }
                other => err(format!(
                    "tomap: cannot convert {} to map",
                    other.type_name()
                )),
            }
        }
        "tostring" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Null => Ok(V::Null),
                other => match to_string(other) {
                    Some(s) => Ok(V::Str(s)),
                    None => err(format!(
                        "tostring: cannot convert {} to string",
                        other.type_name()
                    )),
                },
            }
        }
        "tonumber" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Null => Ok(V::Null),
                V::Bool(_) => err("tonumber: cannot convert bool to number"),
                other => match to_number(other) {
                    Some(n) => Ok(V::Num(n)),
                    None => err("tonumber: cannot convert the value to a number"),
                },
            }
        }
        "tobool" => {
            a.count(1, 1)?;
            match &a.args[0] {
                V::Null => Ok(V::Null),
                other => match to_bool(other) {
                    Some(b) => Ok(V::Bool(b)),
                    None => err("tobool: only the strings \"true\" or \"false\" are allowed"),
                },
            }
        }
        "sensitive" | "nonsensitive" | "ephemeralasnull" => {
            a.count(1, 1)?;
            Ok(a.args[0].clone())
        }
        "issensitive" => Ok(V::Bool(false)),
        // --- strings
        "format" => {
            a.atleast(1)?;
            Ok(V::str(format(&a.str(0)?, &a.args[1..])?))
        }
        "formatlist" => formatlist(&a),
        "join" => {
            a.atleast(2)?;
            let sep = a.str(0)?;
            let mut parts = Vec::new();
            for i in 1..a.args.len() {
                for x in a.seq(i)? {
                    if x.is_null() {
                        return err("join: element must not be null");
                    }
                    parts.push(str_of(x)?);
                }
            }
            let out = parts.iter().map(|s| &**s).collect::<Vec<_>>().join(&sep);
            check_len(&out)?;
            Ok(V::str(out))
        }
        "split" => {
            a.count(2, 2)?;
            let (sep, s) = (a.str(0)?, a.str(1)?);
            let parts: Vec<V> = if sep.is_empty() {
                s.chars().map(|c| V::str(c.to_string())).collect()
            } else {
                s.split(&*sep).map(V::str).collect()
            };
            Ok(V::list(parts))
        }
        "lower" => Ok(V::str(case_map(&a.one_str()?, false))),
        "upper" => Ok(V::str(case_map(&a.one_str()?, true))),
        "title" => Ok(V::str(title(&a.one_str()?))),
        "replace" => {
            a.count(3, 3)?;
            let (s, find, with) = (a.str(0)?, a.str(1)?, a.str(2)?);
            let out = if find.len() > 1 && find.starts_with('/') && find.ends_with('/') {
                let re = regex(&find[1..find.len() - 1])?;
                re.replace_all(&s, &*with).into_owned()
            } else {
                s.replace(&*find, &with)
            };
            check_len(&out)?;
            Ok(V::str(out))
        }
        "trimspace" => Ok(V::str(a.one_str()?.trim())),
        "trim" => {
            a.count(2, 2)?;
            let (s, cut) = (a.str(0)?, a.str(1)?);
            Ok(V::str(s.trim_matches(|c| cut.contains(c))))
        }
        "trimprefix" => {
            a.count(2, 2)?;
            let (s, p) = (a.str(0)?, a.str(1)?);
            Ok(V::str(s.strip_prefix(&*p).unwrap_or(&s)))
        }
        "trimsuffix" => {
            a.count(2, 2)?;
            let (s, p) = (a.str(0)?, a.str(1)?);
            Ok(V::str(s.strip_suffix(&*p).unwrap_or(&s)))
        }
        "substr" => {
            a.count(3, 3)?;
            let s = a.str(0)?;
            let (offset, length) = (a.int(1)?, a.int(2)?);
            let g = graphemes(&s);
            let total = g.len() as i64;
            let start = if offset < 0 {
                (total + offset).max(0)
            } else {
                offset
            };
            if start > total {
                return err("substr: offset is out of range");
            }
            let end = if length < 0 {
                total
            } else {
                (start + length).min(total)
            };
            Ok(V::str(g[start as usize..end.max(start) as usize].concat()))
        }
        "regex" | "regexall" => regex_fn(&a),
        "startswith" | "endswith" | "strcontains" => {
            a.count(2, 2)?;
            let (s, p) = (a.str(0)?, a.str(1)?);
            Ok(V::Bool(match name {
                "startswith" => s.starts_with(&*p),
                "endswith" => s.ends_with(&*p),
                _ => s.contains(&*p),
            }))
        }
        "strrev" => {
            let s = a.one_str()?;
            let mut g = graphemes(&s);
            g.reverse();
            Ok(V::str(g.concat()))
        }
        "chomp" => Ok(V::str(a.one_str()?.trim_end_matches(['\n', '\r']))),
        "indent" => {
            a.count(2, 2)?;
            let n = a.int(0)?.clamp(0, 1024) as usize;
            let s = a.str(1)?;
            let pad = format!("\n{}", " ".repeat(n));
            let out = s.replace('\n', &pad);
            check_len(&out)?;
            Ok(V::str(out))
        }
        "basename" => {
            let s = a.one_str()?;
            let t = s.trim_end_matches('/');
            Ok(V::str(t.rsplit('/').next().unwrap_or(t)))
        }
        "dirname" => {
            let s = a.one_str()?;
            Ok(V::str(match s.rfind('/') {
                Some(0) => "/",
                Some(i) => &s[..i],
                None => ".",
            }))
        }
        "base64encode" => Ok(V::str(base64_encode(a.one_str()?.as_bytes()))),
        "base64decode" => {
            let s = a.one_str()?;
            let bytes =
                base64_decode(&s).ok_or_else(|| EvalError::new("base64decode: invalid base64"))?;
            match String::from_utf8(bytes) {
                Ok(t) => Ok(V::str(t)),
                Err(_) => err("base64decode: the result is not valid UTF-8"),
            }
        }
        "urlencode" => Ok(V::str(urlencode(&a.one_str()?))),
        "jsonencode" => {
            a.count(1, 1)?;
            let mut out = String::new();
            value::json_encode(&a.args[0], &mut out).map_err(EvalError::new)?;
            check_len(&out)?;
            Ok(V::str(out))
        }
        "jsondecode" => {
            let s = a.one_str()?;
            match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(j) => Ok(value::from_json(&j)),
                Err(e) => err(format!("jsondecode: {e}")),
            }
        }
        // --- numbers
        "min" | "max" => {
            a.atleast(1)?;
            let mut best: Option<f64> = None;
            for x in a.args {
                let n = num_of(x)?;
                best = Some(match best {
                    None => n,
                    Some(b) if name == "min" => b.min(n),
                    Some(b) => b.max(n),
                });
            }
            Ok(V::Num(best.unwrap_or(0.0)))
        }
        "abs" => Ok(V::Num(a.one_num()?.abs())),
        "ceil" => Ok(V::Num(a.one_num()?.ceil())),
        "floor" => Ok(V::Num(a.one_num()?.floor())),
        "signum" => {
            let n = a.one_num()?;
            Ok(num(if n > 0.0 {
                1.0
            } else if n < 0.0 {
                -1.0
            } else {
                0.0
            }))
        }
        "pow" => {
            a.count(2, 2)?;
            // Terraform's pow and log are 64-bit: not rounded.
            Ok(V::Num(a.num(0)?.powf(a.num(1)?)))
        }
        "log" => {
            a.count(2, 2)?;
            Ok(V::Num(a.num(0)?.ln() / a.num(1)?.ln()))
        }
        "parseint" => {
            a.count(2, 2)?;
            let (s, base) = (a.str(0)?, a.int(1)?);
            if !(2..=62).contains(&base) {
                return err("parseint: base must be between 2 and 62");
            }
            parse_int(&s, base as u32)
                .map(|n| V::Num(n as f64))
                .ok_or_else(|| {
                    EvalError::new(format!(
                        "parseint: cannot parse {s:?} as a base {base} integer"
                    ))
                })
        }
        // --- network
        "cidrsubnet" => {
            a.count(3, 3)?;
            let net = Cidr::parse(&a.str(0)?)?;
            Ok(V::str(net.subnet(a.int(1)?, a.int(2)?)?.to_string()))
        }
        "cidrsubnets" => {
            a.atleast(1)?;
            let net = Cidr::parse(&a.str(0)?)?;
            let mut out = Vec::new();
            let mut next: u128 = 0;
            for i in 1..a.args.len() {
                let bits = a.int(i)?;
                let sub = net.subnet_at(bits, &mut next)?;
                out.push(V::str(sub.to_string()));
            }
            Ok(V::list(out))
        }
        "cidrhost" => {
            a.count(2, 2)?;
            let net = Cidr::parse(&a.str(0)?)?;
            Ok(V::str(net.host(a.int(1)?)?))
        }
        "cidrnetmask" => {
            let net = Cidr::parse(&a.one_str()?)?;
            if net.v6 {
                return err("cidrnetmask: only IPv4 prefixes have a netmask");
            }
            let mask = if net.len == 0 {
                0u32
            } else {
                u32::MAX << (32 - net.len)
            };
            Ok(V::str(std::net::Ipv4Addr::from(mask).to_string()))
        }
        "list" | "map" => err(format!("the {name} function was removed in Terraform 0.12")),
        _ => return Ok(unknown_from(&args)),
    };
    // Big results cost in proportion, so repeated growth meets the budget.
    if let Ok(v) = &out {
        let size = match v {
            V::List(x) | V::Set(x) => x.len(),
            V::Map(m) => m.len(),
            V::Str(s) => s.len() / 64,
            _ => 0,
        };
        if !budget.charge(size as u64) {
            return Ok(V::unknown());
        }
    }
    out
}

fn num(n: f64) -> V {
    V::Num(n)
}

struct Args<'a> {
    name: &'a str,
    args: &'a [V],
}

impl Args<'_> {
    fn count(&self, min: usize, max: usize) -> Result<(), EvalError> {
        let n = self.args.len();
        if n < min || n > max {
            return err(format!("{}: wrong number of arguments ({n})", self.name));
        }
        Ok(())
    }

    fn atleast(&self, min: usize) -> Result<(), EvalError> {
        self.count(min, usize::MAX)
    }

    fn get(&self, i: usize) -> Result<&V, EvalError> {
        match self.args.get(i) {
            Some(V::Null) => err(format!("{}: argument must not be null", self.name)),
            Some(v) => Ok(v),
            None => err(format!("{}: missing argument", self.name)),
        }
    }

    fn str(&self, i: usize) -> Result<Rc<str>, EvalError> {
        str_of(self.get(i)?)
    }

    fn one_str(&self) -> Result<Rc<str>, EvalError> {
        self.count(1, 1)?;
        self.str(0)
    }

    fn num(&self, i: usize) -> Result<f64, EvalError> {
        num_of(self.get(i)?)
    }

    fn one_num(&self) -> Result<f64, EvalError> {
        self.count(1, 1)?;
        self.num(0)
    }

    fn int(&self, i: usize) -> Result<i64, EvalError> {
        let n = self.num(i)?;
        if n.fract() != 0.0 || !n.is_finite() {
            return err(format!("{}: a whole number is required", self.name));
        }
        Ok(n as i64)
    }

    /// A list, tuple or set argument.
    fn seq(&self, i: usize) -> Result<&[V], EvalError> {
        match self.get(i)? {
            V::List(x) | V::Set(x) => Ok(x),
            other => err(format!(
                "{}: a list is required, not {}",
                self.name,
                other.type_name()
            )),
        }
    }

    fn map(&self, i: usize) -> Result<&BTreeMap<String, V>, EvalError> {
        match self.get(i)? {
            V::Map(m) => Ok(m),
            other => err(format!(
                "{}: a map is required, not {}",
                self.name,
                other.type_name()
            )),
        }
    }
}

fn str_of(v: &V) -> Result<Rc<str>, EvalError> {
    match v {
        V::Null => err("argument must not be null"),
        other => to_string(other).ok_or_else(|| {
            EvalError::new(format!("a string is required, not {}", other.type_name()))
        }),
    }
}

fn num_of(v: &V) -> Result<f64, EvalError> {
    to_number(v)
        .ok_or_else(|| EvalError::new(format!("a number is required, not {}", v.type_name())))
}

fn check_len(s: &str) -> Result<(), EvalError> {
    if s.len() > MAX_STRING {
        return err("the result string is too long");
    }
    Ok(())
}

fn merge(a: &Args) -> R {
    let mut out = BTreeMap::new();
    for x in a.args {
        match x {
            V::Null => {}
            V::Map(m) => {
                for (k, v) in m.iter() {
                    out.insert(k.clone(), v.clone());
                }
            }
            other => {
                return err(format!(
                    "merge: arguments must be maps or objects, got {}",
                    other.type_name()
                ))
            }
        }
    }
    Ok(V::map(out))
}

fn lookup(a: &Args) -> R {
    a.count(2, 3)?;
    let m = a.map(0)?;
    let key = a.str(1)?;
    match m.get(&*key) {
        Some(v) => Ok(v.clone()),
        None => match a.args.get(2) {
            Some(d) => Ok(d.clone()),
            None => err(format!("lookup: the given key {key:?} is not in the map")),
        },
    }
}

fn concat(a: &Args) -> R {
    let mut out = Vec::new();
    for x in a.args {
        match x {
            V::List(items) => out.extend(items.iter().cloned()),
            other => {
                return err(format!(
                    "concat: all arguments must be lists or tuples, got {}",
                    other.type_name()
                ))
            }
        }
        if out.len() > MAX_ELEMENTS {
            return err("concat: the result is too large");
        }
    }
    Ok(V::list(out))
}

fn flatten_into(v: &V, out: &mut Vec<V>, depth: usize) -> Result<(), EvalError> {
    if depth > 64 {
        return err("flatten: nesting is too deep");
    }
    match v {
        V::List(items) | V::Set(items) => {
            for x in items.iter() {
                match x {
                    V::List(_) | V::Set(_) => flatten_into(x, out, depth + 1)?,
                    other => out.push(other.clone()),
                }
            }
            Ok(())
        }
        V::Null => err("flatten: argument must not be null"),
        other => err(format!(
            "flatten: a list is required, not {}",
            other.type_name()
        )),
    }
}

fn coalesce(a: &Args) -> R {
    let vals = unify_primitives(a.args);
    for v in &vals {
        match v {
            V::Null => {}
            V::Str(s) if s.is_empty() => {}
            other => return Ok(other.clone()),
        }
    }
    err("coalesce: no non-null, non-empty-string arguments")
}

fn set_op(a: &Args) -> R {
    a.atleast(1)?;
    let mut acc: Vec<V> = a.seq(0)?.to_vec();
    for i in 1..a.args.len() {
        let other = a.seq(i)?;
        match a.name {
            "setunion" => acc.extend(other.iter().cloned()),
            "setintersection" => acc.retain(|x| other.iter().any(|y| equal(x, y))),
            _ => acc.retain(|x| !other.iter().any(|y| equal(x, y))),
        }
    }
    Ok(V::set(unify_primitives(&acc)))
}

fn setproduct(a: &Args) -> R {
    a.atleast(1)?;
    let mut lists = Vec::new();
    let mut total: usize = 1;
    for i in 0..a.args.len() {
        let s = a.seq(i)?;
        total = total.saturating_mul(s.len());
        lists.push(s);
    }
    if total > MAX_ELEMENTS {
        return err("setproduct: the result is too large");
    }
    let mut out: Vec<Vec<V>> = vec![Vec::new()];
    for l in lists {
        let mut next = Vec::with_capacity(out.len() * l.len());
        for prefix in &out {
            for x in l {
                let mut p = prefix.clone();
                p.push(x.clone());
                next.push(p);
            }
        }
        out = next;
    }
    Ok(V::list(out.into_iter().map(V::list).collect()))
}

fn range(a: &Args) -> R {
    a.count(1, 3)?;
    let (start, end, step) = match a.args.len() {
        1 => (0.0, a.num(0)?, 1.0),
        2 => {
            let (s, e) = (a.num(0)?, a.num(1)?);
            (s, e, if e < s { -1.0 } else { 1.0 })
        }
        _ => (a.num(0)?, a.num(1)?, a.num(2)?),
    };
    if step == 0.0 {
        return err("range: step must not be zero");
    }
    if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
        return err("range: the step direction does not lead from start to end");
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        if out.len() >= 1024 {
            return err("range: more than 1024 values were generated");
        }
        out.push(V::Num(value::normalize(x)));
        x += step;
    }
    Ok(V::list(out))
}

/// Grapheme clusters, approximated: combining marks, variation selectors,
/// emoji modifiers, zero-width joiners and regional-indicator pairs attach to
/// the previous character (what `length` and `substr` count in Terraform).
pub fn graphemes(s: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut ri_run = 0;
    for (i, c) in s.char_indices() {
        let joins = match prev {
            None => false,
            Some(p) => {
                let extend = matches!(c as u32,
                    0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF
                    | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF | 0x200D
                    | 0xE0020..=0xE007F);
                let regional = (0x1F1E6..=0x1F1FF).contains(&(c as u32));
                extend
                    || p == '\u{200D}'
                    || (p == '\r' && c == '\n')
                    || (regional && ri_run % 2 == 1)
            }
        };
        if (0x1F1E6..=0x1F1FF).contains(&(c as u32)) {
            ri_run += 1;
        } else {
            ri_run = 0;
        }
        if !joins && i > start {
            out.push(&s[start..i]);
            start = i;
        }
        prev = Some(c);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Go's `strings.ToUpper`/`ToLower`: one character maps to one character
/// (`ß` stays `ß`).
fn case_map(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut m: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            if m.len() == 1 {
                m.pop().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start && c.is_alphabetic() {
            out.push(case_map(&c.to_string(), true).chars().next().unwrap_or(c));
        } else {
            out.push(c);
        }
        at_start = !(c.is_alphanumeric() || c == '_');
    }
    out
}

fn regex(pattern: &str) -> Result<regex::Regex, EvalError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| EvalError::new(format!("invalid regular expression: {e}")))
}

fn regex_fn(a: &Args) -> R {
    a.count(2, 2)?;
    let re = regex(&a.str(0)?)?;
    let s = a.str(1)?;
    let named: Vec<&str> = re.capture_names().flatten().collect();
    let groups = re.captures_len() - 1;
    let shape = |caps: &regex::Captures| -> V {
        let text = |m: Option<regex::Match>| m.map_or(V::Null, |m| V::str(m.as_str()));
        if !named.is_empty() {
            V::map(
                named
                    .iter()
                    .map(|n| (n.to_string(), text(caps.name(n))))
                    .collect(),
            )
        } else if groups > 0 {
            V::list((1..=groups).map(|i| text(caps.get(i))).collect())
        } else {
            text(caps.get(0))
        }
    };
    if a.name == "regex" {
        match re.captures(&s) {
            Some(c) => Ok(shape(&c)),
            None => err("regex: pattern did not match any part of the given string"),
        }
    } else {
        Ok(V::list(
            re.captures_iter(&s)
                .take(MAX_ELEMENTS)
                .map(|c| shape(&c))
                .collect(),
        ))
    }
}

/// `format` and `formatlist`: Go-style verbs as Terraform implements them.
fn format(fmt: &str, args: &[V]) -> Result<String, EvalError> {
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut next_arg = 0;
    let mut used = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.get(i) {
            match f {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i) == Some(&'[') {
            let close = chars[i..].iter().position(|&c| c == ']').map(|p| i + p);
            let Some(close) = close else {
                return err("format: unterminated argument index");
            };
            let n: usize = chars[i + 1..close]
                .iter()
                .collect::<String>()
                .parse()
                .map_err(|_| EvalError::new("format: invalid argument index"))?;
            if n == 0 {
                return err("format: argument indexes start at 1");
            }
            next_arg = n - 1;
            i = close + 1;
        }
        let mut width = String::new();
        while let Some(&d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
            width.push(d);
            i += 1;
        }
        spec.width = width.parse().ok().map(|w: usize| w.min(1024));
        if chars.get(i) == Some(&'.') {
            i += 1;
            let mut p = String::new();
            while let Some(&d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                p.push(d);
                i += 1;
            }
            spec.prec = Some(p.parse().unwrap_or(0usize).min(1024));
        }
        let Some(&verb) = chars.get(i) else {
            return err("format: the format string ends in the middle of a verb");
        };
        i += 1;
        let Some(arg) = args.get(next_arg) else {
            return err(format!("format: not enough arguments for %{verb}"));
        };
        next_arg += 1;
        used = used.max(next_arg);
        let body = format_one(verb, &spec, arg)?;
        out.push_str(&spec.pad(
            body,
            matches!(
                verb,
                'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G'
            ),
        ));
        if out.len() > MAX_STRING {
            return err("format: the result is too long");
        }
    }
    if used < args.len() {
        return err(format!(
            "format: too many arguments; only {used} used by format string"
        ));
    }
    Ok(out)
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    fn pad(&self, body: String, numeric: bool) -> String {
        let Some(w) = self.width else { return body };
        let len = body.chars().count();
        if len >= w {
            return body;
        }
        let fill = w - len;
        if self.left {
            format!("{body}{}", " ".repeat(fill))
        } else if self.zero && numeric {
            let (sign, digits) = match body.strip_prefix(['-', '+']) {
                Some(rest) => (&body[..1], rest),
                None => ("", body.as_str()),
            };
            format!("{sign}{}{digits}", "0".repeat(fill))
        } else {
            format!("{}{body}", " ".repeat(fill))
        }
    }

    fn sign(&self, n: f64, body: String) -> String {
        if n >= 0.0 && self.plus {
            format!("+{body}")
        } else if n >= 0.0 && self.space {
            format!(" {body}")
        } else {
            body
        }
    }
}

fn format_one(verb: char, spec: &Spec, arg: &V) -> Result<String, EvalError> {
    let json = |v: &V| -> Result<String, EvalError> {
        let mut s = String::new();
        value::json_encode(v, &mut s).map_err(EvalError::new)?;
        Ok(s)
    };
    match verb {
        'v' => {
            if spec.sharp {
                return json(arg);
            }
            match arg {
                V::Null => Ok("null".into()),
                V::List(_) | V::Set(_) | V::Map(_) => json(arg),
                other => str_of(other).map(|s| s.to_string()),
            }
        }
        's' => {
            let s = str_of(arg)?;
            Ok(match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            })
        }
        'q' => {
            let s = str_of(arg)?;
            json(&V::Str(s))
        }
        't' => match to_bool(arg) {
            Some(b) => Ok(b.to_string()),
            None => err("format: %t requires a bool"),
        },
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = num_of(arg)?;
            if n.fract() != 0.0 {
                return err(format!("format: %{verb} requires a whole number"));
            }
            let i = n as i128;
            let mag = i.unsigned_abs();
            let digits = match verb {
                'd' => mag.to_string(),
                'b' => format!("{mag:b}"),
                'o' => format!("{mag:o}"),
                'x' => format!("{mag:x}"),
                _ => format!("{mag:X}"),
            };
            let digits = if i < 0 { format!("-{digits}") } else { digits };
            Ok(spec.sign(n, digits))
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let n = num_of(arg)?;
            let body = match verb {
                'e' | 'E' => {
                    let s = go_exp(n, spec.prec.unwrap_or(6));
                    if verb == 'E' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
                'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), n),
                _ => {
                    let s = match spec.prec {
                        Some(p) => {
                            let p = p.max(1);
                            let exp = if n == 0.0 {
                                0
                            } else {
                                n.abs().log10().floor() as i64
                            };
                            if exp < -4 || exp >= p as i64 {
                                go_exp(n, p - 1)
                            } else {
                                let decimals = (p as i64 - 1 - exp).max(0) as usize;
                                trim_zeros(format!("{n:.decimals$}"))
                            }
                        }
                        None => {
                            let exp = if n == 0.0 {
                                0
                            } else {
                                n.abs().log10().floor() as i64
                            };
                            if !(-4..21).contains(&exp) {
                                let s = format!("{n:e}");
                                fix_exp(&s)
                            } else {
                                format!("{n}")
                            }
                        }
                    };
                    if verb == 'G' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
            };
            Ok(spec.sign(n, body))
        }
        other => err(format!("format: unsupported verb %{other}")),
    }
}

/// `%e` as Go prints it: `1.234500e+03`.
fn go_exp(n: f64, prec: usize) -> String {
    fix_exp(&format!("{n:.prec$e}"))
}

/// Rust's `1.5e3` exponent to Go's `1.5e+03`.
fn fix_exp(s: &str) -> String {
    match s.split_once('e') {
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mant}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn formatlist(a: &Args) -> R {
    a.atleast(1)?;
    let fmt = a.str(0)?;
    let rest = &a.args[1..];
    let mut n: Option<usize> = None;
    for x in rest {
        if let Some(items) = x.elements() {
            match n {
                Some(m) if m != items.len() => {
                    return err("formatlist: all lists must have the same length")
                }
                _ => n = Some(items.len()),
            }
        }
    }
    let n = n.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let row: Vec<V> = rest
            .iter()
            .map(|x| match x.elements() {
                Some(items) => items[i].clone(),
                None => x.clone(),
            })
            .collect();
        out.push(V::str(format(&fmt, &row)?));
    }
    Ok(V::list(out))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if s.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (ci, chunk) in s.chunks(4).enumerate() {
        let last = ci == s.len() / 4 - 1;
        let mut n: u32 = 0;
        let mut pad = 0;
        for (k, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'=' if last && k >= 2 => {
                    pad += 1;
                    0
                }
                _ if pad > 0 => return None,
                _ => B64.iter().position(|&x| x == c)? as u32,
            };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(i64::from(base))?.checked_add(i64::from(d))?;
    }
    Some(if neg { -n } else { n })
}

/// An IPv4 or IPv6 prefix as a 128-bit number.
struct Cidr {
    v6: bool,
    addr: u128,
    len: u32,
}

impl Cidr {
    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    fn parse(s: &str) -> Result<Cidr, EvalError> {
        let bad = || EvalError::new(format!("invalid CIDR address: {s}"));
        let (ip, len) = s.split_once('/').ok_or_else(bad)?;
        let len: u32 = len.parse().map_err(|_| bad())?;
        let (v6, addr) = match ip.parse::<std::net::IpAddr>().map_err(|_| bad())? {
            std::net::IpAddr::V4(a) => (false, u128::from(u32::from(a))),
            std::net::IpAddr::V6(a) => (true, u128::from(a)),
        };
        let c = Cidr { v6, addr, len };
        if len > c.bits() {
            return Err(bad());
        }
        let host = c.bits() - len;
        let addr = if host >= 128 {
            0
        } else {
            (addr >> host) << host
        };
        Ok(Cidr { addr, ..c })
    }

    fn subnet(&self, newbits: i64, netnum: i64) -> Result<Cidr, EvalError> {
        if newbits < 0 || netnum < 0 {
            return err("cidrsubnet: newbits and netnum must not be negative");
        }
        if newbits > i64::from(self.bits() - self.len) {
            return err(format!(
                "cidrsubnet: insufficient address space to extend prefix of {} by {newbits}",
                self.len
            ));
        }
        let len = self.len + newbits as u32;
        if newbits < 127 && (netnum as u128) >= (1u128 << newbits) {
            return err(format!(
                "cidrsubnet: prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            ));
        }
        let shift = self.bits() - len;
        let add = if shift >= 128 {
            0
        } else {
            (netnum as u128).checked_shl(shift).unwrap_or(0)
        };
        Ok(Cidr {
            v6: self.v6,
            addr: self.addr | add,
            len,
        })
    }

    /// The next free subnet of `newbits` after `next` (an offset in addresses), as
    /// `cidrsubnets` allocates them.
    fn subnet_at(&self, newbits: i64, next: &mut u128) -> Result<Cidr, EvalError> {
        if newbits < 1 || newbits > i64::from(self.bits() - self.len) {
            return err(
                "cidrsubnets: each new bit count must be between 1 and the free prefix bits",
            );
        }
        let len = self.len + newbits as u32;
        let size: u128 = 1u128 << (self.bits() - len);
        let start = next.div_ceil(size).checked_mul(size);
        let end = start.and_then(|s| s.checked_add(size));
        let (Some(start), Some(end)) = (start, end) else {
            return err("cidrsubnets: not enough remaining address space");
        };
        let host_space = self.bits() - self.len;
        if host_space < 128 && end > (1u128 << host_space) {
            return err("cidrsubnets: not enough remaining address space");
        }
        *next = end;
        Ok(Cidr {
            v6: self.v6,
            addr: self.addr.wrapping_add(start),
            len,
        })
    }

    fn host(&self, hostnum: i64) -> Result<String, EvalError> {
        let host_bits = self.bits() - self.len;
        let space: u128 = if host_bits >= 128 {
            u128::MAX
        } else {
            1u128 << host_bits
        };
        let n = if hostnum < 0 {
            let back = hostnum.unsigned_abs() as u128;
            if back > space {
                return err("cidrhost: host number is out of range");
            }
            space - back
        } else {
            let n = hostnum as u128;
            if n >= space {
                return err("cidrhost: host number is out of range");
            }
            n
        };
        Ok(self.ip(self.addr.wrapping_add(n)))
    }

    fn ip(&self, addr: u128) -> String {
        if self.v6 {
            std::net::Ipv6Addr::from(addr).to_string()
        } else {
            std::net::Ipv4Addr::from(addr as u32).to_string()
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.ip(self.addr), self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "héllo✓"] {
            let e = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&e).as_deref(), Some(s.as_bytes()), "{s}");
        }
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn grapheme_counting() {
        assert_eq!(graphemes("héllo👍🏽").len(), 6);
        assert_eq!(graphemes("e\u{301}").len(), 1);
        assert_eq!(graphemes("🇩🇪🇫🇷").len(), 2);
    }

    #[test]
    fn unknown_arguments() {
        let b = Budget::new(1000);
        let u = V::unknown_ref("aws_s3_bucket.b");
        assert!(call("upper", vec![u.clone()], &b).expect("ok").is_unknown());
        let l = V::list(vec![u.clone(), V::Num(1.0)]);
        assert!(matches!(call("length", vec![l], &b), Ok(V::Num(n)) if n == 2.0));
        assert!(call("timestamp", vec![], &b).expect("ok").is_unknown());
        assert!(call("no_such_function", vec![V::Num(1.0)], &b)
            .expect("ok")
            .is_unknown());
        let m = V::map([("a".to_string(), u)].into_iter().collect());
        let merged = call("merge", vec![m, V::map(BTreeMap::new())], &b).expect("ok");
        assert!(matches!(merged, V::Map(_)));
    }
}
