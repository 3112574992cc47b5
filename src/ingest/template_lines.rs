//! Which line of a chart template renders an attribute of a rendered object.
//!
//! The template is not YAML until rendered, but its lines keep the object's
//! indentation: the path (`spec.template.spec.containers[1].resources`) is
//! followed key by key through the blocks of the template's text, and item by
//! item through its lists (a container found by its `name:`). The line of the
//! deepest step found is the answer: a value a helper or `toYaml` writes
//! points at the key that includes it, never at another container's key of
//! the same name.

use crate::model::{Node, Seg};

/// One template line that holds YAML (not blank, not a comment, not only a
/// template action).
#[derive(Clone, Copy)]
struct Line<'t> {
    /// 0-based line number.
    no: usize,
    /// Spaces before the text.
    indent: usize,
    /// `Some(column)` of the key on an item line (`- name: web`).
    item_key: Option<usize>,
    text: &'t str,
}

impl<'t> Line<'t> {
    fn read(no: usize, raw: &'t str) -> Option<Line<'t>> {
        let text = raw.trim_start_matches(' ');
        let indent = raw.len() - text.len();
        let trimmed = text.trim_end();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return None;
        }
        let item_key = match trimmed.strip_prefix('-') {
            Some(rest) if rest.starts_with(' ') => {
                let key = rest.trim_start_matches(' ');
                (!key.is_empty()).then(|| indent + 1 + (rest.len() - key.len()))
            }
            _ => None,
        };
        Some(Line {
            no,
            indent,
            item_key,
            text: trimmed,
        })
    }

    fn is_item(&self) -> bool {
        self.text == "-" || self.text.starts_with("- ")
    }

    /// Where the line's key starts, and the text from there.
    fn key_view(&self) -> (usize, &'t str) {
        match self.item_key {
            Some(col) => (col, &self.text[col - self.indent..]),
            None => (self.indent, self.text),
        }
    }

    /// Whether the line's key is `key` (quoted or not).
    fn has_key(&self, key: &str) -> bool {
        let (_, text) = self.key_view();
        let text = text.strip_prefix(['"', '\'']).unwrap_or(text);
        text.strip_prefix(key).is_some_and(|rest| {
            let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
            rest.starts_with(':')
        })
    }
}

/// The 1-based line of `template` that renders `path` of `object` (a
/// rendered object of kind `kind`), or the deepest step of it the template
/// writes out, or the object's first line. `None` when the template's
/// document for the object cannot be told.
pub fn line_of(template: &str, kind: &str, object: &Node, path: &[Seg]) -> Option<u32> {
    let (all, actions) = read_lines(template);
    let mut scope: &[Line] = document(&all, kind, object);
    let mut node = Some(object);
    // Nothing of the path written: the object's first line.
    let mut found = scope.first().map(|l| l.no);
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let Some(level) = scope.iter().map(|l| l.key_view().0).min() else {
                    break;
                };
                let Some(at) = scope
                    .iter()
                    .position(|l| l.key_view().0 == level && l.has_key(k))
                else {
                    break;
                };
                found = Some(scope[at].no);
                scope = block(scope, at, level);
                node = node.and_then(|n| n.get(k));
            }
            Seg::Index(i) => {
                let item = node.and_then(|n| n.items().get(*i));
                let Some(at) = item_at(scope, *i, item, &actions) else {
                    break;
                };
                found = Some(scope[at].no);
                let indent = scope[at].indent;
                // The item's own line holds its first key.
                let end = scope[at + 1..]
                    .iter()
                    .position(|l| l.indent <= indent)
                    .map_or(scope.len(), |p| at + 1 + p);
                scope = &scope[at..end];
                node = item;
            }
        }
    }
    found.map(|no| no as u32 + 1)
}

/// The template's YAML lines, and the lines that are only a template action
/// (`{{- if … }}`, `{{- range }}`) as (line number, indent).
fn read_lines(template: &str) -> (Vec<Line<'_>>, Vec<(usize, usize)>) {
    let mut lines = Vec::new();
    let mut actions = Vec::new();
    for (no, raw) in template.lines().enumerate() {
        let text = raw.trim_start_matches(' ').trim_end();
        if text.starts_with("{{") && text.ends_with("}}") {
            actions.push((no, raw.len() - raw.trim_start_matches(' ').len()));
        } else {
            lines.extend(Line::read(no, raw));
        }
    }
    (lines, actions)
}

/// The lines of the template's document that writes the object: the one of
/// its kind, or among several, the one whose `metadata.name` fits the
/// object's ([`pick_by_name`]); all lines for a template of one document;
/// none when several documents could be it.
fn document<'a, 't>(all: &'a [Line<'t>], kind: &str, object: &Node) -> &'a [Line<'t>] {
    let docs: Vec<&[Line]> = all.split(|l| l.text.starts_with("---")).collect();
    if docs.len() < 2 {
        return all;
    }
    let of_kind: Vec<&[Line]> = docs
        .into_iter()
        .filter(|d| {
            d.iter().any(|l| {
                l.indent == 0
                    && l.text
                        .strip_prefix("kind:")
                        .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == kind)
            })
        })
        .collect();
    let name = object
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str);
    let names: Vec<Option<&str>> = of_kind.iter().map(|d| metadata_name(d)).collect();
    match of_kind.as_slice() {
        [one] => one,
        [] => &[],
        _ => match name.and_then(|n| pick_by_name(&names, n)) {
            Some(i) => of_kind[i],
            None => &[],
        },
    }
}

/// The value written for `metadata.name` in a document's lines.
fn metadata_name<'t>(doc: &[Line<'t>]) -> Option<&'t str> {
    let at = doc
        .iter()
        .position(|l| l.indent == 0 && l.has_key("metadata"))?;
    let inside = block(doc, at, 0);
    let level = inside.iter().map(|l| l.key_view().0).min()?;
    value_at(inside, level, "name")
}

/// The value text, without quotes, of the first `key: value` line among
/// `lines` whose key stands at column `col`.
fn value_at<'t>(lines: &[Line<'t>], col: usize, key: &str) -> Option<&'t str> {
    let line = lines
        .iter()
        .find(|l| l.key_view().0 == col && l.has_key(key))?;
    let (_, v) = line.key_view().1.split_once(':')?;
    Some(v.trim().trim_matches(['"', '\'']))
}

/// Which of the names written in a template (`web`, `{{ .Release.Name
/// }}-worker`, `{{ .Chart.Name }}`) renders as `rendered`: the one whose
/// literal text fits it, or else the only one written wholly by actions.
fn pick_by_name(written: &[Option<&str>], rendered: &str) -> Option<usize> {
    let fitting: Vec<usize> = (0..written.len())
        .filter(|&i| written[i].is_some_and(|w| literal_fits(w, rendered)))
        .collect();
    if let [one] = fitting.as_slice() {
        return Some(*one);
    }
    if !fitting.is_empty() {
        return None;
    }
    let templated: Vec<usize> = (0..written.len())
        .filter(|&i| written[i].is_some_and(|w| literal_parts(w).is_empty()))
        .collect();
    match templated.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The literal text between a value's template actions.
fn literal_parts(written: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = written;
    while let Some(open) = rest.find("{{") {
        parts.push(&rest[..open]);
        match rest[open..].find("}}") {
            Some(close) => rest = &rest[open + close + 2..],
            None => {
                rest = "";
                break;
            }
        }
    }
    parts.push(rest);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Whether `written` has literal text and it all appears in `rendered`, in
/// order, anchored at the ends where no action stands.
fn literal_fits(written: &str, rendered: &str) -> bool {
    let parts = literal_parts(written);
    if parts.is_empty() {
        return false;
    }
    if !written.starts_with("{{") && !rendered.starts_with(parts[0]) {
        return false;
    }
    if !written.ends_with("}}") && !parts.last().is_some_and(|p| rendered.ends_with(p)) {
        return false;
    }
    let mut from = 0;
    parts.iter().all(|p| match rendered[from..].find(p) {
        Some(i) => {
            from += i + p.len();
            true
        }
        None => false,
    })
}

/// The lines below the key at `at` (of column `level`): up to the next line
/// at or left of it, except the items of a list written at the key's own
/// indentation.
fn block<'a, 't>(scope: &'a [Line<'t>], at: usize, level: usize) -> &'a [Line<'t>] {
    let rest = &scope[at + 1..];
    let end = rest
        .iter()
        .position(|l| l.indent < level || (l.indent == level && !l.is_item()))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The position in `scope` of the list item rendered as item `i` (`item`):
/// the one whose `name:` is the rendered item's name, else the `i`-th when no
/// template action (of `actions`: line number, indent) at the items' level
/// can add or repeat items.
fn item_at(
    scope: &[Line],
    i: usize,
    item: Option<&Node>,
    actions: &[(usize, usize)],
) -> Option<usize> {
    let level = scope
        .iter()
        .filter(|l| l.is_item())
        .map(|l| l.indent)
        .min()?;
    let items: Vec<usize> = (0..scope.len())
        .filter(|&p| scope[p].indent == level && scope[p].is_item())
        .collect();
    if let Some(name) = item.and_then(|n| n.get("name")).and_then(Node::as_str) {
        let written: Vec<Option<&str>> = items
            .iter()
            .enumerate()
            .map(|(n, &p)| {
                let end = items.get(n + 1).copied().unwrap_or(scope.len());
                value_at(&scope[p..end], scope[p].key_view().0, "name")
            })
            .collect();
        if let Some(n) = pick_by_name(&written, name) {
            return Some(items[n]);
        }
    }
    // Items a `range` repeats or an `if` leaves out shift the count.
    let (first, last) = (scope[*items.first()?].no, scope.last()?.no);
    if actions
        .iter()
        .any(|&(a, indent)| first < a && a < last && indent <= level)
    {
        return None;
    }
    items.get(i).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::yaml;
    use crate::model::AttrPath;

    fn path(p: &[&str]) -> AttrPath {
        AttrPath(
            p.iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(i) => Seg::Index(i),
                    Err(_) => Seg::from(*s),
                })
                .collect(),
        )
    }

    const TEMPLATE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25.3
          resources:
            {{- toYaml .Values.webResources | nindent 12 }}
        - name: side
          image: busybox:1.36
          resources:
            requests:
              cpu: 100m
";

    /// The template as rendered with `webResources: {requests: {cpu: 100m}}`.
    fn rendered() -> String {
        TEMPLATE.replace(
            "{{- toYaml .Values.webResources | nindent 12 }}",
            "requests:\n              cpu: 100m",
        )
    }

    fn line_in(template: &str, rendered: &str, p: &[&str]) -> Option<u32> {
        let docs = yaml::parse_stream(rendered).expect("rendered parses");
        line_of(template, "Deployment", &docs[0].root, &path(p).0)
    }

    fn line(template: &str, p: &[&str]) -> Option<u32> {
        line_in(template, &rendered(), p)
    }

    #[test]
    fn paths_follow_the_blocks_of_their_own_container() {
        let c = ["spec", "template", "spec", "containers"];
        let at = |rest: &[&str]| line(TEMPLATE, &[&c[..], rest].concat());
        assert_eq!(at(&["0"]), Some(9));
        assert_eq!(at(&["0", "resources"]), Some(11));
        // `toYaml` writes web's requests: the key that includes them.
        assert_eq!(at(&["0", "resources", "requests"]), Some(11));
        assert_eq!(at(&["1", "resources"]), Some(15));
        assert_eq!(at(&["1", "resources", "requests"]), Some(16));
        assert_eq!(at(&["1", "image"]), Some(14));
        assert_eq!(line(TEMPLATE, &["metadata", "name"]), Some(4));
    }

    #[test]
    fn containers_are_found_by_name_across_conditionals() {
        let t = "\
kind: Deployment
spec:
  template:
    spec:
      containers:
      {{- if .Values.first }}
      - name: first
        image: a:1
      {{- end }}
      - name: side
        image: b:1
      - name: {{ .Chart.Name }}
        image: c:1
";
        let rendered = "\
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: side
        image: b:1
      - name: web
        image: c:1
";
        let c = ["spec", "template", "spec", "containers"];
        // Rendered without `first`: side is item 0, web item 1.
        let at = |rest: &[&str]| line_in(t, rendered, &[&c[..], rest].concat());
        assert_eq!(at(&["0", "image"]), Some(11));
        // web's name is written only by an action: the one such container.
        assert_eq!(at(&["1", "image"]), Some(13));
    }

    /// Two objects of one kind in a template: the one whose name fits.
    #[test]
    fn the_document_whose_name_fits() {
        let t = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"app.fullname\" . }}-archive
spec:
  template:
    spec:
      containers:
        - name: main
          image: app:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"app.fullname\" . }}-scheduled
spec:
  template:
    spec:
      containers:
        - name: main
          image: app
";
        let rendered = t.replace("{{ include \"app.fullname\" . }}", "shop");
        let docs = yaml::parse_stream(&rendered).expect("rendered parses");
        let c = path(&["spec", "template", "spec", "containers", "0", "image"]);
        assert_eq!(line_of(t, "Deployment", &docs[0].root, &c.0), Some(10));
        assert_eq!(line_of(t, "Deployment", &docs[1].root, &c.0), Some(21));
        assert_eq!(literal_parts("{{ a }}-x-{{ b }}"), ["-x-"]);
        assert!(literal_fits("{{ a }}-worker", "shop-worker"));
        assert!(!literal_fits("{{ a }}-worker", "shop-worker-2"));
        assert!(!literal_fits("web", "web-2"));
        assert!(!literal_fits("{{ a }}", "anything"));
    }

    #[test]
    fn the_document_of_the_kind_and_lists_at_the_key_indent() {
        let t = "\
apiVersion: v1
kind: Service
spec:
  template: {}
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: web
        resources: {}
      - name: side
        resources:
          limits: {}
";
        let c = ["spec", "template", "spec", "containers"];
        assert_eq!(line(t, &[&c[..], &["1", "resources"]].concat()), Some(15));
        assert_eq!(line(t, &["spec", "template"]), Some(9));
        // Nothing of the path written: the object's first line.
        assert_eq!(line(t, &["status"]), Some(6));
    }
}
