//! Finding the files to scan: a parallel, .gitignore-aware walk.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

/// Directories never worth descending into.
const SKIP_DIRS: &[&str] = &[".git", ".terraform", "node_modules", ".hg", ".svn"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileClass {
    /// YAML (or JSON) that may hold Kubernetes objects.
    Yaml,
    /// Terraform configuration (`.tf`, `.tf.json`, `.tfvars`).
    Terraform,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Name in reports (relative to the scan root).
    pub display: String,
    /// Path used for environment classification: relative to the
    /// repository (see [`crate::environment::class_base`]), so a root like
    /// `envs/prod` still says "prod" and the folders above the repository
    /// (`~/dev/…`) say nothing.
    pub class_path: String,
    pub path: PathBuf,
    pub class: FileClass,
}

/// Something the walk could not do, reported as a note.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkNote {
    pub path: String,
    pub message: String,
}

pub fn classify(path: &Path) -> Option<FileClass> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".tf") || name.ends_with(".tf.json") || name.ends_with(".tfvars") {
        return Some(FileClass::Terraform);
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
        return Some(FileClass::Yaml);
    }
    // Kustomize also reads a kustomization from an extensionless `Kustomization`.
    if crate::ingest::kustomize::is_kustomization(path) {
        return Some(FileClass::Yaml);
    }
    None
}

/// How much of a `.json` file (or of stdin) is read to tell a Terraform plan
/// from other JSON. The plan ingester goes on from these bytes, so a plan is
/// read once.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Top-level keys only plans have (`terraform show -json` of a state has `values`).
const PLAN_KEYS: &[&str] = &[
    "planned_values",
    "resource_changes",
    "resource_drift",
    "output_changes",
    "prior_state",
    "variables",
];

/// Whether a JSON document starting with `prefix` is a Terraform plan: a
/// top-level object with `format_version` and a key only plans have
/// (`planned_values`, `resource_changes`, …). `complete`: `prefix` is the
/// whole document; otherwise a `format_version` object whose first
/// `SNIFF_BYTES` name no other kind of document counts as a plan (the plan
/// ingester then finds out, and finds nothing if it is none).
pub fn is_plan(prefix: &[u8], complete: bool) -> bool {
    let mut r = crate::ingest::plan::reader::Reader::new(prefix);
    r.skip_bom();
    if r.next_byte().ok() != Some(b'{') {
        return false;
    }
    let mut keys: Vec<String> = Vec::new();
    // An error here is the end of the prefix (or bad JSON): decide on the keys seen.
    let _ = r.object(|r, key, _| {
        keys.push(key);
        r.skip()
    });
    let has = |k: &str| keys.iter().any(|x| x == k);
    if !has("format_version") || has("apiVersion") || has("kind") || has("values") {
        return false;
    }
    PLAN_KEYS.iter().any(|k| has(k)) || !complete
}

/// Read up to [`SNIFF_BYTES`] from `src`: the bytes, and whether that is all of it.
pub fn read_prefix(src: &mut impl std::io::Read) -> std::io::Result<(Vec<u8>, bool)> {
    use std::io::Read as _;
    let mut buf = Vec::with_capacity(SNIFF_BYTES);
    let n = src.take(SNIFF_BYTES as u64).read_to_end(&mut buf)?;
    Ok((buf, n < SNIFF_BYTES))
}

/// `path` with `.` dropped and each `..` taking away the name before it
/// (lexically: `a/../b` is `b`), so that `cwd.join("../x")` compares with
/// other paths as the folder it names.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

/// `/`-separated path of `path` relative to `base`, if it is inside it.
pub fn relative(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Walk `roots` on `threads` threads. `display_base` is what report names are
/// relative to. Results are sorted (the walk order is not deterministic).
pub fn walk(
    roots: &[PathBuf],
    display_base: &Path,
    threads: usize,
) -> (Vec<Candidate>, Vec<WalkNote>) {
    walk_to_depth(roots, display_base, threads, None)
}

/// Like [`walk`], descending at most `max_depth` levels below each root
/// (`Some(1)`: the files directly in a directory).
pub fn walk_to_depth(
    roots: &[PathBuf],
    display_base: &Path,
    threads: usize,
    max_depth: Option<usize>,
) -> (Vec<Candidate>, Vec<WalkNote>) {
    let found = Mutex::new(Vec::new());
    let notes = Mutex::new(Vec::new());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let display_base = &normalize(&cwd.join(display_base));
    let class_base = crate::environment::class_base(display_base, &cwd);
    for root in roots {
        let canonical_root = match root.canonicalize() {
            Ok(r) => r,
            Err(e) => {
                push(
                    &notes,
                    root.display().to_string(),
                    format!("cannot read: {e}"),
                );
                continue;
            }
        };
        let within = if canonical_root.is_dir() {
            canonical_root.clone()
        } else {
            canonical_root
                .parent()
                .map_or_else(|| canonical_root.clone(), Path::to_path_buf)
        };
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(false)
            .require_git(false)
            .follow_links(true)
            .max_depth(max_depth)
            .threads(threads)
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !(e.file_type().is_some_and(|t| t.is_dir()) && SKIP_DIRS.contains(&name.as_ref()))
            });
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        push(&notes, String::new(), e.to_string());
                        return WalkState::Continue;
                    }
                };
                let path = entry.path();
                if entry.path_is_symlink() {
                    // Never follow a link out of the scanned root.
                    match path.canonicalize() {
                        Ok(target) if target.starts_with(&within) => {}
                        Ok(target) => {
                            push(
                                &notes,
                                path.display().to_string(),
                                format!(
                                    "symlink to {} is outside the scanned root: not followed",
                                    target.display()
                                ),
                            );
                            return WalkState::Skip;
                        }
                        Err(e) => {
                            push(
                                &notes,
                                path.display().to_string(),
                                format!("broken symlink: {e}"),
                            );
                            return WalkState::Skip;
                        }
                    }
                }
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                let Some(class) = classify(path) else {
                    return WalkState::Continue;
                };
                let absolute = normalize(&cwd.join(path));
                let display = relative(&absolute, display_base)
                    .unwrap_or_else(|| path.to_string_lossy().replace('\\', "/"));
                let class_path = relative(&absolute, &class_base)
                    .unwrap_or_else(|| path.to_string_lossy().replace('\\', "/"));
                if let Ok(mut f) = found.lock() {
                    f.push(Candidate {
                        display,
                        class_path,
                        path: path.to_path_buf(),
                        class,
                    });
                }
                WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap_or_default();
    found.sort();
    found.dedup_by(|a, b| a.display == b.display);
    let mut notes = notes.into_inner().unwrap_or_default();
    notes.sort();
    notes.dedup();
    (found, notes)
}

fn push(notes: &Mutex<Vec<WalkNote>>, path: String, message: String) {
    if let Ok(mut n) = notes.lock() {
        n.push(WalkNote { path, message });
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
        assert_eq!(normalize(Path::new("/a/b/../../..")), Path::new("/"));
        assert_eq!(normalize(Path::new("../x/../y")), Path::new("../y"));
        assert_eq!(normalize(Path::new("a/./b")), Path::new("a/b"));
    }
}
