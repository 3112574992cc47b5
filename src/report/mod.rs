//! Reporters: they read findings and never know where they came from.

pub mod explain;
pub mod human;
pub mod json;
pub mod sarif;

use std::collections::BTreeMap;

use crate::rules::{self, Level, Rule};
use crate::scan::Scan;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Sarif,
    Json,
}

/// Write `skeleton`, pretty JSON in which the array field `field` at
/// indentation `pad` is empty, with `items` spliced into that array. The
/// bytes are those `serde_json::to_string_pretty` gives for the whole
/// document (an item's pretty text, indented to its depth, is the same
/// wherever it is rendered), without building it: on large scans that one
/// string was tens of MB, built on one thread. Items are rendered on
/// `threads` threads a batch at a time, so only a batch of text is held.
/// `render(item, indent, text)` appends the item's pretty JSON to `text`,
/// its lines after the first indented by `indent` spaces.
pub fn write_spliced<T: Sync>(
    out: &mut dyn std::io::Write,
    skeleton: &str,
    pad: &str,
    field: &str,
    items: &[T],
    threads: usize,
    render: impl Fn(&T, usize, &mut String) + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    // Fields before the array hold numbers, fixed names or escaped strings,
    // so an unescaped `"field": []` is the array and nothing a user wrote.
    let marker = format!("\n{pad}\"{field}\": []");
    let Some(at) = skeleton.find(&marker).filter(|_| !items.is_empty()) else {
        out.write_all(skeleton.as_bytes())?;
        return out.write_all(b"\n");
    };
    out.write_all(&skeleton.as_bytes()[..at])?;
    write!(out, "\n{pad}\"{field}\": [")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(std::io::Error::other)?;
    let indent = pad.len() + 2;
    // A job renders a run of items into one text: `,` and the item's
    // indented first line before each.
    let run = |items: &[T]| {
        let mut text = String::with_capacity(items.len() * 768);
        for item in items {
            text.push_str(",\n");
            text.extend(std::iter::repeat_n(' ', indent));
            render(item, indent, &mut text);
        }
        text
    };
    let mut first = true;
    for batch in items.chunks(SPLICE_BATCH) {
        let texts: Vec<String> = pool.install(|| {
            batch
                .par_chunks(crate::parallel::RESOURCES_PER_JOB)
                .with_max_len(1)
                .map(run)
                .collect()
        });
        for text in &texts {
            // The very first item has no `,` before it.
            let text = match first {
                true => &text[1..],
                false => text.as_str(),
            };
            first = false;
            out.write_all(text.as_bytes())?;
        }
    }
    write!(out, "\n{pad}]")?;
    out.write_all(&skeleton.as_bytes()[at + marker.len()..])?;
    out.write_all(b"\n")
}

/// Append `text` (pretty JSON) to `out` with every line but the first
/// indented by `indent` spaces: a value rendered alone, placed at its depth.
pub fn push_indented(out: &mut String, text: &str, indent: usize) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str(line);
    }
}

/// Items rendered per parallel batch by [`write_spliced`]: enough to keep
/// every thread busy, few enough that little more than a batch of text is held.
const SPLICE_BATCH: usize = 4096;

pub const TOOL_NAME: &str = "infra-lint";
pub const INFORMATION_URI: &str = "https://github.com/infra-lint/infra-lint";

/// The rules that `ids` reference, by id (sorted).
pub fn referenced_rules<'a>(ids: impl Iterator<Item = &'a str>, scan: &Scan) -> Vec<&'static Rule> {
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            scan.rules
                .iter()
                .copied()
                .find(|r| r.meta.id == id)
                .or_else(|| rules::find(id))
        })
        .collect()
}

/// Unsuppressed findings counted by level.
pub fn counts(scan: &Scan) -> BTreeMap<Level, usize> {
    let mut counts = BTreeMap::new();
    for level in [Level::Error, Level::Warning, Level::Note] {
        counts.insert(level, 0);
    }
    for f in scan.findings.iter().filter(|f| f.suppression.is_none()) {
        *counts.entry(f.level).or_default() += 1;
    }
    counts
}

/// Findings a suppression or baseline silenced.
pub fn suppressed(scan: &Scan) -> usize {
    scan.findings
        .iter()
        .filter(|f| f.suppression.is_some())
        .count()
}

/// Percent-encode a relative path for a URI (keeps `/` and unreserved characters).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
