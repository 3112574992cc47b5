//! Inline suppressions and baselines.
//!
//! One grammar in YAML comments and HCL comments (`#`, `//`):
//! `infra-lint:ignore RULE[,RULE…] [until=YYYY-MM-DD] [reason text]`.
//! A directive covers a finding on its own line, on the next line, and
//! everywhere inside the block or document that next line opens. Kubernetes
//! objects may also carry the annotation `infra-lint.io/ignore: "K8S003,K8S009"`
//! (with `infra-lint.io/ignore-reason`).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::findings::Finding;
use crate::model::{Node, Platform, Resource, Value};
use crate::rules::{self, Rule};
use crate::source::{FileId, Pos, SourceFile};

pub const MARKER: &str = "infra-lint:ignore";
pub const ANNOTATION: &str = "infra-lint.io/ignore";
pub const ANNOTATION_REASON: &str = "infra-lint.io/ignore-reason";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    /// A comment or annotation in the scanned source.
    InSource,
    /// A baseline file.
    External,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub justification: String,
}

/// A calendar date, compared as (year, month, day).
pub type Date = (i32, u32, u32);

/// One ignore directive.
#[derive(Clone, Debug)]
pub struct Directive {
    pub file: FileId,
    /// Where it is written (for notes about it).
    pub at: Pos,
    pub rules: Vec<String>,
    pub until: Option<Date>,
    pub reason: String,
    /// Lines it covers (inclusive), or a resource for annotations.
    pub scope: Scope,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Lines(u32, u32),
    Resource(String),
}

fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Today (UTC), from the system clock.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil_from_days(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((y + i64::from(m <= 2)) as i32, m as u32, d as u32)
}

/// The directive text after the marker: rules, optional `until=`, reason.
fn parse_directive(text: &str) -> Option<(Vec<String>, Option<Date>, String)> {
    let rest = text.trim_start();
    let (list, mut tail) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim_start()),
        None => (rest, ""),
    };
    // `K8S003, K8S009`: a comma may be followed by spaces.
    let mut list = list.to_string();
    while list.ends_with(',') {
        let next_end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        list.push_str(&tail[..next_end]);
        tail = tail[next_end..].trim_start();
    }
    let rules: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if rules.is_empty() {
        return None;
    }
    let mut until = None;
    if let Some(date) = tail.strip_prefix("until=") {
        let end = date.find(char::is_whitespace).unwrap_or(date.len());
        until = parse_date(&date[..end]);
        tail = date[end..].trim_start();
    }
    Some((rules, until, tail.trim().to_string()))
}

/// The comment part of a line, if it holds the marker: (column, text after marker).
fn marker_in(line: &str) -> Option<(usize, &str)> {
    let idx = line.find(MARKER)?;
    let before = &line[..idx];
    let comment_start = before.rfind('#').or_else(|| before.rfind("//"))?;
    // The comment opener must not sit inside a quoted string (approximation: even quotes).
    if before[..comment_start].matches('"').count() % 2 == 1 {
        return None;
    }
    Some((comment_start, &line[idx + MARKER.len()..]))
}

/// Into `ends`: for each line where a node of `resources` starts, the last
/// line of the largest node starting there.
fn block_ends(ends: &mut BTreeMap<u32, u32>, resources: &[&Resource]) {
    let mut note = |start: u32, end: u32| {
        let e = ends.entry(start).or_insert(end);
        *e = (*e).max(end);
    };
    for r in resources {
        let root = &r.attributes;
        note(r.header().start.line, root.span.end.line);
        let mut todo: Vec<&Node> = vec![root];
        while let Some(n) = todo.pop() {
            match &n.value {
                Value::Map(entries) => {
                    for e in entries {
                        note(
                            e.key_span.start.line,
                            e.value.span.end.line.max(e.key_span.end.line),
                        );
                        todo.push(&e.value);
                    }
                }
                Value::Seq(items) => {
                    for item in items {
                        note(item.anchor().start.line, item.span.end.line);
                        todo.push(item);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The extents of resource blocks in the files that have directives (a
/// directive above a block covers the whole block), gathered a batch of
/// resources at a time: the scan frees Terraform's resources batch by batch,
/// and collects the directives once all are seen.
pub struct BlockEnds {
    /// Files `wanted` and holding a directive, in id order.
    marked: Vec<FileId>,
    ends: BTreeMap<FileId, BTreeMap<u32, u32>>,
}

impl BlockEnds {
    pub fn new(files: &[SourceFile], wanted: impl Fn(FileId) -> bool + Sync) -> BlockEnds {
        // Files are searched on all threads: on a large tree this was a
        // serial pass over every byte.
        let marked = files
            .par_iter()
            .enumerate()
            .filter(|(id, file)| wanted(*id as FileId) && file.text.contains(MARKER))
            .map(|(id, _)| id as FileId)
            .collect();
        BlockEnds {
            marked,
            ends: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, resources: &[&Resource]) {
        let mut by_file: BTreeMap<FileId, Vec<&Resource>> = BTreeMap::new();
        for &r in resources {
            if self.marked.binary_search(&r.file).is_ok() {
                by_file.entry(r.file).or_default().push(r);
            }
        }
        // Each file's extents so far, grown on all threads.
        let grown: Vec<(FileId, BTreeMap<u32, u32>)> = by_file
            .into_iter()
            .map(|(id, rs)| (id, self.ends.remove(&id).unwrap_or_default(), rs))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(id, mut ends, rs)| {
                block_ends(&mut ends, &rs);
                (id, ends)
            })
            .collect();
        self.ends.extend(grown);
    }

    /// The comment directives of the marked files, in file order.
    pub fn directives(&self, files: &[SourceFile]) -> Vec<Directive> {
        let none = BTreeMap::new();
        let per_file: Vec<Vec<Directive>> = self
            .marked
            .par_iter()
            .filter_map(|&id| Some((id, files.get(id as usize)?)))
            .map(|(id, file)| file_directives(id, file, self.ends.get(&id).unwrap_or(&none)))
            .collect();
        per_file.into_iter().flatten().collect()
    }
}

/// Every directive of the scan: comments in files, annotations on objects.
pub fn collect<'a>(
    files: &[SourceFile],
    resources: impl IntoIterator<Item = &'a Resource>,
) -> Vec<Directive> {
    collect_in(files, resources, |_| true)
}

/// The directives of the files `wanted` keeps (the scan collects those of
/// Terraform files while their resources are alive, the others later).
pub fn collect_in<'a>(
    files: &[SourceFile],
    resources: impl IntoIterator<Item = &'a Resource>,
    wanted: impl Fn(FileId) -> bool + Sync,
) -> Vec<Directive> {
    let resources: Vec<&Resource> = resources.into_iter().collect();
    let mut ends = BlockEnds::new(files, wanted);
    ends.add(&resources);
    let mut out = ends.directives(files);
    // Annotations are looked up on all threads (tens of thousands of objects
    // on a large tree); collected in resource order.
    let annotated: Vec<Directive> = resources
        .par_iter()
        .filter(|r| r.platform == Platform::Kubernetes)
        .flat_map_iter(|r| annotation_directives(r))
        .collect();
    out.extend(annotated);
    out
}

/// The `infra-lint.io/ignore` annotations of one object and of its pod template.
fn annotation_directives(r: &Resource) -> Vec<Directive> {
    let mut out = Vec::new();
    for annotations in [
        r.attributes.get_path(&["metadata", "annotations"]),
        r.attributes
            .get_path(&["spec", "template", "metadata", "annotations"]),
    ]
    .into_iter()
    .flatten()
    {
        let Some(entry) = annotations.entry(ANNOTATION) else {
            continue;
        };
        let Some(list) = entry.value.as_str() else {
            continue;
        };
        let rules: Vec<String> = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let reason = annotations
            .get(ANNOTATION_REASON)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        out.push(Directive {
            file: r.file,
            at: entry.key_span.start,
            rules,
            until: None,
            reason,
            scope: Scope::Resource(r.address.clone()),
        });
    }
    out
}

/// The comment directives of one file; `ends` from [`block_ends`] of its resources.
fn file_directives(id: FileId, file: &SourceFile, ends: &BTreeMap<u32, u32>) -> Vec<Directive> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((col, text)) = marker_in(line) else {
            continue;
        };
        let Some((rules, until, reason)) = parse_directive(text) else {
            continue;
        };
        let this = i as u32 + 1;
        let trailing = !line[..col].trim().is_empty();
        // The line the directive is about: its own (trailing) or the next code line.
        let target = if trailing {
            this
        } else {
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#') && !t.starts_with("//") && t != "---"
                })
                .map_or(this, |(j, _)| j as u32 + 1)
        };
        let end = ends.get(&target).copied().unwrap_or(target).max(target);
        out.push(Directive {
            file: id,
            at: Pos::new(this, col as u32 + 1),
            rules,
            until,
            reason,
            scope: Scope::Lines(if trailing { this } else { this + 1 }, end),
        });
    }
    out
}

fn names_rule(names: &[String], rule: &Rule) -> bool {
    names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(rule.meta.id) || n == rule.meta.slug || n == "all")
}

fn covers(d: &Directive, f: &Finding) -> bool {
    match &d.scope {
        // A directive above a `module` block covers what the module contains.
        Scope::Lines(a, b) => std::iter::once(&f.location)
            .chain(&f.origin)
            .any(|l| l.file == d.file && (*a..=*b).contains(&l.span.start.line)),
        Scope::Resource(address) => {
            d.file == f.location.file && f.resource.as_deref() == Some(address)
        }
    }
}

/// Mark suppressed findings; returns notes about expired and (when asked) unused directives.
pub fn apply(
    findings: &mut [Finding],
    directives: &[Directive],
    rules: &[&'static Rule],
    today: Date,
    report_unused: bool,
) -> Vec<Finding> {
    let rule_of = |id: &str| {
        rules
            .iter()
            .copied()
            .find(|r| r.meta.id == id)
            .or_else(|| rules::find(id))
    };
    let mut used = vec![false; directives.len()];
    let mut expired_hit = vec![false; directives.len()];
    // Directives by the file they are in: a finding is covered only by those
    // of its file and of its module calls' files (asking every directive of
    // every finding, and looking its rule up, was a serial pass of the scan).
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, d) in directives.iter().enumerate() {
        by_file.entry(d.file).or_default().push(i);
    }
    let mut candidates: Vec<usize> = Vec::new();
    for f in findings.iter_mut() {
        candidates.clear();
        for l in std::iter::once(&f.location).chain(&f.origin) {
            candidates.extend(by_file.get(&l.file).into_iter().flatten());
        }
        if candidates.is_empty() {
            continue;
        }
        // In directive order, as if every directive were asked.
        candidates.sort_unstable();
        candidates.dedup();
        let Some(rule) = rule_of(f.rule_id) else {
            continue;
        };
        for &i in &candidates {
            let d = &directives[i];
            if !covers(d, f) || !names_rule(&d.rules, rule) {
                continue;
            }
            if d.until.is_some_and(|u| u < today) {
                expired_hit[i] = true;
                continue;
            }
            used[i] = true;
            if f.suppression.is_none() {
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::InSource,
                    justification: if d.reason.is_empty() {
                        format!("{MARKER} {}", d.rules.join(","))
                    } else {
                        d.reason.clone()
                    },
                });
            }
        }
    }
    let mut notes = Vec::new();
    for (i, d) in directives.iter().enumerate() {
        if let Some((y, m, day)) = d.until.filter(|u| *u < today) {
            notes.push(crate::scan::scanner_finding(
                &rules::SUPPRESSION_EXPIRED,
                d.file,
                d.at,
                format!(
                    "suppression of {} expired on {y:04}-{m:02}-{day:02}{}",
                    d.rules.join(","),
                    if expired_hit[i] {
                        "; its findings are reported again"
                    } else {
                        ""
                    }
                ),
            ));
        } else if report_unused
            && !used[i]
            // A directive for rules that did not run (`--skip-rule`, `disable`)
            // cannot have matched anything: it is not stale.
            && rules.iter().any(|r| names_rule(&d.rules, r))
        {
            notes.push(crate::scan::scanner_finding(
                &rules::UNUSED_SUPPRESSION,
                d.file,
                d.at,
                format!("suppression of {} matched no finding", d.rules.join(",")),
            ));
        }
    }
    notes
}

/// What a baseline remembers of a finding: never its line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineKey {
    pub rule_id: String,
    pub file: String,
    pub resource: Option<String>,
    pub attribute_path: String,
    /// For file-level findings (no resource), the message tells them apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineKey>,
}

pub fn key(f: &Finding, files: &[SourceFile]) -> BaselineKey {
    BaselineKey {
        rule_id: f.rule_id.to_string(),
        file: files
            .get(f.location.file as usize)
            .map_or_else(String::new, |s| s.display.clone()),
        resource: f.resource.clone(),
        attribute_path: f.path.to_string(),
        message: f.resource.is_none().then(|| f.message.clone()),
    }
}

pub fn baseline_of(findings: &[Finding], files: &[SourceFile]) -> Baseline {
    let mut keys: Vec<BaselineKey> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .map(|f| key(f, files))
        .collect();
    keys.sort();
    Baseline {
        version: 1,
        findings: keys,
    }
}

/// Mark findings recorded in `baseline` (each entry matches one finding).
pub fn apply_baseline(
    findings: &mut [Finding],
    files: &[SourceFile],
    baseline: &Baseline,
    name: &str,
) {
    let mut remaining: BTreeMap<&BaselineKey, usize> = BTreeMap::new();
    for k in &baseline.findings {
        *remaining.entry(k).or_default() += 1;
    }
    for f in findings.iter_mut().filter(|f| f.suppression.is_none()) {
        let k = key(f, files);
        if let Some(n) = remaining.get_mut(&k).filter(|n| **n > 0) {
            *n -= 1;
            f.suppression = Some(Suppression {
                kind: SuppressionKind::External,
                justification: format!("recorded in baseline {name}"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        assert_eq!(
            parse_directive(" K8S003,K8S009 until=2027-01-31 pending migration"),
            Some((
                vec!["K8S003".into(), "K8S009".into()],
                Some((2027, 1, 31)),
                "pending migration".into()
            ))
        );
        assert_eq!(
            parse_directive(" K8S003, K8S009 reason"),
            Some((
                vec!["K8S003".into(), "K8S009".into()],
                None,
                "reason".into()
            ))
        );
        assert_eq!(parse_directive("   "), None);
        assert!(marker_in("  # infra-lint:ignore K8S003").is_some());
        assert!(marker_in("  // infra-lint:ignore AWS020").is_some());
        assert!(marker_in("x: \"# infra-lint:ignore K8S003\"").is_none());
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_000), (2024, 10, 4));
    }
}
