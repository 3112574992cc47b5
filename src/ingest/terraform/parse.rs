//! Native syntax (`.tf`, `.tfvars`) through `hcl-edit` into [`ir`](super::ir).
//!
//! hcl-edit keeps byte spans on every construct; they become line/column
//! spans here, once. Template whitespace stripping (`~`) is applied here too,
//! so the evaluator only sees literal text and expressions.

use std::cell::Cell;
use std::ops::Range;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{self, BlockLabel, Structure};
use hcl_edit::template::{Directive, Element, Strip, Template};
use hcl_edit::Span as _;

use super::ir::{
    Attr, BinOp, Block, Body, Call, Expr, ExprKind, ForExpr, ObjItem, ObjKey, Op, Part, UnOp,
};
use crate::source::{Pos, SourceFile, Span};

/// A syntax error: where and what.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Index brackets and object braces nested deeper than this are refused
/// before hcl-edit sees the text: its expression parser backtracks
/// exponentially in the nesting of indexes (`a[b[…]]`) and object literals
/// (`{k = {…}}`) under binary operators when the input fails deep inside
/// (found by fuzzing: 16 levels cost 0.15 s, 22 levels over 30 s). Calls,
/// tuples and blocks do not backtrack and are not counted (type constraints
/// nest `optional(object({…}))` deeply). Real configurations stay far below.
pub const MAX_BRACKET_DEPTH: usize = 12;

/// The byte offset where index / object-literal nesting first exceeds
/// [`MAX_BRACKET_DEPTH`]. Comments, string literals and heredoc text do not
/// count; their `${…}` / `%{…}` interpolations do: hcl-edit parses those too.
pub fn too_nested(text: &str) -> Option<usize> {
    enum Ctx<'a> {
        /// Expression text: its open brackets, each `true` when it counts
        /// (an interpolation ends at a `}` with none open).
        Expr(Vec<bool>),
        Str,
        Heredoc(&'a str),
    }
    let b = text.as_bytes();
    let mut stack = vec![Ctx::Expr(Vec::new())];
    let mut depth = 0usize;
    let mut line_start = true;
    // The last byte of expression text that is not white space.
    let mut prev = b'\n';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let at_line_start = std::mem::replace(&mut line_start, c == b'\n');
        let in_interpolation = stack.len() > 1;
        match stack.last_mut() {
            Some(Ctx::Expr(open)) => {
                match c {
                    b'#' => i = line_end(b, i),
                    b'/' if next == Some(b'/') => i = line_end(b, i),
                    b'/' if next == Some(b'*') => {
                        i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 1);
                    }
                    b'"' => stack.push(Ctx::Str),
                    b'<' if next == Some(b'<') => {
                        let rest = &text[i + 2..];
                        let rest = rest.strip_prefix('-').unwrap_or(rest);
                        let end = rest
                            .find(|ch: char| {
                                !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
                            })
                            .unwrap_or(rest.len());
                        let ident = &rest[..end];
                        if !ident.is_empty() && rest[end..].starts_with(['\n', '\r']) {
                            stack.push(Ctx::Heredoc(ident));
                            i = line_end(b, i);
                            line_start = true;
                        }
                    }
                    b'}' if open.is_empty() && in_interpolation => {
                        stack.pop();
                    }
                    b'(' | b'[' | b'{' => {
                        let operand_before = prev.is_ascii_alphanumeric()
                            || matches!(prev, b'_' | b')' | b']' | b'}' | b'"' | b'*');
                        // An index follows an operand; an object literal
                        // follows anything but a block label or type.
                        let counts = match c {
                            b'[' => operand_before,
                            b'{' => !operand_before,
                            _ => false,
                        };
                        open.push(counts);
                        if counts {
                            depth += 1;
                            if depth > MAX_BRACKET_DEPTH {
                                return Some(i);
                            }
                        }
                    }
                    b')' | b']' | b'}' => {
                        let counted = open.pop() == Some(true);
                        depth -= usize::from(counted);
                    }
                    _ => {}
                }
                if !c.is_ascii_whitespace() {
                    prev = c;
                }
            }
            Some(Ctx::Str) => match c {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                    prev = b'"';
                }
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(Ctx::Expr(Vec::new()));
                    prev = b'{';
                    i += 1;
                }
                _ => {}
            },
            Some(Ctx::Heredoc(marker)) => {
                let marker = *marker;
                if at_line_start && text[i..line_end(b, i)].trim() == marker {
                    stack.pop();
                    i = line_end(b, i);
                    line_start = true;
                    prev = b'"';
                } else if (c == b'$' || c == b'%') && next == Some(b'{') {
                    stack.push(Ctx::Expr(Vec::new()));
                    prev = b'{';
                    i += 1;
                }
            }
            None => stack.push(Ctx::Expr(Vec::new())),
        }
        i += 1;
    }
    None
}

/// The offset of the newline ending the line at `i` (or the end).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |e| i + e)
}

fn nesting_message() -> String {
    format!("brackets nest more than {MAX_BRACKET_DEPTH} levels deep; refusing to parse")
}

/// Parse a native-syntax file.
pub fn parse_file(file: &SourceFile) -> Result<Body, SyntaxError> {
    if let Some(at) = too_nested(&file.text) {
        return Err(SyntaxError {
            pos: file.pos_of_offset(at),
            message: nesting_message(),
        });
    }
    let mut text = std::borrow::Cow::Borrowed(file.text.as_str());
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut joined = 0;
    let body = loop {
        let e = match hcl_edit::parser::parse_body(&text) {
            Ok(body) => break body,
            Err(e) => e,
        };
        let at = e.location().offset();
        // Terraform reads a value of an object `for` that goes on over lines
        // starting with an operator (`? a`, `: b`, `&& c`); hcl-edit stops at
        // the line break. It is made a space in the copy (positions stay).
        if joined < MAX_JOINED_LINES {
            if let Some(line_break) = continued_at(&text, at) {
                let spaces = " ".repeat(line_break.len());
                text.to_mut().replace_range(line_break, &spaces);
                joined += 1;
                continue;
            }
        }
        // Terraform takes an object constructor that repeats a key (the last
        // value counts); hcl-edit refuses it. The repeated key is renamed in
        // a copy of the text to a placeholder of the same length (positions
        // stay), and named back when converted, after the first one.
        let repeated =
            e.message().contains("redefined object key") && renamed.len() < MAX_REPEATED_KEYS;
        match repeated.then(|| object_key_at(&text, at)).flatten() {
            Some((range, original)) => {
                let placeholder = fresh_key(range.len(), &text, renamed.len());
                text.to_mut().replace_range(range, &placeholder);
                renamed.push((placeholder, original));
            }
            None => {
                return Err(SyntaxError {
                    pos: file.pos_of_offset(at),
                    message: first_line(e.message()),
                })
            }
        }
    };
    let conv = Conv {
        file: Some(file),
        fixed: Span::point(Pos::new(1, 1)),
        depth: Cell::new(0),
        too_deep: Cell::new(false),
        renamed: &renamed,
    };
    let out = conv.body(&body, conv.fixed);
    if conv.too_deep.get() {
        return Err(SyntaxError {
            pos: Pos::new(1, 1),
            message: format!("expressions nest more than {MAX_DEPTH} levels deep"),
        });
    }
    Ok(out)
}

/// Repeated object keys renamed in one file at most (each costs a parse).
const MAX_REPEATED_KEYS: usize = 64;

/// Line breaks before an operator made spaces in one file at most (each
/// costs a parse).
const MAX_JOINED_LINES: usize = 64;

/// The line break (`\n` or `\r\n`) at or before `at` (where the parser
/// stopped) when the next line starts with an operator that continues the
/// line above (`?`, `:`, `&&`, `||`), and that line holds no comment
/// (joined, it would swallow the operator).
fn continued_at(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let rest = text.get(at..)?;
    let blank = |s: &str| s.chars().all(|c| c == ' ' || c == '\t' || c == '\r');
    // Stopped at the end of the line above, or at the operator itself.
    let newline = match rest.find('\n') {
        Some(i) if blank(&rest[..i]) => at + i,
        _ => {
            let nl = text[..at].rfind('\n')?;
            blank(&text[nl + 1..at]).then_some(nl)?
        }
    };
    let next = text[newline + 1..].trim_start_matches([' ', '\t']);
    if !["?", ":", "&&", "||"].iter().any(|op| next.starts_with(op)) {
        return None;
    }
    let above = &text[text[..newline].rfind('\n').map_or(0, |i| i + 1)..newline];
    if above.contains('#') || above.contains("//") || above.trim().is_empty() {
        return None;
    }
    let from = if above.ends_with('\r') {
        newline - 1
    } else {
        newline
    };
    Some(from..newline + 1)
}

/// The object key at `at`: an identifier, or the text of a quoted key
/// without escapes or interpolation; with the byte range to rename.
fn object_key_at(text: &str, at: usize) -> Option<(std::ops::Range<usize>, String)> {
    let rest = text.get(at..)?;
    let (start, len) = if let Some(quoted) = rest.strip_prefix('"') {
        let len = quoted.find('"')?;
        let inner = &quoted[..len];
        if inner.contains(['\\', '\n']) || inner.contains("${") || inner.contains("%{") {
            return None;
        }
        (at + 1, len)
    } else {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        (at, len)
    };
    (len > 0).then(|| (start..start + len, text[start..start + len].to_string()))
}

/// An identifier `_<n>` padded with `_` to `len` bytes (longer if `len`
/// is too short) that the text does not hold.
fn fresh_key(len: usize, text: &str, mut n: usize) -> String {
    loop {
        let mut key = format!("_{n:x}");
        while key.len() < len {
            key.push('_');
        }
        if !text.contains(&key) {
            return key;
        }
        n += 1;
    }
}

/// Parse the text of a JSON-syntax string as a template; every span is `span`.
pub fn parse_template_text(text: &str, span: Span) -> Result<Expr, String> {
    if too_nested(text).is_some() {
        return Err(nesting_message());
    }
    let template = hcl_edit::parser::parse_template(text).map_err(|e| first_line(e.message()))?;
    let conv = Conv {
        file: None,
        fixed: span,
        depth: Cell::new(0),
        too_deep: Cell::new(false),
        renamed: &[],
    };
    Ok(conv.template_expr(&template, span))
}

/// Parse a standalone expression (the function table, `--var` values); spans
/// are positions in `text` as if it were line 1 of a file.
pub fn parse_expression(text: &str) -> Result<Expr, String> {
    // hcl-edit's expression parser backtracks exponentially on some hostile
    // inputs (found by fuzzing: runs of `%` followed by `{`); real type
    // constraints and `--var` values are far below these bounds.
    if text.len() > 64 * 1024 || text.matches('%').count() > 8 || text.matches('{').count() > 64 {
        return Err("expression too large or too complex to evaluate".into());
    }
    if too_nested(text).is_some() {
        return Err(nesting_message());
    }
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| first_line(e.message()))?;
    let file = SourceFile::new(None, String::new(), text.to_string());
    let conv = Conv {
        file: Some(&file),
        fixed: Span::point(Pos::new(1, 1)),
        depth: Cell::new(0),
        too_deep: Cell::new(false),
        renamed: &[],
    };
    Ok(conv.expr(&expr, conv.fixed))
}

fn first_line(message: &str) -> String {
    let m = message.lines().next().unwrap_or("invalid syntax").trim();
    if m.is_empty() {
        "invalid syntax".into()
    } else {
        m.to_string()
    }
}

struct Conv<'a> {
    /// `None`: every span is `fixed` (strings of JSON syntax).
    file: Option<&'a SourceFile>,
    fixed: Span,
    /// Current expression depth, and whether it ever went past [`MAX_DEPTH`].
    depth: Cell<usize>,
    too_deep: Cell<bool>,
    /// Repeated object keys renamed to parse: (placeholder, key).
    renamed: &'a [(String, String)],
}

/// Deepest expression tree converted. hcl-edit allows 64 nested levels of
/// 128 chained operators each; real configurations stay far below this.
const MAX_DEPTH: usize = 1_000;

impl Conv<'_> {
    /// An object key as written: a placeholder given to a repeated key
    /// ([`parse_file`]) is named back.
    fn key_name(&self, key: &str) -> String {
        self.renamed
            .iter()
            .find(|(placeholder, _)| placeholder == key)
            .map_or_else(|| key.to_string(), |(_, original)| original.clone())
    }

    fn span(&self, range: Option<Range<usize>>, fallback: Span) -> Span {
        match (self.file, range) {
            (Some(f), Some(r)) => Span::new(f.pos_of_offset(r.start), f.pos_of_offset(r.end)),
            (Some(_), None) => fallback,
            (None, _) => self.fixed,
        }
    }

    fn body(&self, body: &structure::Body, fallback: Span) -> Body {
        let mut out = Body::default();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let span = self.span(a.span(), fallback);
                    out.attrs.push(Attr {
                        name: a.key.as_str().into(),
                        name_span: self.span(a.key.span(), span),
                        expr: self.expr(&a.value, span),
                    });
                }
                Structure::Block(b) => out.blocks.push(self.block(b, fallback)),
            }
        }
        // Bodies live for the whole scan: no spare slots (a pushed vector of
        // 5 attributes holds 8).
        out.attrs.shrink_to_fit();
        out.blocks.shrink_to_fit();
        out
    }

    fn block(&self, b: &structure::Block, fallback: Span) -> Block {
        let span = self.span(b.span(), fallback);
        let kind_span = self.span(b.ident.span(), span);
        let header_end = b
            .labels
            .last()
            .and_then(BlockLabel::span)
            .map(|r| self.span(Some(r), kind_span))
            .unwrap_or(kind_span);
        Block {
            kind: b.ident.as_str().into(),
            labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
            kind_span,
            header: kind_span.to(header_end),
            span,
            body: self.body(&b.body, span),
        }
    }

    fn expr(&self, e: &Expression, fallback: Span) -> Expr {
        let depth = self.depth.get();
        if depth >= MAX_DEPTH {
            self.too_deep.set(true);
            return Expr::new(ExprKind::Null, fallback);
        }
        self.depth.set(depth + 1);
        let out = self.expr_inner(e, fallback);
        self.depth.set(depth);
        out
    }

    fn expr_inner(&self, e: &Expression, fallback: Span) -> Expr {
        let span = self.span(e.span(), fallback);
        let kind = match e {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => ExprKind::Num(n.value().as_f64().unwrap_or(f64::NAN)),
            Expression::String(s) => ExprKind::Str(s.value().clone()),
            Expression::Array(a) => ExprKind::Tuple(a.iter().map(|x| self.expr(x, span)).collect()),
            Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key_span = self.span(k.span(), span);
                        let key = match k {
                            ObjectKey::Ident(id) => ObjKey::Name(self.key_name(id.as_str())),
                            ObjectKey::Expression(Expression::String(s)) => {
                                ObjKey::Name(self.key_name(s.value()))
                            }
                            ObjectKey::Expression(x) => ObjKey::Expr(self.expr(x, key_span)),
                        };
                        ObjItem {
                            key,
                            key_span,
                            value: self.expr(v.expr(), span),
                        }
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => return self.template_expr(t, span),
            Expression::HeredocTemplate(h) => return self.template_expr(&h.template, span),
            Expression::Parenthesis(p) => return self.expr(p.inner(), span),
            Expression::Variable(v) => ExprKind::Var(v.as_str().to_string()),
            Expression::Conditional(c) => ExprKind::Cond(
                Box::new(self.expr(&c.cond_expr, span)),
                Box::new(self.expr(&c.true_expr, span)),
                Box::new(self.expr(&c.false_expr, span)),
            ),
            Expression::FuncCall(f) => {
                let mut name = String::new();
                for ns in &f.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.as_str());
                ExprKind::Call(Box::new(Call {
                    name,
                    args: f.args.iter().map(|a| self.expr(a, span)).collect(),
                    expand: f.args.expand_final(),
                }))
            }
            Expression::Traversal(t) => {
                let root = self.expr(&t.expr, span);
                let ops = t
                    .operators
                    .iter()
                    .map(|op| match op.value() {
                        TraversalOperator::AttrSplat(_) => Op::Splat { full: false },
                        TraversalOperator::FullSplat(_) => Op::Splat { full: true },
                        TraversalOperator::GetAttr(id) => Op::Attr(id.as_str().to_string()),
                        TraversalOperator::Index(x) => Op::Index(self.expr(x, span)),
                        TraversalOperator::LegacyIndex(i) => {
                            let at = self.span(op.span(), span);
                            Op::Index(Expr::new(ExprKind::Num(*i.value() as f64), at))
                        }
                    })
                    .collect();
                ExprKind::Traversal(Box::new(root), ops)
            }
            Expression::UnaryOp(u) => {
                let op = match u.operator.value() {
                    UnaryOperator::Neg => UnOp::Neg,
                    UnaryOperator::Not => UnOp::Not,
                };
                ExprKind::Unary(op, Box::new(self.expr(&u.expr, span)))
            }
            Expression::BinaryOp(b) => {
                let op = match b.operator.value() {
                    BinaryOperator::Eq => BinOp::Eq,
                    BinaryOperator::NotEq => BinOp::Ne,
                    BinaryOperator::LessEq => BinOp::Le,
                    BinaryOperator::GreaterEq => BinOp::Ge,
                    BinaryOperator::Less => BinOp::Lt,
                    BinaryOperator::Greater => BinOp::Gt,
                    BinaryOperator::Plus => BinOp::Add,
                    BinaryOperator::Minus => BinOp::Sub,
                    BinaryOperator::Mul => BinOp::Mul,
                    BinaryOperator::Div => BinOp::Div,
                    BinaryOperator::Mod => BinOp::Mod,
                    BinaryOperator::And => BinOp::And,
                    BinaryOperator::Or => BinOp::Or,
                };
                ExprKind::Binary(
                    op,
                    Box::new(self.expr(&b.lhs_expr, span)),
                    Box::new(self.expr(&b.rhs_expr, span)),
                )
            }
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                coll: self.expr(&f.intro.collection_expr, span),
                key: f.key_expr.as_ref().map(|k| self.expr(k, span)),
                value: self.expr(&f.value_expr, span),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr, span)),
                group: f.grouping,
            })),
        };
        Expr::new(kind, span)
    }

    fn template_expr(&self, t: &Template, span: Span) -> Expr {
        let mut strip_next = false;
        let parts = self.parts(t, span, &mut strip_next);
        Expr::new(ExprKind::Template(parts), span)
    }

    /// Template elements to parts. `strip_next`: the previous element asked to
    /// strip whitespace from the literal that follows it (`~}`).
    fn parts(&self, t: &Template, span: Span, strip_next: &mut bool) -> Vec<Part> {
        let mut out: Vec<Part> = Vec::new();
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    let mut text: &str = s.value();
                    if std::mem::take(strip_next) {
                        text = text.trim_start();
                    }
                    out.push(Part::Lit(text.to_string()));
                }
                Element::Interpolation(i) => {
                    strip_before(&mut out, i.strip);
                    out.push(Part::Interp(self.expr(&i.expr, span)));
                    *strip_next = i.strip.strip_end();
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        strip_before(&mut out, d.if_expr.strip);
                        let mut inner = d.if_expr.strip.strip_end();
                        let mut then = self.parts(&d.if_expr.template, span, &mut inner);
                        let mut els = Vec::new();
                        if let Some(e) = &d.else_expr {
                            strip_before(&mut then, e.strip);
                            let mut inner = e.strip.strip_end();
                            els = self.parts(&e.template, span, &mut inner);
                            strip_before(&mut els, d.endif_expr.strip);
                        } else {
                            strip_before(&mut then, d.endif_expr.strip);
                        }
                        out.push(Part::If {
                            cond: self.expr(&d.if_expr.cond_expr, span),
                            then,
                            els,
                        });
                        *strip_next = d.endif_expr.strip.strip_end();
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        strip_before(&mut out, f.strip);
                        let mut inner = f.strip.strip_end();
                        let mut body = self.parts(&f.template, span, &mut inner);
                        strip_before(&mut body, d.endfor_expr.strip);
                        out.push(Part::For {
                            key: f.key_var.as_ref().map(|k| k.as_str().to_string()),
                            value: f.value_var.as_str().to_string(),
                            coll: self.expr(&f.collection_expr, span),
                            body,
                        });
                        *strip_next = d.endfor_expr.strip.strip_end();
                    }
                },
            }
        }
        out
    }
}

/// `{~`: strip trailing whitespace from the literal just before.
fn strip_before(parts: &mut [Part], strip: Strip) {
    if !strip.strip_start() {
        return;
    }
    if let Some(Part::Lit(s)) = parts.last_mut() {
        let kept = s.trim_end().len();
        s.truncate(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_keys(text: &str) -> Result<Vec<String>, SyntaxError> {
        let file = SourceFile::new(None, "t.tf".into(), text.to_string());
        let body = parse_file(&file)?;
        let Some(ExprKind::Object(items)) = body.attr("x").map(|a| &a.expr.kind) else {
            panic!("x is not an object");
        };
        Ok(items
            .iter()
            .map(|i| match &i.key {
                ObjKey::Name(n) => format!("{n}@{}", i.key_span.start.line),
                ObjKey::Expr(_) => "<expr>".into(),
            })
            .collect())
    }

    /// Repeated object keys parse, named as written and where written.
    #[test]
    fn repeated_object_keys() {
        let keys = object_keys("x = {\n  a = 1\n  \"b\" = 2\n  a = 3\n  \"b\" = 4\n  a = 5\n}\n");
        assert_eq!(
            keys.expect("parses"),
            ["a@2", "b@3", "a@4", "b@5", "a@6"].map(String::from)
        );
        // A repeated attribute of a body is still an error, as in Terraform.
        assert!(parse_file(&SourceFile::new(
            None,
            "t.tf".into(),
            "a = 1\na = 2\n".into()
        ))
        .is_err());
    }

    /// An object `for` whose value goes on over lines that start with an
    /// operator parses (Terraform reads it), with its positions as written.
    #[test]
    fn object_for_values_over_several_lines() {
        let text = "locals {\n  users = {\n    for k, v in var.u : k =>\n    v == \"A\"\n    ? { name = k }\n    : { name = \"x-${k}\" }\n  }\n}\n\nresource \"t\" \"r\" {\n  a = 1\n}\n";
        let file = SourceFile::new(None, "t.tf".into(), text.to_string());
        let body = parse_file(&file).expect("parses");
        let resource = body
            .blocks
            .iter()
            .find(|b| &*b.kind == "resource")
            .expect("resource");
        assert_eq!(resource.header.start.line, 10);
        // A comment above would swallow the operator: still an error.
        let commented = "x = {\n  for k in [] : k =>\n  k == \"a\" # note\n  ? 1\n  : 2\n}\n";
        assert!(parse_file(&SourceFile::new(None, "t.tf".into(), commented.into())).is_err());
    }

    #[test]
    fn nesting_ignores_comments_strings_and_heredocs() {
        let n = MAX_BRACKET_DEPTH + 1;
        let index = format!("a{}", "[a".repeat(n));
        let object = "{a = ".repeat(n);
        let calls = "optional(list(".repeat(n);
        for ok in [
            format!("# {index}\nx = 1\n"),
            format!("// {object}\n/* {index} */ x = 1\n"),
            format!("x = \"{index}\"\ny = \"a\\\"{object}\"\n"),
            format!("x = <<-EOT\n  {index}\n  EOT\ny = [1]\n"),
            format!("x = {calls}"),
            format!("x = {}", "[".repeat(n)),
            "a {\n b {\n c {\n d {\n e {\n f {\n g {\n h {\n i {\n j {\n k {\n l {\n m {\n n {\n"
                .to_string(),
        ] {
            assert_eq!(too_nested(&ok), None, "{ok}");
        }
        for bad in [
            format!("x = {index}"),
            format!("x = {object}"),
            format!("x = \"${{{index}}}\"\n"),
            format!("x = <<EOT\n${{{object}}}\nEOT\n"),
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/fuzz/hcl-index-backtracking.txt"
            ))
            .expect("fixture"),
        ] {
            assert!(too_nested(&bad).is_some(), "{bad}");
        }
    }

    fn file(text: &str) -> SourceFile {
        SourceFile::new(None, "main.tf".into(), text.into())
    }

    #[test]
    fn blocks_keep_header_and_spans() {
        let f = file("resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  versioning {\n    enabled = true\n  }\n}\n");
        let body = parse_file(&f).expect("parses");
        let b = &body.blocks[0];
        assert_eq!(b.labels, ["aws_s3_bucket", "b"]);
        assert_eq!(b.header.start, Pos::new(1, 1));
        assert_eq!(b.header.end, Pos::new(1, 29));
        let a = &b.body.attrs[0];
        assert_eq!(a.name_span.start, Pos::new(2, 3));
        assert_eq!(a.expr.span.start, Pos::new(2, 12));
        assert_eq!(b.body.blocks[0].span.start.line, 3);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let f = file("a = 1\nb = {\n");
        let e = parse_file(&f).expect_err("invalid");
        assert!(e.pos.line >= 2, "{e:?}");
    }

    #[test]
    fn strip_markers_are_applied() {
        let e = parse_expression("\"a ${~ \"b\" ~} c\"").expect("parses");
        let ExprKind::Template(parts) = e.kind else {
            panic!("template")
        };
        assert_eq!(parts[0], Part::Lit("a".into()));
        assert_eq!(parts[2], Part::Lit("c".into()));
    }
}
