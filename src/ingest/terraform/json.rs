//! JSON syntax (`.tf.json`, `.tfvars.json`) into [`ir`](super::ir).
//!
//! `serde_json` checks the file and reports syntax errors; it keeps no
//! positions, so a small located reader then walks the (valid) text to give
//! every value its span. Strings are templates, as Terraform reads them
//! (`"${var.x}"`), except where Terraform takes them literally (variable
//! defaults, module sources, `.tfvars.json`). Without provider schemas, an
//! object (or list of objects) under a resource is read as nested block(s),
//! except for well-known map attributes such as `tags`.

use super::ir::{Attr, Block, Body, Expr, ExprKind, ObjItem, ObjKey};
use super::parse::{self, SyntaxError};
use crate::source::{Pos, SourceFile, Span};

/// Nesting deeper than this is refused (serde_json stops at 128 too).
const MAX_DEPTH: usize = 128;

/// Map-valued resource attributes that must not be read as nested blocks.
const MAP_ATTRS: &[&str] = &[
    "tags",
    "tags_all",
    "labels",
    "annotations",
    "triggers",
    "variables",
    "parameters",
    "metadata",
    "environment_variables",
    "attributes",
    "context",
    "values",
    "settings",
    "policy",
];

#[derive(Debug)]
enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<JNode>),
    Obj(Vec<(String, Span, JNode)>),
}

#[derive(Debug)]
struct JNode {
    j: J,
    span: Span,
}

/// Parse a `.tf.json` file.
pub fn parse_config(file: &SourceFile) -> Result<Body, SyntaxError> {
    let root = read(file)?;
    let mut body = Body::default();
    let J::Obj(items) = &root.j else {
        return Err(SyntaxError {
            pos: root.span.start,
            message: "the root of a Terraform JSON file must be an object".into(),
        });
    };
    for (kind, kind_span, v) in items {
        let labels = match kind.as_str() {
            "resource" | "data" => 2,
            "module" | "variable" | "output" | "provider" => 1,
            "locals" => {
                for obj in objects(v) {
                    let mut b = block("locals", *kind_span, obj.span, Vec::new());
                    if let J::Obj(entries) = &obj.j {
                        for (k, ks, x) in entries {
                            if k != "//" {
                                b.body.attrs.push(attr(k, *ks, expr(x, false)));
                            }
                        }
                    }
                    body.blocks.push(b);
                }
                continue;
            }
            "terraform" => 0,
            _ => continue,
        };
        labeled(
            kind,
            *kind_span,
            v,
            labels,
            Vec::new(),
            *kind_span,
            &mut body.blocks,
        );
    }
    Ok(body)
}

/// Parse a `.tfvars.json` file: top-level properties are literal values.
pub fn parse_vars(file: &SourceFile) -> Result<Body, SyntaxError> {
    let root = read(file)?;
    let mut body = Body::default();
    if let J::Obj(items) = &root.j {
        for (k, ks, v) in items {
            body.attrs.push(attr(k, *ks, expr(v, true)));
        }
    }
    Ok(body)
}

fn read(file: &SourceFile) -> Result<JNode, SyntaxError> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&file.text) {
        return Err(SyntaxError {
            pos: Pos::new(e.line().max(1) as u32, e.column().max(1) as u32),
            message: e.to_string(),
        });
    }
    let mut r = Reader {
        file,
        bytes: file.text.as_bytes(),
        at: 0,
    };
    r.value(0).ok_or_else(|| SyntaxError {
        pos: file.pos_of_offset(r.at),
        message: "unsupported JSON".into(),
    })
}

/// `{ "label": { "label": body } }` down to `labels` levels, arrays allowed
/// at every level. The header is the last label's key.
fn labeled(
    kind: &str,
    kind_span: Span,
    v: &JNode,
    labels: usize,
    got: Vec<String>,
    header: Span,
    out: &mut Vec<Block>,
) {
    if labels == got.len() {
        for obj in objects(v) {
            let mut b = block(kind, kind_span, obj.span, got.clone());
            b.header = header;
            b.body = body(kind, obj);
            out.push(b);
        }
        return;
    }
    for obj in objects(v) {
        if let J::Obj(entries) = &obj.j {
            for (k, ks, x) in entries {
                if k == "//" {
                    continue;
                }
                let mut next = got.clone();
                next.push(k.clone());
                labeled(kind, kind_span, x, labels, next, *ks, out);
            }
        }
    }
}

/// The object, or each object of an array.
fn objects(v: &JNode) -> Vec<&JNode> {
    match &v.j {
        J::Obj(_) => vec![v],
        J::Arr(items) => items.iter().filter(|x| matches!(x.j, J::Obj(_))).collect(),
        _ => Vec::new(),
    }
}

fn block(kind: &str, kind_span: Span, span: Span, labels: Vec<String>) -> Block {
    Block {
        kind: kind.into(),
        labels,
        kind_span,
        header: kind_span,
        span,
        body: Body::default(),
    }
}

fn attr(name: &str, span: Span, expr: Expr) -> Attr {
    Attr {
        name: name.into(),
        name_span: span,
        expr,
    }
}

/// The body of a block of type `kind`.
fn body(kind: &str, obj: &JNode) -> Body {
    let mut out = Body::default();
    let J::Obj(entries) = &obj.j else { return out };
    for (k, ks, v) in entries {
        if k == "//" {
            continue;
        }
        let literal = matches!(
            (kind, k.as_str()),
            ("variable", "default") | ("module", "source") | ("module", "version")
        );
        let as_blocks = match (kind, k.as_str()) {
            // `"backend": {"s3": {…}}`: a block labelled with the backend type.
            ("terraform", "backend") => {
                labeled("backend", *ks, v, 1, Vec::new(), *ks, &mut out.blocks);
                continue;
            }
            ("variable", "type") => {
                let e = match &v.j {
                    J::Str(s) => parse::parse_expression(s)
                        .map(|mut e| {
                            relocate(&mut e, v.span);
                            e
                        })
                        .unwrap_or_else(|_| expr(v, true)),
                    _ => expr(v, true),
                };
                out.attrs.push(attr(k, *ks, e));
                continue;
            }
            (_, "dynamic") => {
                for obj in objects(v) {
                    if let J::Obj(dyns) = &obj.j {
                        for (name, ns, d) in dyns {
                            for dobj in objects(d) {
                                let mut b = block("dynamic", *ns, dobj.span, vec![name.clone()]);
                                b.body = body("dynamic", dobj);
                                out.blocks.push(b);
                            }
                        }
                    }
                }
                continue;
            }
            ("dynamic", "content")
            | (
                _,
                "lifecycle" | "provisioner" | "connection" | "validation" | "default_tags"
                | "backend" | "required_providers",
            ) => true,
            ("resource" | "data" | "content", _) => {
                !MAP_ATTRS.contains(&k.as_str())
                    && match &v.j {
                        J::Obj(_) => true,
                        J::Arr(items) => {
                            !items.is_empty() && items.iter().all(|x| matches!(x.j, J::Obj(_)))
                        }
                        _ => false,
                    }
            }
            _ => false,
        };
        if as_blocks {
            for o in objects(v) {
                let mut b = block(k, *ks, o.span, Vec::new());
                let inner_kind = if kind == "dynamic"
                    || kind == "resource"
                    || kind == "data"
                    || kind == "content"
                {
                    "content"
                } else {
                    k.as_str()
                };
                b.body = body(inner_kind, o);
                out.blocks.push(b);
            }
        } else {
            out.attrs.push(attr(k, *ks, expr(v, literal)));
        }
    }
    out
}

/// Give every span inside `e` the span `to` (a type expression read from a string).
fn relocate(e: &mut Expr, to: Span) {
    e.span = to;
    match &mut e.kind {
        ExprKind::Tuple(items) => items.iter_mut().for_each(|x| relocate(x, to)),
        ExprKind::Object(items) => items.iter_mut().for_each(|i| {
            i.key_span = to;
            relocate(&mut i.value, to);
        }),
        ExprKind::Call(c) => c.args.iter_mut().for_each(|x| relocate(x, to)),
        _ => {}
    }
}

/// A JSON value as an expression; strings are templates unless `literal`.
fn expr(v: &JNode, literal: bool) -> Expr {
    let kind = match &v.j {
        J::Null => ExprKind::Null,
        J::Bool(b) => ExprKind::Bool(*b),
        J::Num(n) => ExprKind::Num(*n),
        J::Str(s) => {
            if !literal && (s.contains("${") || s.contains("%{")) {
                if let Ok(e) = parse::parse_template_text(s, v.span) {
                    return e;
                }
            }
            ExprKind::Str(s.clone())
        }
        J::Arr(items) => ExprKind::Tuple(items.iter().map(|x| expr(x, literal)).collect()),
        J::Obj(entries) => ExprKind::Object(
            entries
                .iter()
                .filter(|(k, _, _)| k != "//")
                .map(|(k, ks, x)| ObjItem {
                    key: ObjKey::Name(k.clone()),
                    key_span: *ks,
                    value: expr(x, literal),
                })
                .collect(),
        ),
    };
    Expr::new(kind, v.span)
}

/// A located reader for JSON that serde_json has already accepted.
struct Reader<'a> {
    file: &'a SourceFile,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn span(&self, start: usize) -> Span {
        Span::new(
            self.file.pos_of_offset(start),
            self.file.pos_of_offset(self.at),
        )
    }

    fn value(&mut self, depth: usize) -> Option<JNode> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        let start = self.at;
        let j = match *self.bytes.get(self.at)? {
            b'{' => {
                self.at += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws();
                    match *self.bytes.get(self.at)? {
                        b'}' => {
                            self.at += 1;
                            break;
                        }
                        b',' => self.at += 1,
                        _ => {
                            let ks = self.at;
                            let key = self.string()?;
                            let key_span = self.span(ks);
                            self.ws();
                            if self.bytes.get(self.at) != Some(&b':') {
                                return None;
                            }
                            self.at += 1;
                            let v = self.value(depth + 1)?;
                            entries.push((key, key_span, v));
                        }
                    }
                }
                J::Obj(entries)
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    match *self.bytes.get(self.at)? {
                        b']' => {
                            self.at += 1;
                            break;
                        }
                        b',' => self.at += 1,
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
                J::Arr(items)
            }
            b'"' => J::Str(self.string()?),
            b't' => {
                self.at += 4;
                J::Bool(true)
            }
            b'f' => {
                self.at += 5;
                J::Bool(false)
            }
            b'n' => {
                self.at += 4;
                J::Null
            }
            _ => {
                while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') =
                    self.bytes.get(self.at)
                {
                    self.at += 1;
                }
                let text = std::str::from_utf8(self.bytes.get(start..self.at)?).ok()?;
                J::Num(text.parse().ok()?)
            }
        };
        Some(JNode {
            j,
            span: self.span(start),
        })
    }

    fn string(&mut self) -> Option<String> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' {
                    break;
                }
                self.at += 1;
            }
            out.push_str(std::str::from_utf8(self.bytes.get(run..self.at)?).ok()?);
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                _ => {
                    self.at += 1;
                    let e = *self.bytes.get(self.at)?;
                    self.at += 1;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.bytes.get(self.at..self.at + 2) == Some(b"\\u")
                            {
                                self.at += 2;
                                let lo = self.hex4()?;
                                char::from_u32(
                                    0x10000
                                        + ((hi - 0xD800) << 10)
                                        + (lo.wrapping_sub(0xDC00) & 0x3FF),
                                )
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        other => out.push(other as char),
                    }
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let s = std::str::from_utf8(self.bytes.get(self.at..self.at + 4)?).ok()?;
        self.at += 4;
        u32::from_str_radix(s, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(None, "main.tf.json".into(), text.into())
    }

    #[test]
    fn resources_and_nested_blocks() {
        let f = file(
            r#"{
  "resource": {
    "aws_s3_bucket": {
      "b": {
        "bucket": "${var.name}-logs",
        "tags": {"Environment": "prod"},
        "versioning": {"enabled": true}
      }
    }
  },
  "variable": {"name": {"default": "${literal}"}}
}"#,
        );
        let body = parse_config(&f).expect("parses");
        let r = &body.blocks[0];
        assert_eq!(&*r.kind, "resource");
        assert_eq!(r.labels, ["aws_s3_bucket", "b"]);
        assert!(matches!(
            r.body.attr("bucket").map(|a| &a.expr.kind),
            Some(ExprKind::Template(_))
        ));
        assert_eq!(
            r.body.attr("bucket").map(|a| a.name_span.start.line),
            Some(5)
        );
        assert!(r.body.attr("tags").is_some());
        assert_eq!(&*r.body.blocks[0].kind, "versioning");
        let v = &body.blocks[1];
        assert!(
            matches!(v.body.attr("default").map(|a| &a.expr.kind), Some(ExprKind::Str(s)) if s == "${literal}")
        );
    }

    #[test]
    fn syntax_error_position() {
        let f = file("{\n  \"resource\": {\n    \"a\": 1,\n  }\n}");
        let e = parse_config(&f).expect_err("invalid");
        assert_eq!(e.pos.line, 4);
    }

    #[test]
    fn escapes() {
        let f = file(r#"{"locals": {"a": "\u00e9\ud83d\ude00\n"}}"#);
        let body = parse_config(&f).expect("parses");
        let a = body.blocks[0].body.attr("a").expect("attr");
        assert_eq!(a.expr.kind, ExprKind::Str("é😀\n".into()));
    }
}
