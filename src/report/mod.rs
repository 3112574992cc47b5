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
