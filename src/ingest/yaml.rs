//! YAML streams to located value trees, read the way Kubernetes reads them.
//!
//! Built on `saphyr-parser`'s event stream with an explicit stack (no
//! recursion, so a 10 KB `- - - …` file cannot overflow the stack) rather than
//! on `saphyr::MarkedYaml`: we need YAML 1.1 scalar resolution from the raw
//! scalar text and style, merge keys, last-wins duplicate keys, and our own
//! node type with key spans, and building it straight from events avoids a
//! second tree.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use crate::model::value::{Entry, KeyInterner, Node, Value};
use crate::source::{Pos, Span};

/// Nesting deeper than this is refused: no real manifest comes close.
pub const MAX_DEPTH: usize = 256;
/// Total nodes that alias expansion may produce in one file (billion laughs).
pub const ALIAS_BUDGET: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// One document of a stream, with the line range it covers.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    pub start_line: u32,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        key: Option<(Box<str>, Span)>,
        start: Pos,
        anchor: usize,
    },
}

fn pos(m: &Marker) -> Pos {
    Pos::new(m.line() as u32, m.col() as u32 + 1)
}

fn err(m: &Marker, message: impl Into<String>) -> YamlError {
    YamlError {
        pos: pos(m),
        message: message.into(),
    }
}

/// How many flow-content lines one file may have re-indented (see
/// [`parse_stream`]): each costs a re-parse, so a hostile file cannot make
/// parsing quadratic.
const MAX_FLOW_REINDENTS: usize = 64;

/// A parse failure, and whether it happened inside a flow collection.
struct Failure {
    error: YamlError,
    in_flow: bool,
}

/// Parse every document of a YAML stream.
///
/// Flow content (`[…]`, `{…}`) continued on lines indented no deeper than
/// the enclosing block (a closing `]` under its key) is refused by strict
/// YAML 1.2 and by our parser, but read by go-yaml (so by Kubernetes),
/// libyaml and PyYAML; indentation does not matter inside flow collections
/// to them. Such a line is re-indented by one space and the stream parsed
/// again: values and line numbers are unchanged (columns after the insertion
/// on that line move by one). Block indentation errors are never touched.
pub fn parse_stream(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut patched: Option<String> = None;
    let mut reindents = 0;
    loop {
        let current = patched.as_deref().unwrap_or(text);
        let failure = match parse_once(current) {
            Ok(docs) => return Ok(docs),
            Err(f) => f,
        };
        let flow_indentation = failure.in_flow
            && failure.error.message.starts_with("invalid indentation")
            && reindents < MAX_FLOW_REINDENTS;
        match flow_indentation
            .then(|| reindent(current, failure.error.pos))
            .flatten()
        {
            Some(next) => {
                patched = Some(next);
                reindents += 1;
            }
            None => return Err(failure.error),
        }
    }
}

/// `text` with one space inserted at `at`, if only spaces precede it on its
/// line (it is the line's first token).
fn reindent(text: &str, at: Pos) -> Option<String> {
    let line_start = if at.line <= 1 {
        0
    } else {
        let (i, _) = text.match_indices('\n').nth(at.line as usize - 2)?;
        i + 1
    };
    let rest = &text[line_start..];
    let indent = rest.chars().take_while(|&c| c == ' ').count();
    // Columns are 1-based characters; the indentation is ASCII spaces.
    if at.col as usize != indent + 1 {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 1);
    out.push_str(&text[..line_start + indent]);
    out.push(' ');
    out.push_str(&text[line_start + indent..]);
    Some(out)
}

/// Whether the innermost open collection is a flow one (starts at `[`/`{`).
fn in_flow(text: &str, stack: &[Frame]) -> bool {
    let start = match stack.last() {
        Some(Frame::Seq { start, .. } | Frame::Map { start, .. }) => *start,
        None => return false,
    };
    text.lines()
        .nth((start.line as usize).wrapping_sub(1))
        .and_then(|l| l.chars().nth((start.col as usize).wrapping_sub(1)))
        .is_some_and(|c| c == '[' || c == '{')
}

fn parse_once(text: &str) -> Result<Vec<Document>, Failure> {
    let fail = |error: YamlError| Failure {
        error,
        in_flow: false,
    };
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut alias_budget = ALIAS_BUDGET;
    let mut doc_start = 1u32;
    let mut doc_root: Option<Node> = None;

    for event in &mut parser {
        let (event, span) = match event {
            Ok(e) => e,
            Err(e) => {
                return Err(Failure {
                    error: err(e.marker(), e.info().to_string()),
                    in_flow: in_flow(text, &stack),
                })
            }
        };
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                doc_start = span.start.line() as u32;
                doc_root = None;
                anchors.clear();
                continue;
            }
            Event::DocumentEnd => {
                if let Some(root) = doc_root.take().filter(|r| r.value != Value::Null) {
                    docs.push(Document {
                        root,
                        start_line: doc_start,
                    });
                }
                continue;
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(err(
                        &span.start,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    )));
                }
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: pos(&span.start),
                    anchor,
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(fail(err(
                        &span.start,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    )));
                }
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    start: pos(&span.start),
                    anchor,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                }) => {
                    let end = items.last().map_or(pos(&span.end), |n| n.span.end);
                    let node = Node::new(Value::Seq(items), Span::new(start, end));
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => return Err(fail(err(&span.start, "unbalanced sequence end"))),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    ..
                }) => {
                    let entries = finish_mapping(entries);
                    let end = entries.last().map_or(pos(&span.end), |e| e.value.span.end);
                    let node = Node::new(Value::Map(entries), Span::new(start, end));
                    remember(&mut anchors, anchor, &node);
                    node
                }
                _ => return Err(fail(err(&span.start, "unbalanced mapping end"))),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let span = Span::new(pos(&span.start), pos(&span.end));
                let node = Node::new(resolve_scalar(&text, style, tag.as_deref()), span);
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(fail(err(&span.start, "alias to an unknown anchor")));
                };
                if *size > alias_budget {
                    return Err(fail(err(
                        &span.start,
                        format!(
                            "alias expansion exceeds {ALIAS_BUDGET} nodes (possible billion-laughs attack)"
                        ),
                    )));
                }
                alias_budget -= size;
                // The copy, every node of it, is located at the alias, so
                // findings point where it is used, not into the anchor.
                let mut node = node.clone();
                relocate(&mut node, Span::new(pos(&span.start), pos(&span.end)));
                node
            }
        };
        attach(&mut stack, &mut doc_root, node);
    }
    if let Some(root) = doc_root.take().filter(|r| r.value != Value::Null) {
        docs.push(Document {
            root,
            start_line: doc_start,
        });
    }
    Ok(docs)
}

fn remember(anchors: &mut HashMap<usize, (Node, usize)>, anchor: usize, node: &Node) {
    if anchor != 0 {
        anchors.insert(anchor, (node.clone(), count_nodes(node)));
    }
}

/// Give `node` and all its descendants (and their keys) the span `at`.
/// Iterative: an alias may copy a deep tree.
fn relocate(node: &mut Node, at: Span) {
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        n.span = at;
        match &mut n.value {
            Value::Seq(items) => todo.extend(items.iter_mut()),
            Value::Map(entries) => todo.extend(entries.iter_mut().map(|e| {
                e.key_span = at;
                &mut e.value
            })),
            _ => {}
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => todo.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

fn attach(stack: &mut [Frame], doc_root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        None => *doc_root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map { entries, key, .. }) => match key.take() {
            None => *key = Some((key_text(&node), node.span)),
            Some((k, key_span)) => entries.push(Entry {
                key: KEYS.with(|keys| keys.borrow_mut().intern(&k)),
                key_span,
                value: node,
            }),
        },
    }
}

thread_local! {
    /// Per worker thread: files parsed on one thread share their key texts.
    static KEYS: std::cell::RefCell<KeyInterner> = std::cell::RefCell::new(KeyInterner::default());
}

fn key_text(node: &Node) -> Box<str> {
    match node.scalar_text() {
        Some(s) => s.into(),
        None if matches!(node.value, Value::Null) => "".into(),
        None => "<complex key>".into(),
    }
}

/// Apply YAML merge keys (`<<: *base`) and keep the last of duplicate keys.
fn finish_mapping(entries: Vec<Entry>) -> Vec<Entry> {
    let has_merge = entries.iter().any(|e| &*e.key == "<<");
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut merged: Vec<Entry> = Vec::new();
    for e in entries {
        if has_merge && &*e.key == "<<" {
            match e.value.value {
                Value::Map(m) => merged.extend(m),
                Value::Seq(items) => {
                    for item in items {
                        if let Value::Map(m) = item.value {
                            merged.extend(m);
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Some(i) = out.iter().position(|o| o.key == e.key) {
            out.remove(i);
        }
        out.push(e);
    }
    for m in merged {
        if !out.iter().any(|o| o.key == m.key) {
            out.push(m);
        }
    }
    out
}

/// Resolve a scalar as Kubernetes' YAML 1.1 decoder would.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            match tag.suffix.as_str() {
                "str" | "binary" => return Value::Str(text.into()),
                "bool" | "int" | "float" | "null" => return resolve_plain(text),
                _ => {}
            }
        }
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.into());
    }
    resolve_plain(text)
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    if let Some(i) = parse_int_11(text) {
        return Value::Int(i);
    }
    if let Some(f) = parse_float_11(text) {
        return Value::Float(f);
    }
    Value::Str(text.into())
}

/// YAML 1.1 integers: decimal, `0x` hex, `0b` binary, leading-zero octal, `_` separators.
fn parse_int_11(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() || body.starts_with('_') {
        return None;
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let value = if let Some(hex) = clean.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = clean.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if clean.len() > 1 && clean.starts_with('0') {
        i64::from_str_radix(&clean[1..], 8).ok()?
    } else if clean.bytes().all(|b| b.is_ascii_digit()) {
        clean.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

fn parse_float_11(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let b = text.as_bytes();
    let digits_start = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    // Require a digit or a dot-digit start so words like "infinity" stay strings.
    let first = b.get(digits_start)?;
    if !(first.is_ascii_digit() || *first == b'.') {
        return None;
    }
    if !text.contains(['.', 'e', 'E']) {
        return None;
    }
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_stream(text).expect("parses");
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn yaml_11_scalars() {
        let n = one("a: yes\nb: off\nc: 0644\nd: '0644'\ne: 0x1F\nf: 1.5\ng: ~\nh: 12_000\ni: y\n");
        assert_eq!(n.get("a").and_then(Node::as_bool), Some(true));
        assert_eq!(n.get("b").and_then(Node::as_bool), Some(false));
        assert_eq!(n.get("c").and_then(Node::as_i64), Some(0o644));
        assert_eq!(n.get("d").and_then(Node::as_str), Some("0644"));
        assert_eq!(n.get("e").and_then(Node::as_i64), Some(31));
        assert_eq!(n.get("f").map(|x| &x.value), Some(&Value::Float(1.5)));
        assert_eq!(n.get("g").map(|x| &x.value), Some(&Value::Null));
        assert_eq!(n.get("h").and_then(Node::as_i64), Some(12000));
        assert_eq!(n.get("i").and_then(Node::as_bool), Some(true));
    }

    #[test]
    fn spans_are_one_based() {
        let n = one("kind: Pod\nspec:\n  hostNetwork: true\n");
        let e = n
            .get("spec")
            .and_then(|s| s.entry("hostNetwork"))
            .expect("entry");
        assert_eq!(e.key_span.start, Pos::new(3, 3));
        assert_eq!(e.value.span.start, Pos::new(3, 16));
        assert_eq!(e.value.span.end, Pos::new(3, 20));
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let n = one("base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\n  z: 4\n");
        let m = n.get("m").expect("m");
        assert_eq!(m.get("x").and_then(Node::as_i64), Some(1));
        assert_eq!(m.get("z").and_then(Node::as_i64), Some(4));
        assert_eq!(m.entries().len(), 2);
    }

    #[test]
    fn alias_copies_are_located_at_the_alias() {
        let n = one("a: &sc\n  caps:\n    drop: [ALL]\nb: *sc\nc:\n  <<: *sc\n");
        let at = |path: &[&str]| n.get_path(path).map(|x| x.span.start.line);
        assert_eq!(at(&["a", "caps", "drop"]), Some(3));
        assert_eq!(at(&["b", "caps", "drop"]), Some(4));
        assert_eq!(at(&["c", "caps", "drop"]), Some(6));
        let b = n.get("b").expect("b");
        assert_eq!(b.entry("caps").map(|e| e.key_span.start.line), Some(4));
        assert_eq!(
            b.get_path(&["caps", "drop"])
                .map(Node::items)
                .map(|i| i[0].span.start.line),
            Some(4)
        );
    }

    #[test]
    fn multi_document_with_empty_documents() {
        let docs = parse_stream("---\na: 1\n---\n---\nb: 2\n...\n").expect("parses");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].start_line, 4);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "- ".repeat(5000) + "x\n";
        let e = parse_stream(&text).expect_err("too deep");
        assert!(e.message.contains("nesting"));
        let flow = "[".repeat(5000);
        assert!(parse_stream(&flow).is_err());
    }

    /// A flow collection whose closing bracket (or an entry) is no deeper
    /// than its key: strict YAML 1.2 refuses it, but go-yaml (Kubernetes),
    /// libyaml and PyYAML read it, and real repositories hold it (Gatekeeper
    /// configs in terraform-google-kubernetes-engine).
    #[test]
    fn flow_collections_closed_at_the_key_indentation() {
        let n = one("spec:\n  match:\n    - excludedNamespaces: [\n        \"kube-system\",\n        \"kube-public\"\n      ]\n      processes: [\"audit\"]\n");
        let item = n
            .get("spec")
            .and_then(|s| s.get("match"))
            .map(Node::items)
            .and_then(|i| i.first())
            .expect("match[0]");
        let names: Vec<&str> = item
            .get("excludedNamespaces")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(names, ["kube-system", "kube-public"]);
        assert_eq!(item.get("processes").map(|p| p.items().len()), Some(1));
        // Lines stay where they are.
        assert_eq!(
            item.entry("processes").map(|e| e.key_span.start.line),
            Some(7)
        );

        let n = one("a:\n  k: {\n  x: 1,\n  y: [1,\n  2]\n  }\n  z: 3\n");
        let a = n.get("a").expect("a");
        assert_eq!(
            a.get("k").and_then(|k| k.get("x")).and_then(Node::as_i64),
            Some(1)
        );
        assert_eq!(a.get("z").and_then(Node::as_i64), Some(3));
    }

    /// Bad block indentation is still an error: only flow content is re-indented.
    #[test]
    fn block_indentation_errors_stay_errors() {
        assert!(parse_stream("a:\n  b: 1\n c: 2\n").is_err());
        assert!(parse_stream("a:\n  - x\n - y\n").is_err());
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{n}: &{n} [{refs}]\n"));
            prev = n;
        }
        let e = parse_stream(&text).expect_err("bomb");
        assert!(e.message.contains("alias"));
    }
}
