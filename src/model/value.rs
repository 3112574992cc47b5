//! The located value tree shared by every ingester.
//!
//! Every node keeps its span; mapping entries also keep the span of their key,
//! so a finding can point at `key: value` rather than at the value alone.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// Known only after apply (Terraform); rules treat it as "cannot tell".
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Shared: a large plan repeats the same few hundred attribute names
    /// millions of times (see the plan reader's interner).
    pub key: Arc<str>,
    pub key_span: Span,
    pub value: Node,
}

/// Shares the text of repeated mapping keys: manifests and plans repeat the
/// same few hundred names (`metadata`, `name`, `tags`, ...) millions of times.
/// Hashed with foldhash (seeded per process): SipHash was 1% of a scan.
#[derive(Default)]
pub struct KeyInterner {
    keys: HashSet<Arc<str>, foldhash::fast::RandomState>,
}

impl KeyInterner {
    /// Distinct keys kept: past this (hostile or generated input), keys are
    /// simply not shared, so the interner cannot grow without bound.
    const MAX: usize = 1 << 16;

    pub fn intern(&mut self, key: &str) -> Arc<str> {
        if let Some(k) = self.keys.get(key) {
            return Arc::clone(k);
        }
        let k: Arc<str> = key.into();
        if self.keys.len() < Self::MAX {
            self.keys.insert(Arc::clone(&k));
        }
        k
    }
}

/// One step of an attribute path. Keys are shared (`Arc<str>`): paths are
/// built from the model's and the Terraform IR's shared names and cloned
/// often (every finding, every attribute evaluated), without copying text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(Arc<str>),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.into())
    }
}

impl From<&Arc<str>> for Seg {
    fn from(s: &Arc<str>) -> Self {
        Seg::Key(Arc::clone(s))
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Path of an attribute inside a resource, e.g. `spec.containers[0].image`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttrPath(pub Vec<Seg>);

impl AttrPath {
    pub fn root() -> Self {
        AttrPath(Vec::new())
    }

    /// A new path with `segs` appended.
    pub fn join<I, S>(&self, segs: I) -> AttrPath
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        let mut v = self.0.clone();
        v.extend(segs.into_iter().map(Into::into));
        AttrPath(v)
    }

    pub fn push(&mut self, seg: impl Into<Seg>) {
        self.0.push(seg.into());
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            // Last wins, as with duplicate keys in Kubernetes' decoder.
            Value::Map(entries) => entries.iter().rev().find(|e| &*e.key == key),
            _ => None,
        }
    }

    pub fn index(&self, i: usize) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => items.get(i),
            _ => None,
        }
    }

    pub fn step(&self, seg: &Seg) -> Option<&Node> {
        match seg {
            Seg::Key(k) => self.get(k),
            Seg::Index(i) => self.index(*i),
        }
    }

    /// The node at `path`, if every step exists.
    pub fn at(&self, path: &[Seg]) -> Option<&Node> {
        path.iter().try_fold(self, |n, seg| n.step(seg))
    }

    /// Follow string keys from here.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.fract() == 0.0 => Some(f as i64),
            _ => None,
        }
    }

    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown)
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn items_mut(&mut self) -> &mut [Node] {
        match &mut self.value {
            Value::Seq(items) => items,
            _ => &mut [],
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_empty_collection(&self) -> bool {
        match &self.value {
            Value::Seq(v) => v.is_empty(),
            Value::Map(v) => v.is_empty(),
            Value::Null => true,
            _ => false,
        }
    }

    /// A scalar rendered as text (strings as-is, numbers and booleans formatted).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    /// Where a finding about this node as a whole should point: scalars span
    /// themselves; collections point at their first entry (their first line).
    pub fn anchor(&self) -> Span {
        match &self.value {
            Value::Map(entries) => entries.first().map_or(self.span, Entry::anchor),
            Value::Seq(items) => items.first().map_or(self.span, Node::anchor),
            _ => self.span,
        }
    }

    /// The anchor span of the deepest node that exists on `path`, and the
    /// length of the prefix of `path` that exists.
    pub fn locate(&self, path: &[Seg]) -> (Span, usize) {
        let mut node = self;
        let mut anchor = self.anchor();
        for (depth, seg) in path.iter().enumerate() {
            let next = match seg {
                Seg::Key(k) => node.entry(k).map(|e| (e.anchor(), &e.value)),
                Seg::Index(i) => node.index(*i).map(|n| (n.anchor(), n)),
            };
            match next {
                Some((a, n)) => {
                    anchor = a;
                    node = n;
                }
                None => return (anchor, depth),
            }
        }
        (anchor, path.len())
    }
}

impl Entry {
    /// `key: value` for scalars; just the key for collections (one line).
    pub fn anchor(&self) -> Span {
        match &self.value.value {
            Value::Map(_) | Value::Seq(_) => self.key_span,
            _ => self.key_span.to(self.value.span),
        }
    }
}
