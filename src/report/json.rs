//! JSON for machines. The shape is documented in README ("JSON output") and
//! versioned by `schema_version`; fields are only ever added.
//!
//! The report head is serde's pretty JSON; findings (tens of thousands on a
//! large tree, more bytes than the files scanned) are written straight into
//! text in the same layout, without building a serde value or a string per
//! field. `tests` compare the two renderings.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use super::{counts, TOOL_NAME};
use crate::findings::Finding;
use crate::rules;
use crate::scan::Scan;
use crate::source::{Location, SourceFile};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    summary: Summary,
    findings: [(); 0],
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

/// Rule slugs by id: the scan's rules, looked up once per finding.
type Slugs = HashMap<&'static str, &'static str>;

/// Appends pretty JSON, serde_json's layout, at a given indentation.
struct Out<'a> {
    text: &'a mut String,
    /// Indentation of the object being written (its fields are 2 deeper).
    indent: usize,
    /// Whether the current object has a field yet.
    first: bool,
}

impl Out<'_> {
    fn newline(&mut self, depth: usize) {
        self.text.push('\n');
        self.text.extend(std::iter::repeat_n(' ', depth));
    }

    fn open(&mut self) {
        self.text.push('{');
        self.first = true;
    }

    fn close(&mut self) {
        self.newline(self.indent);
        self.text.push('}');
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.text.push(',');
        }
        self.first = false;
        self.newline(self.indent + 2);
        self.text.push('"');
        self.text.push_str(key);
        self.text.push_str("\": ");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        escape_into(self.text, value);
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.raw(key, "null"),
        }
    }

    fn num(&mut self, key: &str, value: u32) {
        self.key(key);
        // Writing to a String cannot fail.
        let _ = write!(self.text, "{value}");
    }

    fn raw(&mut self, key: &str, value: &str) {
        self.key(key);
        self.text.push_str(value);
    }

    fn location(&mut self, files: &[SourceFile], loc: &Location) {
        let file = files
            .get(loc.file as usize)
            .map_or("", |f| f.display.as_str());
        self.str("file", file);
        self.num("line", loc.span.start.line);
        self.num("column", loc.span.start.col);
        self.num("end_line", loc.span.end.line);
        self.num("end_column", loc.span.end.col);
    }
}

/// Bytes that JSON strings escape: controls, `"` and `\\`.
const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `s` as a JSON string, escaped as serde_json escapes it.
fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    // Most texts (names, messages, paths) have nothing to escape.
    while let Some(n) = bytes[start..].iter().position(|&b| needs_escape(b)) {
        let i = start + n;
        // Escaped bytes are ASCII, so `i` is a character boundary.
        out.push_str(&s[start..i]);
        match bytes[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b => {
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// One finding, as pretty JSON indented by `indent` (its first line not).
fn finding(scan: &Scan, slugs: &Slugs, f: &Finding, indent: usize, text: &mut String) {
    let mut o = Out {
        text,
        indent,
        first: true,
    };
    o.open();
    o.str("rule_id", f.rule_id);
    let slug = slugs
        .get(f.rule_id)
        .copied()
        .or_else(|| rules::find(f.rule_id).map(|r| r.meta.slug))
        .unwrap_or("");
    o.str("slug", slug);
    o.str("level", f.level.as_str());
    o.str("message", &f.message);
    o.location(&scan.files, &f.location);
    o.opt_str("resource", f.resource.as_deref());
    o.key("attribute_path");
    let mut path = String::new();
    let _ = write!(path, "{}", f.path);
    escape_into(o.text, &path);
    o.key("fingerprint");
    let _ = write!(o.text, "\"{:016x}\"", f.fingerprint_hash(&scan.files));
    o.key("related");
    if f.related.is_empty() {
        o.text.push_str("[]");
    } else {
        o.text.push('[');
        for (i, r) in f.related.iter().enumerate() {
            if i > 0 {
                o.text.push(',');
            }
            o.newline(indent + 4);
            let mut item = Out {
                text: &mut *o.text,
                indent: indent + 4,
                first: true,
            };
            item.open();
            item.location(&scan.files, &r.location);
            item.str("message", &r.message);
            item.close();
        }
        o.newline(indent + 2);
        o.text.push(']');
    }
    o.key("template");
    match &f.template {
        None => o.text.push_str("null"),
        Some(t) => {
            let mut item = Out {
                text: &mut *o.text,
                indent: indent + 2,
                first: true,
            };
            item.open();
            item.str("source", &t.source);
            let file = t
                .location
                .and_then(|l| scan.files.get(l.file as usize))
                .map(|f| f.display.as_str());
            item.opt_str("file", file);
            match t.location {
                Some(l) => item.num("line", l.span.start.line),
                None => item.raw("line", "null"),
            }
            item.close();
        }
    }
    o.key("suppression");
    match &f.suppression {
        None => o.text.push_str("null"),
        // Rare: serde's text, indented to its depth.
        Some(s) => {
            let json = serde_json::to_string_pretty(s)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            super::push_indented(o.text, &json, indent + 2);
        }
    }
    o.close();
}

fn tool() -> Tool {
    Tool {
        name: TOOL_NAME,
        version: env!("CARGO_PKG_VERSION"),
    }
}

fn summary(scan: &Scan) -> Summary {
    let c = counts(scan);
    Summary {
        files_scanned: scan.stats.files_scanned,
        resources: scan.stats.resources,
        findings: scan.findings.len() - super::suppressed(scan),
        errors: c[&rules::Level::Error],
        warnings: c[&rules::Level::Warning],
        notes: c[&rules::Level::Note],
        suppressed: super::suppressed(scan),
    }
}

/// Write the report to `out`, rendering findings on `threads` threads in
/// batches ([`super::write_spliced`]).
pub fn write(scan: &Scan, out: &mut dyn Write, threads: usize) -> std::io::Result<()> {
    let head = Report {
        schema_version: SCHEMA_VERSION,
        tool: tool(),
        summary: summary(scan),
        findings: [],
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
        |f, indent, text| finding(scan, &slugs, f, indent, text),
    )
}

#[cfg(test)]
mod tests {
    //! The findings are written by hand; serde's pretty rendering of the
    //! report's documented shape is the reference, byte for byte.
    use super::*;
    use crate::findings::{Related, TemplateRef};
    use crate::model::{AttrPath, Seg};
    use crate::rules::Level;
    use crate::source::{Pos, Span};
    use crate::suppress::{Suppression, SuppressionKind};

    #[derive(Serialize)]
    struct RefReport<'a> {
        schema_version: u32,
        tool: Tool,
        summary: Summary,
        findings: Vec<RefFinding<'a>>,
        notes: &'a [String],
    }

    #[derive(Serialize)]
    struct RefLocation<'a> {
        file: &'a str,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
    }

    #[derive(Serialize)]
    struct RefRelated<'a> {
        #[serde(flatten)]
        location: RefLocation<'a>,
        message: &'a str,
    }

    #[derive(Serialize)]
    struct RefTemplate<'a> {
        source: &'a str,
        file: Option<&'a str>,
        line: Option<u32>,
    }

    #[derive(Serialize)]
    struct RefFinding<'a> {
        rule_id: &'a str,
        slug: &'a str,
        level: &'a str,
        message: &'a str,
        #[serde(flatten)]
        location: RefLocation<'a>,
        resource: Option<&'a str>,
        attribute_path: String,
        fingerprint: String,
        related: Vec<RefRelated<'a>>,
        template: Option<RefTemplate<'a>>,
        suppression: Option<&'a Suppression>,
    }

    fn loc<'a>(files: &'a [SourceFile], l: &Location) -> RefLocation<'a> {
        RefLocation {
            file: files
                .get(l.file as usize)
                .map_or("", |f| f.display.as_str()),
            line: l.span.start.line,
            column: l.span.start.col,
            end_line: l.span.end.line,
            end_column: l.span.end.col,
        }
    }

    fn reference(scan: &Scan) -> String {
        let findings = scan
            .findings
            .iter()
            .map(|f| RefFinding {
                rule_id: f.rule_id,
                slug: rules::find(f.rule_id).map_or("", |r| r.meta.slug),
                level: f.level.as_str(),
                message: &f.message,
                location: loc(&scan.files, &f.location),
                resource: f.resource.as_deref(),
                attribute_path: f.path.to_string(),
                fingerprint: f.fingerprint(&scan.files),
                related: f
                    .related
                    .iter()
                    .map(|r| RefRelated {
                        location: loc(&scan.files, &r.location),
                        message: &r.message,
                    })
                    .collect(),
                template: f.template.as_ref().map(|t| RefTemplate {
                    source: &t.source,
                    file: t
                        .location
                        .and_then(|l| scan.files.get(l.file as usize))
                        .map(|f| f.display.as_str()),
                    line: t.location.map(|l| l.span.start.line),
                }),
                suppression: f.suppression.as_ref(),
            })
            .collect();
        let report = RefReport {
            schema_version: SCHEMA_VERSION,
            tool: tool(),
            summary: summary(scan),
            findings,
            notes: &scan.notes,
        };
        serde_json::to_string_pretty(&report).expect("serializes") + "\n"
    }

    fn at(file: u32, line: u32, col: u32) -> Location {
        Location {
            file,
            span: Span::new(Pos::new(line, col), Pos::new(line, col + 7)),
        }
    }

    fn finding(rule_id: &'static str, message: &str) -> Finding {
        Finding {
            rule_id,
            level: Level::Warning,
            message: message.to_string(),
            location: at(0, 3, 5),
            resource: Some("Deployment/shop/web".to_string()),
            path: AttrPath(vec![
                Seg::Key("spec".into()),
                Seg::Key("containers".into()),
                Seg::Index(0),
                Seg::Key("we\"ird\\key".into()),
            ]),
            related: Vec::new(),
            template: None,
            suppression: None,
            origin: Vec::new(),
        }
    }

    fn scan(findings: Vec<Finding>, notes: Vec<String>) -> Scan {
        let file = |name: &str| SourceFile::new(None, name.to_string(), String::new());
        Scan {
            root: std::path::PathBuf::from("."),
            files: vec![
                file("k8s/app \"1\".yaml"),
                file("tf/main.tf"),
                file("é/ü.yaml"),
            ],
            resources: Vec::new(),
            findings,
            notes,
            stats: Default::default(),
            rules: rules::builtin(),
        }
    }

    fn written(scan: &Scan, threads: usize) -> String {
        let mut out = Vec::new();
        write(scan, &mut out, threads).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn findings_are_written_as_serde_writes_them() {
        let mut plain = finding("K8S008", "container \"web\" has no readinessProbe");
        plain.level = Level::Error;
        let mut escapes = finding(
            "K8S010",
            "quote \" backslash \\ newline \n tab \t cr \r bell \u{7} \u{8} \u{c} \u{1f} del \u{7f} é ✓ 😀",
        );
        escapes.resource = None;
        escapes.location = at(2, 1, 1);
        let mut related = finding("AWS020", "bucket");
        related.related = vec![
            Related {
                location: at(1, 10, 1),
                message: "module.a is created through \"this\" call".to_string(),
            },
            Related {
                location: at(7, 2, 2),
                message: String::new(),
            },
        ];
        let mut template = finding("K8S001", "rendered");
        template.template = Some(TemplateRef {
            source: "shop/templates/deployment.yaml".into(),
            location: Some(at(2, 12, 3)),
        });
        let mut unmapped = finding("K8S001", "rendered elsewhere");
        unmapped.template = Some(TemplateRef {
            source: "other/templates/x.yaml".into(),
            location: None,
        });
        let mut suppressed = finding("K8S002", "suppressed");
        suppressed.suppression = Some(Suppression {
            kind: SuppressionKind::InSource,
            justification: "accepted: \"legacy\"\nsee ticket".to_string(),
        });
        suppressed.related = related.related.clone();
        let mut unknown_rule = finding("X999", "no such rule");
        unknown_rule.path = AttrPath::root();
        let all = vec![
            plain,
            escapes,
            related,
            template,
            unmapped,
            suppressed,
            unknown_rule,
        ];
        let notes = vec!["a note with \"quotes\"".to_string()];
        for findings in [all.clone(), all[..1].to_vec(), Vec::new()] {
            let s = scan(findings, notes.clone());
            let expected = reference(&s);
            for threads in [1, 2] {
                assert_eq!(written(&s, threads), expected, "{threads} thread(s)");
            }
        }
        // More findings than one parallel job or one batch holds.
        let many: Vec<Finding> = (0..5000).map(|i| all[i % all.len()].clone()).collect();
        let s = scan(many, Vec::new());
        assert_eq!(written(&s, 2), reference(&s));
    }
}
