//! Source files and the one location type of the project.
//!
//! Positions are 1-based lines and 1-based columns counted in Unicode scalar
//! values (what saphyr reports, and what SARIF calls `unicodeCodePoints`).
//! Byte offsets are derived on demand for the code frames of the human report.

use std::path::PathBuf;

/// Index of a file in the scan's sorted file table.
pub type FileId = u32;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// A region of a file; `end` is exclusive (the position after the last char).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }

    /// A one-character span at `pos`, for errors and empty nodes.
    pub fn point(pos: Pos) -> Self {
        Span {
            start: pos,
            end: Pos::new(pos.line, pos.col + 1),
        }
    }

    /// The span from the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end.max(self.start),
        }
    }
}

/// A span in a given file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// Bytes to text as every ingester reads a file: a BOM is stripped, invalid
/// UTF-8 is decoded lossily; the offset of the first invalid byte, if any.
pub fn decode(bytes: Vec<u8>) -> (String, Option<usize>) {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            (s, None)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    }
}

/// A released text's length and hash: a word at a time, since every text of
/// a scan is hashed (a few milliseconds for 30 MB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TextPrint {
    len: usize,
    hash: u64,
}

impl TextPrint {
    fn of(text: &str) -> TextPrint {
        let mut hash: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut words = text.as_bytes().chunks_exact(8);
        let mut mix = |w: u64| hash = (hash.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            mix(u64::from_le_bytes(b));
        }
        let mut last = [0u8; 8];
        last[..words.remainder().len()].copy_from_slice(words.remainder());
        mix(u64::from_le_bytes(last));
        TextPrint {
            len: text.len(),
            hash,
        }
    }
}

/// A file that was read for the scan.
#[derive(Debug)]
pub struct SourceFile {
    /// Where it was read from (`None` for stdin).
    pub path: Option<PathBuf>,
    /// Name shown in reports: relative to the scan root, `/`-separated.
    pub display: String,
    /// Path used for environment classification, when it differs from `display`.
    pub class_path: Option<String>,
    /// Read only as context for the files named on the command line: its
    /// resources are related to, its findings not reported.
    pub context: bool,
    /// A kustomize patch: its objects are partial, so only the rules about
    /// values written in them run ([`crate::rules::runs_on_patches`]), and
    /// they relate to nothing.
    pub patch: bool,
    pub text: String,
    /// Read as a stream and not kept (a Terraform plan can be hundreds of
    /// megabytes on one line), or released after parsing
    /// ([`SourceFile::release_text`]): `text` is empty, positions are still right.
    pub streamed: bool,
    /// Set by [`SourceFile::release_text`]: what the text was, so that a
    /// report can read it again ([`SourceFile::reread`]) and know it is the same.
    released: Option<TextPrint>,
    /// Byte offsets of line starts, 4 bytes each: a large tree has millions of
    /// lines. Lines starting past 4 GiB are not indexed (no file read whole
    /// is that large; such a line reads as empty). Built on first use: the
    /// YAML reader gets positions from its parser, and most manifests are
    /// never quoted (the index of every file was 1-2% of a scan).
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(path: Option<PathBuf>, display: String, text: String) -> Self {
        SourceFile {
            path,
            display,
            class_path: None,
            context: false,
            patch: false,
            text,
            streamed: false,
            released: None,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// The line index, built from the text on first use (a released text,
    /// never indexed, has one empty line).
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                self.text
                    .match_indices('\n')
                    .map_while(|(i, _)| u32::try_from(i + 1).ok()),
            );
            starts
        })
    }

    /// Build the line index now (it is otherwise built on first use).
    pub fn index_lines(&self) {
        self.line_starts();
    }

    /// Byte offset where 1-based `line` starts, if it is indexed.
    fn line_start(&self, line: usize) -> Option<usize> {
        let i = line.checked_sub(1)?;
        self.line_starts().get(i).map(|&s| s as usize)
    }

    /// Free the text of a file that was read from a path; positions stay
    /// right, and the file reads as `streamed` until read again.
    pub fn release_text(&mut self) {
        // Stdin cannot be read again: its text stays.
        if self.path.is_none() {
            return;
        }
        if !self.streamed {
            self.released = Some(TextPrint::of(&self.text));
        }
        self.text = String::new();
        self.streamed = true;
    }

    /// The file read again after [`SourceFile::release_text`], if it still
    /// holds the same text (a report quoting it must not quote an edit made
    /// during the scan); `None` otherwise.
    pub fn reread(&self) -> Option<SourceFile> {
        let print = self.released?;
        let path = self.path.as_ref()?;
        let (text, _) = decode(std::fs::read(path).ok()?);
        if TextPrint::of(&text) != print {
            return None;
        }
        let mut file = SourceFile::new(Some(path.clone()), self.display.clone(), text);
        file.class_path = self.class_path.clone();
        Some(file)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// Text of a 1-based line without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let Some(start) = self.line_start(line as usize) else {
            return "";
        };
        let end = self
            .line_start(line as usize + 1)
            .unwrap_or(self.text.len());
        // Empty once the text is released.
        self.text
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a position, clamped into the file.
    pub fn offset(&self, pos: Pos) -> usize {
        let Some(start) = self.line_start(pos.line as usize) else {
            return self.text.len();
        };
        let line = self.line_text(pos.line);
        let chars = pos.col.saturating_sub(1) as usize;
        let within = line
            .char_indices()
            .nth(chars)
            .map(|(i, _)| i)
            .unwrap_or(line.len());
        start + within
    }

    pub fn byte_range(&self, span: Span) -> std::ops::Range<usize> {
        let start = self.offset(span.start);
        let end = self.offset(span.end).max(start);
        start..end
    }

    /// Position of a byte offset (used by ingesters whose parsers report bytes).
    pub fn pos_of_offset(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let key = u32::try_from(offset).unwrap_or(u32::MAX);
        let starts = self.line_starts();
        let line_idx = match starts.binary_search(&key) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line_idx] as usize;
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos::new(line_idx as u32 + 1, col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_text_is_read_again_only_while_unchanged() {
        let dir = std::env::temp_dir().join(format!("infra-lint-reread-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("deploy.yaml");
        // With a BOM: read again the way the scan read it.
        std::fs::write(&path, "\u{feff}kind: Pod\nmetadata:\n  name: web\n").expect("write");
        let (text, _) = decode(std::fs::read(&path).expect("read"));
        let mut file = SourceFile::new(Some(path.clone()), "deploy.yaml".into(), text.clone());
        file.release_text();
        assert!(file.text.is_empty() && file.streamed);
        assert_eq!(file.line_text(2), "", "a released line reads as empty");
        let again = file.reread().expect("unchanged file");
        assert_eq!(again.text, text);
        assert!(!again.streamed);
        assert_eq!(again.line_text(3), "  name: web");
        // Same length, one byte changed: not quoted.
        std::fs::write(&path, "\u{feff}kind: Pod\nmetadata:\n  name: api\n").expect("write");
        assert!(file.reread().is_none());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn stdin_keeps_its_text() {
        let mut file = SourceFile::new(None, "<stdin>".into(), "a: 1\n".into());
        file.release_text();
        assert_eq!(file.text, "a: 1\n");
        assert!(!file.streamed);
        assert!(file.reread().is_none());
    }
}
