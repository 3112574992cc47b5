//! Helpers shared by the Azure ([`super::azure`]) and Google Cloud
//! ([`super::gcp`]) rule families, on top of the Terraform helpers of
//! [`super::aws`] (`attr`, `truth`, `number`, `blocks`, [`Tri`]).
//!
//! Those providers nest most settings in blocks (`settings { ip_configuration
//! { … } }`), so findings are located by attribute paths that may stop at the
//! deepest block that exists; [`report`] merges problems that land on the same
//! line into one finding.

use crate::model::{AttrPath, Environment, Node, Resource, Seg, Value};
use crate::rules::aws::{truth, Tri};
use crate::rules::{Ctx, Hit, Level};

/// Where to report the attribute `name` of the block at `base` (a path
/// ending in a block index, `settings[0]`): the attribute when it is written,
/// else the block's own line. (A path through an index to a missing key would
/// stop at the block's first attribute instead.)
pub fn point(base: &AttrPath, block: &Node, name: &str) -> AttrPath {
    if block.get(name).is_some() {
        return base.join([name]);
    }
    block_line(base)
}

/// The path of the block at `base` (`settings[0]`) as its key (`settings`),
/// whose span is the block's header line.
pub fn block_line(base: &AttrPath) -> AttrPath {
    let mut p = base.clone();
    while matches!(p.0.last(), Some(Seg::Index(_))) {
        p.0.pop();
    }
    p
}

/// A value read from an attribute: absent (or null), unknown, or known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Read<'a> {
    Unset,
    Unknown,
    Str(&'a str),
    /// Known but not a string (a number, a list…).
    Other(&'a Node),
}

/// Read the attribute `name` of a block or resource body.
pub fn read<'a>(n: &'a Node, name: &str) -> Read<'a> {
    match n.get(name) {
        None => Read::Unset,
        Some(v) => match &v.value {
            Value::Null => Read::Unset,
            Value::Unknown => Read::Unknown,
            Value::Str(s) => Read::Str(s),
            _ => Read::Other(v),
        },
    }
}

/// Whether the boolean attribute `name` of `n` is true (absent: `No`).
pub fn flag(n: &Node, name: &str) -> Tri {
    truth(n.get(name))
}

/// The first known-true / unknown reading among attributes that are spelled
/// differently across provider versions (`https_traffic_only_enabled` in
/// azurerm v4, `enable_https_traffic_only` in v3). Returns the name that is
/// set (the first one when none is) and its reading.
pub fn flag_any<'a>(n: &Node, names: &[&'a str]) -> (&'a str, Tri, bool) {
    for name in names {
        if n.get(name).is_some_and(|v| !matches!(v.value, Value::Null)) {
            return (name, flag(n, name), true);
        }
    }
    (names.first().copied().unwrap_or_default(), Tri::No, false)
}

/// The nested blocks `name` of `n` with their indexes. A block attribute whose
/// value is unknown (a whole block list from an unknown expression) is `None`.
pub fn blocks_of<'a>(n: &'a Node, name: &str) -> Option<Vec<(usize, &'a Node)>> {
    match n.get(name).map(|b| &b.value) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Seq(items)) => Some(items.iter().enumerate().collect()),
        // A single block written as an object (JSON syntax).
        Some(Value::Map(_)) => n.get(name).map(|b| vec![(0, b)]),
        Some(_) => None,
    }
}

/// A number setting of the current rule.
pub fn setting_f64(ctx: &Ctx, name: &str, fallback: f64) -> f64 {
    ctx.settings
        .get(ctx.rule, name)
        .as_f64()
        .unwrap_or(fallback)
}

/// One failed requirement: where it is (or would be) written, and what is
/// wrong, after the resource address ("does not set …").
pub struct Problem {
    pub path: AttrPath,
    pub message: String,
    /// A level other than the rule's (production requirements in staging).
    pub level: Option<Level>,
}

impl Problem {
    pub fn new(path: AttrPath, message: impl Into<String>) -> Problem {
        Problem {
            path,
            message: message.into(),
            level: None,
        }
    }

    /// A production requirement: lowered one level in staging. The caller
    /// decides that it applies (not in development).
    pub fn production(
        r: &Resource,
        ctx: &Ctx,
        path: AttrPath,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            path,
            message: message.into(),
            level: (r.environment == Environment::Staging).then(|| ctx.rule.level.lowered()),
        }
    }
}

/// One finding per line: problems whose paths land on the same line (unset
/// attributes all pointing at their block or the resource header) are merged
/// into one message, so a line never holds several findings of one rule.
pub fn report(r: &Resource, problems: Vec<Problem>, out: &mut Vec<Hit>) {
    struct Group {
        line: u32,
        path: AttrPath,
        messages: Vec<String>,
        level: Option<Level>,
    }
    let mut groups: Vec<Group> = Vec::new();
    for p in problems {
        let line = r.locate(&p.path).start.line;
        match groups.iter_mut().find(|g| g.line == line) {
            Some(g) => {
                g.messages.push(p.message);
                // The more severe level wins; `None` is the rule's own level.
                g.level = match (g.level, p.level) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            None => groups.push(Group {
                line,
                path: p.path,
                messages: vec![p.message],
                level: p.level,
            }),
        }
    }
    for g in groups {
        let mut hit = Hit::new(
            g.path,
            format!("{} {}", r.address, g.messages.join(", and ")),
        );
        hit.level = g.level;
        out.push(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn node(value: Value) -> Node {
        Node::new(value, Span::default())
    }

    #[test]
    fn flag_any_prefers_the_attribute_that_is_set() {
        let body = node(Value::Map(vec![crate::model::Entry {
            key: "enable_https_traffic_only".into(),
            key_span: Span::default(),
            value: node(Value::Bool(false)),
        }]));
        let (name, tri, set) = flag_any(
            &body,
            &["https_traffic_only_enabled", "enable_https_traffic_only"],
        );
        assert_eq!(
            (name, tri, set),
            ("enable_https_traffic_only", Tri::No, true)
        );
        let empty = node(Value::Map(vec![]));
        let (name, _, set) = flag_any(&empty, &["a", "b"]);
        assert_eq!((name, set), ("a", false));
    }

    #[test]
    fn blocks_of_reads_lists_and_unknowns() {
        let body = node(Value::Map(vec![crate::model::Entry {
            key: "b".into(),
            key_span: Span::default(),
            value: node(Value::Unknown),
        }]));
        assert!(blocks_of(&body, "b").is_none());
        assert_eq!(blocks_of(&body, "missing").map(|v| v.len()), Some(0));
    }
}
