//! The parsed form the evaluator works on, shared by native (`.tf`) and JSON
//! (`.tf.json`) syntax. Spans are already line/column positions in the file
//! the construct came from; the file is known from the enclosing block.

use crate::source::Span;

/// Attribute and block names: shared with the model's map keys, so every
/// instance of a resource (count, for_each) reuses them without copying.
pub type Key = std::sync::Arc<str>;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// A template; one that is a single interpolation yields the value itself.
    Template(Vec<Part>),
    Tuple(Vec<Expr>),
    Object(Vec<ObjItem>),
    /// A root name (`var`, `local`, `aws_s3_bucket`, a for variable, …).
    Var(String),
    Traversal(Box<Expr>, Vec<Op>),
    /// Boxed: the largest variant, and the rarest of the common ones; inline
    /// it made every expression 16 bytes larger.
    Call(Box<Call>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
    /// The last argument ends in `...`: expand it into arguments.
    pub expand: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// One traversal step.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Attr(String),
    Index(Expr),
    /// `.*` (attribute-only) or `[*]` (full).
    Splat {
        full: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjItem {
    pub key: ObjKey,
    pub key_span: Span,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjKey {
    /// A bare identifier or literal string key.
    Name(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    Interp(Expr),
    If {
        cond: Expr,
        then: Vec<Part>,
        els: Vec<Part>,
    },
    For {
        key: Option<String>,
        value: String,
        coll: Expr,
        body: Vec<Part>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub coll: Expr,
    /// `Some` for an object `for` (`{for … : k => v}`).
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
    /// `...` after the value: group values with the same key into lists.
    pub group: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub name: Key,
    pub name_span: Span,
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: Key,
    pub labels: Vec<String>,
    /// The block type keyword.
    pub kind_span: Span,
    /// `resource "type" "name"`: the keyword and its labels.
    pub header: Span,
    /// The whole block.
    pub span: Span,
    pub body: Body,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().rev().find(|a| &*a.name == name)
    }

    /// Remove and return the attribute [`Body::attr`] would return.
    pub fn take_attr(&mut self, name: &str) -> Option<Attr> {
        let i = self.attrs.iter().rposition(|a| &*a.name == name)?;
        Some(self.attrs.remove(i))
    }

    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| &*b.kind == kind)
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The string of a literal string or literal-only template.
    pub fn as_literal_str(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Str(s) => Some(s.clone()),
            ExprKind::Template(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        Part::Lit(s) => out.push_str(s),
                        _ => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// A bare traversal of names (`aws.west`, `tags`) as dotted text.
    pub fn as_dotted_name(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Var(n) => Some(n.clone()),
            ExprKind::Traversal(root, ops) => {
                let mut s = root.as_dotted_name()?;
                for op in ops {
                    match op {
                        Op::Attr(a) => {
                            s.push('.');
                            s.push_str(a);
                        }
                        _ => return None,
                    }
                }
                Some(s)
            }
            _ => None,
        }
    }
}
