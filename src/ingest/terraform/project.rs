//! Loading: every module directory the scan needs, parsed once.
//!
//! A directory is a module when it holds `.tf`/`.tf.json` files. The scanned
//! directories are loaded first; then, wave by wave, the directories their
//! module calls lead to: local sources (`./…`, `../…`, also outside the scanned
//! tree) and the copies `terraform init` made, listed in
//! `.terraform/modules/modules.json`. Files are read the way Terraform reads a
//! directory (all `*.tf`, `*.tf.json`, `terraform.tfvars[.json]`,
//! `*.auto.tfvars[.json]`), whatever `.gitignore` says.
//!
//! Root modules: a scanned module directory that no loaded module calls.
//! Directories that are only called from each other (a cycle) with no caller
//! outside get the first of them (by path) as root, so nothing is silently
//! skipped; the recursion is then reported while evaluating.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use super::ir::Body;
use super::json;
use super::module::{ConfigFile, ModuleConfig, VarFile};
use super::parse::{self, SyntaxError};
use crate::source::{FileId, Pos, SourceFile};

/// Most module directories one scan loads.
const MAX_DIRS: usize = 20_000;

/// A Terraform file the walk found.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: PathBuf,
    pub display: String,
    pub class_path: String,
}

impl Candidate {
    /// The Terraform files among what the walk found.
    pub fn from_walk(walked: &[crate::discover::Candidate]) -> Vec<Candidate> {
        walked
            .iter()
            .filter(|c| c.class == crate::discover::FileClass::Terraform)
            .map(|c| Candidate {
                path: c.path.clone(),
                display: c.display.clone(),
                class_path: c.class_path.clone(),
            })
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Project {
    /// Every Terraform file read; `FileId`s of this ingester index it.
    pub files: Vec<SourceFile>,
    /// Each file's path for environment classification (its `class_path`,
    /// else its display name): kept when `files` is moved out for the scan.
    pub class_paths: Vec<String>,
    pub syntax_errors: Vec<(FileId, SyntaxError)>,
    /// Module configuration by canonical directory.
    pub modules: HashMap<PathBuf, ModuleConfig>,
    /// Local module call targets: (calling dir, call name) → canonical dir.
    pub local_targets: HashMap<(PathBuf, String), PathBuf>,
    /// `.terraform/modules/modules.json` of a directory: module key → directory.
    pub manifests: HashMap<PathBuf, HashMap<String, PathBuf>>,
    /// Root modules, sorted.
    pub roots: Vec<PathBuf>,
    /// `--var-file` contents, in order.
    pub cli_var_files: Vec<(FileId, Body)>,
    pub notes: Vec<String>,
    /// Files over the size limit: (file, message).
    pub too_large: Vec<(FileId, String)>,
    /// Files whose reading hit a bug: (file, message).
    pub internal_errors: Vec<(FileId, String)>,
}

/// Where report paths are relative to.
pub struct Paths<'a> {
    pub display_base: &'a Path,
    /// What environment path segments are read relative to.
    pub class_base: &'a Path,
    /// Larger files are not read.
    pub max_size: u64,
    /// Free a text once parsed, unless it holds a suppression directive
    /// (read later): the texts of a whole tree beside its parsed modules
    /// were part of the peak of a Terraform-heavy scan.
    pub release_texts: bool,
}

impl Paths<'_> {
    /// Free a parsed file's text when asked to and nothing reads it again.
    fn release_parsed(&self, file: &mut SourceFile) {
        if self.release_texts && !file.text.contains(crate::suppress::MARKER) {
            file.release_text();
        }
    }

    fn display(&self, path: &Path) -> String {
        relative_to(path, self.display_base)
    }

    fn class_path(&self, path: &Path) -> String {
        relative_to(path, self.class_base)
    }
}

/// `path` relative to `base` with `/` separators, `..` where needed.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| -> Vec<String> {
        p.components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                Component::ParentDir => Some("..".into()),
                _ => None,
            })
            .collect()
    };
    let normalize = crate::discover::normalize;
    let (p, b) = (abs(&normalize(path)), abs(&normalize(base)));
    let common = p.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common).collect();
    parts.extend(p[common..].iter().cloned());
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Terraform reads these files of a module directory.
fn module_file_kind(name: &str) -> Option<Kind> {
    if name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
    {
        return None;
    }
    if name.ends_with(".tf") {
        Some(Kind::Hcl)
    } else if name.ends_with(".tf.json") {
        Some(Kind::Json)
    } else if name == "terraform.tfvars" || name.ends_with(".auto.tfvars") {
        Some(Kind::VarsHcl)
    } else if name == "terraform.tfvars.json" || name.ends_with(".auto.tfvars.json") {
        Some(Kind::VarsJson)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Hcl,
    Json,
    VarsHcl,
    VarsJson,
}

/// A file read and parsed, before it gets its id.
struct ReadFile {
    file: SourceFile,
    name: String,
    kind: Kind,
    parsed: Result<Body, SyntaxError>,
    too_large: bool,
    panicked: bool,
}

/// A file read and not parsed yet.
struct Unparsed {
    file: SourceFile,
    name: String,
    kind: Kind,
    /// Where the text stops being UTF-8.
    bad_utf8: Option<usize>,
}

fn read_file(path: &Path, kind: Kind, paths: &Paths) -> Option<ReadFile> {
    read_text(path, kind, paths).map(parse_text)
}

/// The file's text, or (too large) the file already done.
fn read_text(path: &Path, kind: Kind, paths: &Paths) -> Option<Result<Unparsed, ReadFile>> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let size = std::fs::metadata(path).ok()?.len();
    if size > paths.max_size {
        let mut file =
            SourceFile::new(Some(path.to_path_buf()), paths.display(path), String::new());
        file.class_path = Some(paths.class_path(path));
        let message = format!(
            "{} is {size} bytes, over the --max-file-size limit of {} bytes: not scanned",
            file.display, paths.max_size
        );
        return Some(Err(ReadFile {
            file,
            name,
            kind,
            parsed: Err(SyntaxError {
                pos: Pos::new(1, 1),
                message,
            }),
            too_large: true,
            panicked: false,
        }));
    }
    let bytes = std::fs::read(path).ok()?;
    let (text, bad_utf8) = crate::source::decode(bytes);
    let mut file = SourceFile::new(Some(path.to_path_buf()), paths.display(path), text);
    file.class_path = Some(paths.class_path(path));
    // The parser's byte offsets become positions through the line index:
    // built here, beside the text, it is not left among the freed parse
    // trees, where each one kept a page from being returned (3 MB of the
    // generated corpus's peak).
    file.index_lines();
    Some(Ok(Unparsed {
        file,
        name,
        kind,
        bad_utf8,
    }))
}

/// Parse a text `read_text` gave (one it already finished is returned as is).
fn parse_text(read: Result<Unparsed, ReadFile>) -> ReadFile {
    let u = match read {
        Ok(u) => u,
        Err(done) => return done,
    };
    let Unparsed {
        file,
        name,
        kind,
        bad_utf8,
    } = u;
    let parsed = match bad_utf8 {
        Some(at) => Err(SyntaxError {
            pos: file.pos_of_offset(at),
            message: "file is not valid UTF-8 text".into(),
        }),
        None => {
            // A parser bug on one file must cost that file only (IL999).
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::fault::point("terraform-parse", &file.display);
                match kind {
                    Kind::Hcl | Kind::VarsHcl => parse::parse_file(&file),
                    Kind::Json => json::parse_config(&file),
                    Kind::VarsJson => json::parse_vars(&file),
                }
            }));
            match run {
                Ok(parsed) => parsed,
                Err(_) => {
                    return ReadFile {
                        file,
                        name,
                        kind,
                        parsed: Err(SyntaxError {
                            pos: Pos::new(1, 1),
                            message: "internal error while reading this file".into(),
                        }),
                        too_large: false,
                        panicked: true,
                    };
                }
            }
        }
    };
    ReadFile {
        file,
        name,
        kind,
        parsed,
        too_large: false,
        panicked: false,
    }
}

/// The texts of a module directory's files, not parsed yet.
fn read_dir(dir: &Path, paths: &Paths) -> Vec<Result<Unparsed, ReadFile>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf, Kind)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let kind = module_file_kind(&name)?;
            Some((name, e.path(), kind))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .filter(|(_, p, _)| p.is_file())
        .filter_map(|(_, p, k)| read_text(&p, k, paths))
        .collect()
}

/// The directories of `tf_files` that call one of `targets` as a local
/// module, directly or through other callers. A file list (pre-commit) that
/// names a file of a child module needs its callers to evaluate it with the
/// inputs a full scan gives it. Sources are found by a line scan (a
/// `source = "./…"` attribute, or `"source": "./…"` in JSON), not a parse:
/// this runs over every Terraform file of the tree and only has to be cheap
/// and never miss; a false match merely adds context.
pub fn local_callers(targets: &[PathBuf], tf_files: &[PathBuf]) -> Vec<PathBuf> {
    let canonical = |p: &Path| p.canonicalize().ok();
    // Each file's directory and the canonical directories of its local sources.
    let calls: Vec<(PathBuf, Vec<PathBuf>)> = tf_files
        .par_iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).ok()?;
            if !text.contains("source") {
                return None;
            }
            let dir = file.parent()?.to_path_buf();
            let sources: Vec<PathBuf> = text
                .lines()
                .filter_map(quoted_source)
                .filter(|s| is_local(s))
                .filter_map(|s| canonical(&dir.join(s)))
                .collect();
            (!sources.is_empty()).then(|| Some((canonical(&dir)?, sources)))?
        })
        .collect();
    let mut wanted: Vec<PathBuf> = targets.iter().filter_map(|t| canonical(t)).collect();
    let mut callers: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(target) = wanted.pop() {
        for (dir, sources) in &calls {
            if sources.contains(&target) && callers.insert(dir.clone()) {
                wanted.push(dir.clone());
            }
        }
    }
    callers.into_iter().collect()
}

/// The string of a `source = "…"` (HCL) or `"source": "…"` (JSON) line.
fn quoted_source(line: &str) -> Option<&str> {
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix("\"source\"")
        .or_else(|| rest.strip_prefix("source"))?;
    let rest = rest.trim_start().strip_prefix(['=', ':'])?.trim_start();
    let rest = rest.strip_prefix('"')?;
    rest.split('"').next()
}

/// Whether a module source is a local path.
pub fn is_local(source: &str) -> bool {
    source == "." || source == ".." || source.starts_with("./") || source.starts_with("../")
}

#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(rename = "Modules", default)]
    modules: Vec<ManifestEntry>,
}

#[derive(serde::Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Key", default)]
    key: String,
    #[serde(rename = "Dir", default)]
    dir: String,
}

/// A module directory's configuration files and variable files.
type ModuleFiles = (Vec<ConfigFile>, Vec<VarFile>);

/// A module built from its files: (dir, config, local call targets by call
/// name, `.terraform/modules` manifest).
type Built = (
    PathBuf,
    ModuleConfig,
    Vec<(String, PathBuf)>,
    Option<HashMap<String, PathBuf>>,
);

/// Load everything the scan needs from the Terraform files the walk found.
pub fn load(candidates: &[Candidate], var_files: &[PathBuf], paths: &Paths) -> Project {
    let mut p = Project::default();
    let mut scanned_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    let mut loose_vars: Vec<PathBuf> = Vec::new();
    // Resolved on all threads: a path lookup per file was a serial stretch
    // at the start of a large scan.
    let resolved: Vec<Option<PathBuf>> = candidates
        .par_iter()
        .with_max_len(crate::parallel::FILES_PER_JOB)
        .map(|c| canonical(&c.path))
        .collect();
    for path in resolved {
        let Some(path) = path else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(dir) = path.parent().map(Path::to_path_buf) else {
            continue;
        };
        match module_file_kind(&name) {
            // Files come in walk order, a directory's files together: the
            // set (a serial path comparison per insert) sees each directory once.
            Some(Kind::Hcl | Kind::Json) if scanned_dirs.last() == Some(&dir) => {}
            Some(Kind::Hcl | Kind::Json) => {
                scanned_dirs.insert(dir);
            }
            Some(_) => {}
            // `prod.tfvars` and the like: checked for syntax, not loaded.
            None => loose_vars.push(path),
        }
    }
    let mut queue: Vec<PathBuf> = scanned_dirs.iter().cloned().collect();
    let mut seen: HashSet<PathBuf> = queue.iter().cloned().collect();
    while !queue.is_empty() {
        let wave = std::mem::take(&mut queue);
        // Every text of the wave is read before any is parsed. Texts read
        // between parse trees share the allocator's pages with them, and the
        // texts outlive the trees: each one then kept a page of freed trees
        // from being returned (46 MB on the generated corpus).
        let texts: Vec<(PathBuf, Vec<Result<Unparsed, ReadFile>>)> = wave
            .par_iter()
            .with_max_len(1)
            .map(|d| (d.clone(), read_dir(d, paths)))
            .collect();
        let read: Vec<(PathBuf, Vec<ReadFile>)> = texts
            .into_par_iter()
            .with_max_len(1)
            .map(|(d, files)| {
                let files = files.into_iter().map(|f| {
                    let mut read = parse_text(f);
                    paths.release_parsed(&mut read.file);
                    read
                });
                (d, files.collect())
            })
            .collect();
        // File ids are given in order; the modules are then built, and their
        // local calls resolved, on all threads (this was a serial stretch).
        let split: Vec<(PathBuf, ModuleFiles)> = read
            .into_iter()
            .map(|(dir, files)| (dir, p.add_module_files(files)))
            .collect();
        let built: Vec<Built> = split
            .into_par_iter()
            .with_max_len(1)
            .map(|(dir, (config_files, var_files))| {
                let config =
                    ModuleConfig::build(dir.clone(), paths.display(&dir), config_files, var_files);
                let targets = config
                    .calls
                    .iter()
                    .filter_map(|call| {
                        let src = call.source.as_deref().filter(|s| is_local(s))?;
                        let target = canonical(&dir.join(src)).filter(|t| t.is_dir())?;
                        Some((call.name.clone(), target))
                    })
                    .collect();
                let manifest = read_manifest(&dir);
                (dir, config, targets, manifest)
            })
            .collect();
        for (dir, config, targets, manifest) in built {
            let mut next = Vec::new();
            for (name, target) in targets {
                p.local_targets.insert((dir.clone(), name), target.clone());
                next.push(target);
            }
            if let Some(manifest) = manifest {
                next.extend(manifest.values().cloned());
                p.manifests.insert(dir.clone(), manifest);
            }
            p.modules.insert(dir, config);
            for t in next {
                if seen.len() >= MAX_DIRS {
                    p.notes.push(format!("more than {MAX_DIRS} Terraform module directories: the rest are not loaded"));
                    break;
                }
                if seen.insert(t.clone()) {
                    queue.push(t);
                }
            }
        }
        queue.sort();
    }
    for path in loose_vars {
        let kind = if path.to_string_lossy().ends_with(".json") {
            Kind::VarsJson
        } else {
            Kind::VarsHcl
        };
        if let Some(f) = read_file(&path, kind, paths) {
            p.add_file(f);
        }
    }
    for path in var_files {
        let kind = if path.to_string_lossy().ends_with(".json") {
            Kind::VarsJson
        } else {
            Kind::VarsHcl
        };
        match read_file(path, kind, paths) {
            Some(f) => {
                if let (id, Some(body)) = p.add_file(f) {
                    p.cli_var_files.push((id, body));
                }
            }
            None => p.notes.push(format!(
                "--var-file {}: cannot read the file",
                path.display()
            )),
        }
    }
    p.roots = roots(&p, &scanned_dirs);
    p
}

impl Project {
    /// Add a file to the table; its body when it parsed.
    fn add_file(&mut self, f: ReadFile) -> (FileId, Option<Body>) {
        let id = self.files.len() as FileId;
        self.class_paths.push(
            f.file
                .class_path
                .clone()
                .unwrap_or_else(|| f.file.display.clone()),
        );
        self.files.push(f.file);
        match f.parsed {
            Ok(body) => (id, Some(body)),
            Err(e) if f.too_large => {
                self.too_large.push((id, e.message));
                (id, None)
            }
            Err(e) if f.panicked => {
                self.internal_errors.push((id, e.message));
                (id, None)
            }
            Err(e) => {
                self.syntax_errors.push((id, e));
                (id, None)
            }
        }
    }

    /// Add a module directory's files to the table: its configuration files
    /// and its variable files in the order Terraform applies them.
    fn add_module_files(&mut self, files: Vec<ReadFile>) -> ModuleFiles {
        let mut config_files = Vec::new();
        let mut var_files = Vec::new();
        let mut auto_vars = Vec::new();
        for f in files {
            let (name, kind) = (f.name.clone(), f.kind);
            let (id, body) = self.add_file(f);
            // A file with a syntax error is left out; its siblings still count.
            let Some(body) = body else { continue };
            match kind {
                Kind::Hcl | Kind::Json => config_files.push(ConfigFile {
                    file: id,
                    name,
                    body,
                }),
                Kind::VarsHcl | Kind::VarsJson if name.starts_with("terraform.tfvars") => {
                    var_files.push(VarFile { file: id, body })
                }
                Kind::VarsHcl | Kind::VarsJson => {
                    auto_vars.push((name, VarFile { file: id, body }))
                }
            }
        }
        // terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars* by name.
        auto_vars.sort_by(|a, b| a.0.cmp(&b.0));
        var_files.extend(auto_vars.into_iter().map(|(_, v)| v));
        (config_files, var_files)
    }
}

fn read_manifest(dir: &Path) -> Option<HashMap<String, PathBuf>> {
    let text = std::fs::read_to_string(dir.join(".terraform/modules/modules.json")).ok()?;
    let m: Manifest = serde_json::from_str(&text).ok()?;
    Some(
        m.modules
            .into_iter()
            .filter(|e| !e.key.is_empty())
            .filter_map(|e| Some((e.key, canonical(&dir.join(&e.dir)).filter(|d| d.is_dir())?)))
            .collect(),
    )
}

fn roots(p: &Project, scanned: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    // Built once: looking each directory's calls up by scanning every call
    // made the walk quadratic in the number of modules.
    let mut callees: HashMap<&Path, Vec<&Path>> = HashMap::new();
    for ((from, _), to) in &p.local_targets {
        if to != from {
            callees.entry(from).or_default().push(to);
        }
    }
    let called: HashSet<&Path> = callees.values().flatten().copied().collect();
    let is_module = |d: &PathBuf| p.modules.get(d).is_some_and(|m| m.has_config);
    let mut roots: Vec<PathBuf> = scanned
        .iter()
        .filter(|d| is_module(d) && !called.contains(d.as_path()))
        .cloned()
        .collect();
    // Which directories are reached does not depend on the visiting order.
    fn visit<'a>(
        start: &'a Path,
        callees: &HashMap<&'a Path, Vec<&'a Path>>,
        reached: &mut HashSet<&'a Path>,
    ) {
        let mut stack = vec![start];
        while let Some(d) = stack.pop() {
            if reached.insert(d) {
                stack.extend(callees.get(d).into_iter().flatten());
            }
        }
    }
    let mut reached: HashSet<&Path> = HashSet::new();
    for r in &roots {
        visit(r, &callees, &mut reached);
    }
    // Directories only reachable from a cycle: the first of each becomes a root.
    let mut more = Vec::new();
    for d in scanned {
        if is_module(d) && !reached.contains(d.as_path()) {
            more.push(d.clone());
            visit(d, &callees, &mut reached);
        }
    }
    roots.extend(more);
    roots.sort();
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_sources() {
        assert_eq!(
            quoted_source(r#"  source = "./modules/db""#),
            Some("./modules/db")
        );
        assert_eq!(quoted_source(r#""source": "../x","#), Some("../x"));
        assert_eq!(
            quoted_source(r#"source="terraform-aws-modules/vpc/aws""#),
            Some("terraform-aws-modules/vpc/aws")
        );
        assert_eq!(quoted_source(r#"source_hash = "x""#), None);
        assert_eq!(quoted_source("# source = nothing"), None);
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/a/b/c.tf"), Path::new("/a")),
            "b/c.tf"
        );
        assert_eq!(
            relative_to(Path::new("/a/m/x.tf"), Path::new("/a/b")),
            "../m/x.tf"
        );
        assert_eq!(relative_to(Path::new("/a"), Path::new("/a")), ".");
    }

    /// Texts are freed once parsed, unless they hold a directive (read
    /// after evaluation) or the caller keeps them; positions stay right.
    #[test]
    fn parsed_texts_are_released_unless_read_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plain = "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\n";
        let marked = "# infra-lint:ignore AWS020 accepted\nresource \"aws_s3_bucket\" \"b\" {}\n";
        std::fs::write(dir.path().join("a.tf"), plain).expect("write");
        std::fs::write(dir.path().join("b.tf"), marked).expect("write");
        let (walked, _) = crate::discover::walk(&[dir.path().to_path_buf()], dir.path(), 1);
        let candidates = Candidate::from_walk(&walked);
        for release in [true, false] {
            let paths = Paths {
                display_base: dir.path(),
                class_base: dir.path(),
                max_size: u64::MAX,
                release_texts: release,
            };
            let p = load(&candidates, &[], &paths);
            let text = |name: &str| {
                let f = p.files.iter().find(|f| f.display == name).expect("loaded");
                (f.text.as_str(), f.streamed)
            };
            if release {
                assert_eq!(text("a.tf"), ("", true));
                // Read again (by a report quoting it) as it was.
                let again = p
                    .files
                    .iter()
                    .find(|f| f.display == "a.tf")
                    .and_then(|f| f.reread());
                assert_eq!(again.map(|f| f.text), Some(plain.to_string()));
            } else {
                assert_eq!(text("a.tf"), (plain, false));
            }
            assert_eq!(text("b.tf"), (marked, false));
        }
    }

    #[test]
    fn module_files() {
        assert_eq!(module_file_kind("main.tf"), Some(Kind::Hcl));
        assert_eq!(module_file_kind("x.tf.json"), Some(Kind::Json));
        assert_eq!(module_file_kind("terraform.tfvars"), Some(Kind::VarsHcl));
        assert_eq!(module_file_kind("a.auto.tfvars.json"), Some(Kind::VarsJson));
        assert_eq!(module_file_kind("prod.tfvars"), None);
        assert_eq!(module_file_kind(".hidden.tf"), None);
        assert!(is_local("./m") && is_local("../m") && is_local("."));
        assert!(!is_local("terraform-aws-modules/vpc/aws"));
    }
}
