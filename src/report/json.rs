//! JSON for machines. The shape is documented in README ("JSON output") and
//! versioned by `schema_version`; fields are only ever added.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use super::{counts, TOOL_NAME};
use crate::findings::Finding;
use crate::rules;
use crate::scan::Scan;
use crate::source::{Location, SourceFile};
use crate::suppress::Suppression;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    resources: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings silenced by an inline directive, an annotation or a baseline
    /// (listed, with `suppression` set; not counted above).
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    #[serde(flatten)]
    location: JsonLocation<'a>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    slug: &'a str,
    level: &'a str,
    message: &'a str,
    #[serde(flatten)]
    location: JsonLocation<'a>,
    resource: Option<&'a str>,
    attribute_path: String,
    fingerprint: String,
    related: Vec<JsonRelated<'a>>,
    /// The Helm template a rendered object came from, when known.
    template: Option<JsonTemplate<'a>>,
    suppression: Option<&'a Suppression>,
}

#[derive(Serialize)]
struct JsonTemplate<'a> {
    source: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
}

fn json_location<'a>(files: &'a [SourceFile], loc: &Location) -> JsonLocation<'a> {
    JsonLocation {
        file: files
            .get(loc.file as usize)
            .map_or("", |f| f.display.as_str()),
        line: loc.span.start.line,
        column: loc.span.start.col,
        end_line: loc.span.end.line,
        end_column: loc.span.end.col,
    }
}

/// Rule slugs by id: the scan's rules, looked up once per finding.
type Slugs = HashMap<&'static str, &'static str>;

fn finding<'a>(scan: &'a Scan, slugs: &Slugs, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule_id: f.rule_id,
        slug: slugs
            .get(f.rule_id)
            .copied()
            .or_else(|| rules::find(f.rule_id).map(|r| r.meta.slug))
            .unwrap_or(""),
        level: f.level.as_str(),
        message: &f.message,
        location: json_location(&scan.files, &f.location),
        resource: f.resource.as_deref(),
        attribute_path: f.path.to_string(),
        fingerprint: f.fingerprint(&scan.files),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                location: json_location(&scan.files, &r.location),
                message: &r.message,
            })
            .collect(),
        template: f.template.as_ref().map(|t| JsonTemplate {
            source: &t.source,
            file: t
                .location
                .and_then(|l| scan.files.get(l.file as usize))
                .map(|f| f.display.as_str()),
            line: t.location.map(|l| l.span.start.line),
        }),
        suppression: f.suppression.as_ref(),
    }
}

/// Write the report to `out`, rendering findings on `threads` threads in
/// batches ([`super::write_spliced`]).
pub fn write(scan: &Scan, out: &mut dyn Write, threads: usize) -> std::io::Result<()> {
    let c = counts(scan);
    let head = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files_scanned: scan.stats.files_scanned,
            resources: scan.stats.resources,
            findings: scan.findings.len() - super::suppressed(scan),
            errors: c[&rules::Level::Error],
            warnings: c[&rules::Level::Warning],
            notes: c[&rules::Level::Note],
            suppressed: super::suppressed(scan),
        },
        findings: Vec::new(),
        notes: &scan.notes,
    };
    let skeleton = serde_json::to_string_pretty(&head).map_err(std::io::Error::other)?;
    let slugs: Slugs = scan
        .rules
        .iter()
        .map(|r| (r.meta.id, r.meta.slug))
        .collect();
    super::write_spliced(
        out,
        &skeleton,
        "  ",
        "findings",
        &scan.findings,
        threads,
        |f| {
            serde_json::to_string_pretty(&finding(scan, &slugs, f))
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        },
    )
}
