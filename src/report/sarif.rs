//! SARIF 2.1.0 for GitHub code scanning.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif;

use super::{referenced_rules, uri_path, INFORMATION_URI, TOOL_NAME};
use crate::findings::Finding;
use crate::rules::{Level, Rule};
use crate::scan::Scan;
use crate::source::{Location, SourceFile};
use crate::suppress::SuppressionKind;

const SRCROOT: &str = "%SRCROOT%";

fn level(l: Level) -> serde_json::Value {
    json!(l.as_str())
}

fn result_level(l: Level) -> sarif::ResultLevel {
    match l {
        Level::Error => sarif::ResultLevel::Error,
        Level::Warning => sarif::ResultLevel::Warning,
        Level::Note => sarif::ResultLevel::Note,
    }
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s).build()
}

fn descriptor(rule: &Rule) -> sarif::ReportingDescriptor {
    let m = &rule.meta;
    let mut props = BTreeMap::new();
    props.insert("security-severity".to_string(), json!(m.security_severity));
    props.insert("precision".to_string(), json!("high"));
    props.insert("problem.severity".to_string(), json!(m.level.as_str()));
    props.insert("scope".to_string(), json!(m.scope.as_str()));
    props.insert("guide".to_string(), json!(m.guide));
    let mut d = sarif::ReportingDescriptor::builder()
        .id(m.id)
        .name(m.slug)
        .short_description(text(m.title))
        .full_description(text(m.rationale))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(format!("{}\n\n{}", m.rationale, m.help))
                .markdown(format!("{}\n\n{}", m.rationale, m.help))
                .build(),
        )
        .default_configuration(sarif::ReportingConfiguration {
            level: Some(level(m.level)),
            ..Default::default()
        })
        .properties(sarif::PropertyBag {
            tags: Some(m.tags.iter().map(|t| t.to_string()).collect()),
            additional_properties: props,
        })
        .build();
    // Only built-in rules are documented in docs/rules.md.
    if crate::rules::find(m.id).is_some_and(|r| std::ptr::eq(r, rule)) {
        d.help_uri = Some(format!(
            "{INFORMATION_URI}/blob/main/docs/rules.md#{}",
            m.id.to_ascii_lowercase()
        ));
    }
    d
}

fn artifact(file: &SourceFile) -> sarif::ArtifactLocation {
    if file.display.starts_with('/') {
        sarif::ArtifactLocation {
            uri: Some(format!("file://{}", uri_path(&file.display))),
            ..Default::default()
        }
    } else {
        sarif::ArtifactLocation {
            uri: Some(uri_path(&file.display)),
            uri_base_id: Some(SRCROOT.to_string()),
            ..Default::default()
        }
    }
}

fn location(
    files: &[SourceFile],
    loc: &Location,
    message: Option<&str>,
    id: Option<i64>,
) -> sarif::Location {
    let span = loc.span;
    let start_line = i64::from(span.start.line.max(1));
    let start_column = i64::from(span.start.col.max(1));
    let end_line = i64::from(span.end.line).max(start_line);
    let mut end_column = i64::from(span.end.col.max(1));
    if end_line == start_line && end_column <= start_column {
        end_column = start_column + 1;
    }
    sarif::Location {
        id,
        message: message.map(|m| sarif::Message {
            text: Some(m.to_string()),
            ..Default::default()
        }),
        physical_location: Some(sarif::PhysicalLocation {
            artifact_location: files.get(loc.file as usize).map(artifact),
            region: Some(sarif::Region {
                start_line: Some(start_line),
                start_column: Some(start_column),
                end_line: Some(end_line),
                end_column: Some(end_column),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn result(scan: &Scan, f: &Finding, rule_index: i64) -> sarif::Result {
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("infraLint/v1".to_string(), f.fingerprint(&scan.files));
    // A Helm-rendered object is fixed in its chart template: when that file
    // is in the scan it is the primary location, and the rendered line related.
    let template = f.template.as_ref().and_then(|t| t.location.map(|l| (t, l)));
    let mut related_in: Vec<(&crate::source::Location, String)> = Vec::new();
    let primary = match template {
        Some((t, loc)) => {
            related_in.push((&f.location, format!("rendered from {}", t.source)));
            loc
        }
        None => f.location,
    };
    related_in.extend(f.related.iter().map(|r| (&r.location, r.message.clone())));
    let related: Vec<sarif::Location> = related_in
        .iter()
        .enumerate()
        .map(|(i, (loc, msg))| location(&scan.files, loc, Some(msg), Some(i as i64 + 1)))
        .collect();
    let mut props = BTreeMap::new();
    if let Some(address) = &f.resource {
        props.insert("resource".to_string(), json!(address));
        props.insert("attributePath".to_string(), json!(f.path.to_string()));
    }
    if let Some(t) = &f.template {
        props.insert("helmTemplate".to_string(), json!(t.source));
    }
    let mut result = sarif::Result::builder()
        .rule_id(f.rule_id)
        .rule_index(rule_index)
        .level(result_level(f.level))
        .message(sarif::Message {
            text: Some(f.message.clone()),
            ..Default::default()
        })
        .locations(vec![location(&scan.files, &primary, None, None)])
        .partial_fingerprints(fingerprints)
        .build();
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    if let Some(sup) = &f.suppression {
        let kind = match sup.kind {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        };
        result.suppressions = Some(vec![sarif::Suppression::builder()
            .kind(json!(kind))
            .justification(sup.justification.clone())
            .build()]);
    }
    if !props.is_empty() {
        result.properties = Some(sarif::PropertyBag {
            tags: None,
            additional_properties: props,
        });
    }
    result
}

/// GitHub code scanning accepts at most this many results per run.
pub const MAX_RESULTS: usize = 25_000;

/// The findings a SARIF run keeps: all, or the most severe `MAX_RESULTS`
/// (unsuppressed first, then by level), in report order.
pub fn capped(findings: &[Finding]) -> Vec<&Finding> {
    if findings.len() <= MAX_RESULTS {
        return findings.iter().collect();
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| {
        let f = &findings[i];
        (f.suppression.is_some(), std::cmp::Reverse(f.level), i)
    });
    order.truncate(MAX_RESULTS);
    order.sort_unstable();
    order.into_iter().map(|i| &findings[i]).collect()
}

pub fn render(scan: &Scan, category: Option<&str>) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(scan, category, &mut out, 1);
    String::from_utf8(out).unwrap_or_default()
}

/// Write the SARIF log to `out`; results are rendered on `threads` threads
/// a batch at a time and never held all at once (see [`super::write_spliced`]).
pub fn write(
    scan: &Scan,
    category: Option<&str>,
    out: &mut dyn std::io::Write,
    threads: usize,
) -> std::io::Result<()> {
    let kept = capped(&scan.findings);
    let dropped = scan.findings.len() - kept.len();
    let rules = referenced_rules(kept.iter().map(|f| f.rule_id), scan);
    let index: BTreeMap<&str, i64> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta.id, i as i64))
        .collect();
    let mut base_ids = BTreeMap::new();
    let root = scan.root.to_string_lossy().replace('\\', "/");
    let root = if root.ends_with('/') {
        root
    } else {
        format!("{root}/")
    };
    base_ids.insert(
        SRCROOT.to_string(),
        sarif::ArtifactLocation {
            uri: Some(format!("file://{}", uri_path(&root))),
            ..Default::default()
        },
    );
    let cap_note = (dropped > 0).then(|| {
        format!(
            "{} findings exceed GitHub's limit of {MAX_RESULTS} results per run: the {dropped} least severe were left out of this SARIF file",
            scan.findings.len()
        )
    });
    let notifications: Vec<sarif::Notification> = scan
        .notes
        .iter()
        .chain(cap_note.iter())
        .map(|n| {
            sarif::Notification::builder()
                .message(sarif::Message {
                    text: Some(n.clone()),
                    ..Default::default()
                })
                .level(json!("warning"))
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name(TOOL_NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>())
        .build();
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .original_uri_base_ids(base_ids)
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .results(Vec::new())
        .build();
    if let Some(category) = category {
        run.automation_details = Some(sarif::RunAutomationDetails {
            id: Some(format!("{TOOL_NAME}/{}/", category.trim_matches('/'))),
            ..Default::default()
        });
    }
    let log = sarif::Sarif {
        schema: Some("https://json.schemastore.org/sarif-2.1.0.json".to_string()),
        version: json!("2.1.0"),
        runs: vec![run],
        inline_external_properties: None,
        properties: None,
    };
    let skeleton = serde_json::to_string_pretty(&log).map_err(std::io::Error::other)?;
    super::write_spliced(
        out,
        &skeleton,
        "      ",
        "results",
        &kept,
        threads,
        |f, indent, text| {
            let r = result(scan, f, index.get(f.rule_id).copied().unwrap_or(0));
            let json = serde_json::to_string_pretty(&r)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            super::push_indented(text, &json, indent);
        },
    )
}
