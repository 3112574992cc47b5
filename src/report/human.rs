//! Readable diagnostics: code frames (codespan-reporting) and a summary.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::time::Duration;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Buffer};

use super::counts;
use crate::rules::{self, Level};
use crate::scan::Scan;
use crate::source::{FileId, SourceFile};
use rayon::prelude::*;

fn severity(l: Level) -> Severity {
    match l {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Note => Severity::Note,
    }
}

/// The first paragraph of a rule's help: what to do.
fn advice(scan: &Scan, rule_id: &str) -> Option<String> {
    let rule = scan
        .rules
        .iter()
        .copied()
        .find(|r| r.meta.id == rule_id)
        .or_else(|| rules::find(rule_id))?;
    let first = rule.meta.help.split("\n\n").next()?;
    Some(format!("help: {first}"))
}

/// Write the report to `out`, a diagnostic at a time.
pub fn write(
    scan: &Scan,
    color: bool,
    quiet: bool,
    elapsed: Duration,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let config = term::Config::default();
    let mut db = SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let shown: Vec<&crate::findings::Finding> = scan
        .findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .collect();
    // The scan freed the texts once parsed: the quoted files are read again,
    // on all threads (one that changed meanwhile is quoted by position only).
    let quoted: BTreeSet<FileId> = shown
        .iter()
        .flat_map(|f| {
            let template = f.template.as_ref().and_then(|t| t.location).map(|l| l.file);
            std::iter::once(f.location.file)
                .chain(f.related.iter().map(|r| r.location.file))
                .chain(template)
        })
        .collect();
    let reread: HashMap<FileId, SourceFile> = quoted
        .par_iter()
        .filter_map(|&id| {
            let file = scan.files.get(id as usize).filter(|f| f.streamed)?;
            Some((id, file.reread()?))
        })
        .collect();
    let file_of = |id: FileId| reread.get(&id).unwrap_or(&scan.files[id as usize]);
    for f in &shown {
        ids.entry(f.location.file).or_insert_with(|| {
            let file = file_of(f.location.file);
            db.add(file.display.as_str(), file.text.as_str())
        });
        let template_file = f.template.as_ref().and_then(|t| t.location).map(|l| l.file);
        for file_id in f
            .related
            .iter()
            .map(|r| r.location.file)
            .chain(template_file)
        {
            ids.entry(file_id).or_insert_with(|| {
                let file = file_of(file_id);
                db.add(file.display.as_str(), file.text.as_str())
            });
        }
    }
    for f in &shown {
        let file = file_of(f.location.file);
        let label_text = if f.path.0.is_empty() {
            String::new()
        } else {
            f.path.to_string()
        };
        let mut notes = Vec::new();
        // A streamed file (a Terraform plan) has no text to draw frames from.
        let at = |file: &crate::source::SourceFile, span: crate::source::Span| {
            format!("{}:{}:{}", file.display, span.start.line, span.start.col)
        };
        let mut labels = Vec::new();
        if file.streamed {
            notes.push(format!("at {}", at(file, f.location.span)));
        } else {
            labels.push(
                Label::primary(ids[&f.location.file], file.byte_range(f.location.span))
                    .with_message(label_text),
            );
        }
        for r in &f.related {
            let rf = file_of(r.location.file);
            if rf.streamed {
                notes.push(format!("{}: {}", r.message, at(rf, r.location.span)));
                continue;
            }
            labels.push(
                Label::secondary(ids[&r.location.file], rf.byte_range(r.location.span))
                    .with_message(r.message.clone()),
            );
        }
        if let Some((t, loc)) = f.template.as_ref().and_then(|t| t.location.map(|l| (t, l))) {
            let tf = file_of(loc.file);
            labels.push(
                Label::secondary(ids[&loc.file], tf.byte_range(loc.span))
                    .with_message(format!("rendered from {}", t.source)),
            );
        }
        if let Some(t) = f.template.as_ref().filter(|t| t.location.is_none()) {
            notes.push(format!("rendered from {}", t.source));
        }
        if let Some(resource) = &f.resource {
            notes.push(format!("resource: {resource}"));
        }
        notes.extend(advice(scan, f.rule_id));
        let diagnostic = Diagnostic::new(severity(f.level))
            .with_code(f.rule_id)
            .with_message(&f.message)
            .with_labels(labels)
            .with_notes(notes);
        // A frame that cannot be drawn falls back to one plain line.
        if term::emit_to_write_style(&mut buffer, &config, &db, &diagnostic).is_err() {
            let line = format!(
                "{}[{}]: {} at {}:{}\n",
                f.level.as_str(),
                f.rule_id,
                f.message,
                file.display,
                f.location.span.start.line
            );
            let _ = std::io::Write::write_all(&mut buffer, line.as_bytes());
        }
        // Written as it goes: the whole report was a second copy of every
        // quoted line.
        if buffer.len() >= FLUSH_AT {
            out.write_all(buffer.as_slice())?;
            buffer.clear();
        }
    }
    out.write_all(buffer.as_slice())?;
    if !quiet {
        for n in &scan.notes {
            writeln!(out, "note: {n}")?;
        }
        let c = counts(scan);
        out.write_all(format!(
            "\nScanned {} file{} ({} resource{}) in {:.2}s: {} error{}, {} warning{}, {} note{}{}.\n",
            scan.stats.files_scanned,
            plural(scan.stats.files_scanned),
            scan.stats.resources,
            plural(scan.stats.resources),
            elapsed.as_secs_f64(),
            c[&Level::Error],
            plural(c[&Level::Error]),
            c[&Level::Warning],
            plural(c[&Level::Warning]),
            c[&Level::Note],
            plural(c[&Level::Note]),
            match super::suppressed(scan) {
                0 => String::new(),
                n => format!(", {n} suppressed"),
            },
        ).as_bytes())?;
    }
    Ok(())
}

/// Bytes of diagnostics buffered before they are written.
const FLUSH_AT: usize = 1 << 20;

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Policy load errors as code frames (the policy files are read again).
pub fn policy_errors(errors: &[crate::policy::PolicyError], color: bool) -> String {
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let config = term::Config::default();
    for e in errors {
        let text = std::fs::read_to_string(&e.file).unwrap_or_default();
        let source = crate::source::SourceFile::new(None, e.file.clone(), text);
        let mut db = SimpleFiles::new();
        let id = db.add(e.file.as_str(), source.text.as_str());
        let pos = crate::source::Pos::new(e.line, e.col);
        let range = source.byte_range(crate::source::Span::point(pos));
        let diagnostic = Diagnostic::error()
            .with_message(&e.message)
            .with_labels(vec![Label::primary(id, range)]);
        if term::emit_to_write_style(&mut buffer, &config, &db, &diagnostic).is_err() {
            let _ = std::io::Write::write_all(&mut buffer, format!("error: {e}\n").as_bytes());
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}
