//! Kustomize: the files kustomizations apply as patches.
//!
//! A patch (`patches`, `patchesStrategicMerge`, `patchesJson6902`) is a
//! partial object that `kustomize build` merges into a resource. Read as a
//! resource of its own it lacks everything it leaves unchanged (replicas,
//! securityContext, probes…), so the rules about what an object lacks would
//! misfire on it: the scan marks such files ([`crate::source::SourceFile::patch`])
//! and runs only the rules about values a patch writes
//! ([`crate::rules::runs_on_patches`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::{normalize, Candidate};
use crate::model::Node;

/// The file names kustomize reads a kustomization (or component) from.
const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `path` names a kustomization file.
pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

/// Report names of the files the scan's kustomizations use as patches, and
/// what they include from outside the scan.
#[derive(Debug, Default)]
pub struct Patches {
    files: HashSet<String>,
    /// Notes on resources (bases) a kustomization of the scan includes from
    /// outside the scanned folder: their objects are not scanned.
    pub notes: Vec<String>,
}

impl Patches {
    /// Read the kustomization files among `candidates` and `extra` (those
    /// found outside the walk, see [`above`]) on all threads; no other file
    /// is read. Paths are resolved from each kustomization's folder and
    /// named relative to `root` (the scan's, absolute). Files over
    /// `max_file_size` or unreadable ones name nothing: their own scan
    /// reports them.
    pub fn find(
        candidates: &[Candidate],
        extra: &[PathBuf],
        root: &Path,
        cwd: &Path,
        max_file_size: u64,
    ) -> Patches {
        // Absolute, and each once: the folders above the scan start at its
        // root, whose kustomizations the walk found too.
        let mut files: Vec<PathBuf> = candidates
            .iter()
            .map(|c| c.path.as_path())
            .filter(|p| is_kustomization(p))
            .chain(extra.iter().map(PathBuf::as_path))
            .map(|p| normalize(&cwd.join(p)))
            .collect();
        files.sort();
        files.dedup();
        let named: Vec<(Vec<String>, Vec<String>)> = files
            .par_iter()
            .map(|file| {
                let text = std::fs::metadata(file)
                    .ok()
                    .filter(|m| m.len() <= max_file_size)
                    .and_then(|_| std::fs::read_to_string(file).ok())
                    .unwrap_or_default();
                let dir = file.parent().unwrap_or(file);
                let (patches, included) = named_paths(&text);
                let resolve = |p: &str| local(p).then(|| normalize(&dir.join(p)));
                let patches = patches
                    .iter()
                    .filter_map(|p| resolve(p))
                    .filter_map(|p| crate::discover::relative(&p, root))
                    .collect();
                // Only the scan's own kustomizations: one above it includes
                // what the scan leaves out by design.
                let outside = included
                    .iter()
                    .filter(|_| file.starts_with(root))
                    .filter_map(|p| resolve(p))
                    .filter(|p| !p.starts_with(root) && p.exists())
                    .map(|p| {
                        format!(
                            "{} includes {}, outside the scanned folder: its objects are not scanned (scan the folder holding both, or pipe `kubectl kustomize` into `infra-lint -`)",
                            display(file, root),
                            display(&p, root)
                        )
                    })
                    .collect();
                (patches, outside)
            })
            .collect();
        let mut out = Patches::default();
        for (patches, notes) in named {
            out.files.extend(patches);
            out.notes.extend(notes);
        }
        out.notes.sort();
        out.notes.dedup();
        out
    }

    /// Whether the file reported as `display` (normalized by the walk) is a patch.
    pub fn contains(&self, display: &str) -> bool {
        !self.files.is_empty() && self.files.contains(display)
    }
}

/// A path as reports name it: relative to `root` (with `..` above it).
fn display(path: &Path, root: &Path) -> String {
    crate::ingest::terraform::project::relative_to(path, root)
}

/// Whether a kustomization entry names a local file or folder (not an
/// absolute path, a URL or a remote base).
fn local(p: &str) -> bool {
    !(p.is_empty() || p.starts_with('/') || p.contains("://") || p.starts_with("github.com/"))
}

/// The kustomization files of the folders above `dirs` (listed files'
/// folders, or the scan root) up to `top` (the repository, see
/// [`crate::environment::class_base`]), that the walk does not reach. The
/// kustomization naming a patch often sits a folder or two above it
/// (`overlays/prod/kustomization.yaml` patching with `patches/x.yaml`):
/// without it a patch scanned alone, or in its own folder, would be checked
/// as an object, which a scan of the whole tree does not do.
pub fn above(dirs: &[PathBuf], top: &Path, cwd: &Path) -> Vec<PathBuf> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        for folder in normalize(&cwd.join(dir)).ancestors() {
            if !folder.starts_with(top) || !seen.insert(folder.to_path_buf()) {
                break;
            }
            out.extend(
                FILE_NAMES
                    .iter()
                    .map(|name| folder.join(name))
                    .filter(|path| path.is_file()),
            );
        }
    }
    out
}

/// The file paths a kustomization's text names, as written (relative to its
/// folder): its patches (`patches`, `patchesStrategicMerge`,
/// `patchesJson6902`), and what it includes (`resources`, `bases`,
/// `components`). Inline patches (`patch: |`, a multi-line entry of
/// `patchesStrategicMerge`) name no file and are left out.
fn named_paths(text: &str) -> (Vec<String>, Vec<String>) {
    // An invalid kustomization names nothing; its own scan reports it.
    let Ok(docs) = crate::ingest::yaml::parse_stream(text) else {
        return (Vec::new(), Vec::new());
    };
    let list = |fields: &[&str]| -> Vec<String> {
        let mut out = Vec::new();
        for doc in &docs {
            for field in fields {
                let Some(list) = doc.root.get(field) else {
                    continue;
                };
                for item in list.items() {
                    // `- path: x.yaml` (with a target or not), or just `- x.yaml`.
                    let path = item
                        .as_str()
                        .or_else(|| item.get("path").and_then(Node::as_str));
                    if let Some(p) = path.filter(|p| !p.contains('\n')) {
                        out.push(p.trim().to_string());
                    }
                }
            }
        }
        out
    };
    (
        list(&["patches", "patchesStrategicMerge", "patchesJson6902"]),
        list(&["resources", "bases", "components"]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_patch_field_and_entry_form() {
        let text = "\
resources:
- ../../base
- service.yaml
bases: [../common]
components:
- ../../components/tls
patches:
- path: a.yaml
- path: ../shared/b.yaml
  target: {kind: Deployment}
- ./c.yaml
- patch: |-
    - op: remove
      path: /spec/replicas
patchesStrategicMerge:
- d.yaml
- |-
  apiVersion: apps/v1
  kind: Deployment
patchesJson6902:
- target: {kind: Deployment, name: web}
  path: e.json
";
        let (patches, included) = named_paths(text);
        assert_eq!(
            patches,
            ["a.yaml", "../shared/b.yaml", "./c.yaml", "d.yaml", "e.json"].map(String::from)
        );
        assert_eq!(
            included,
            [
                "../../base",
                "service.yaml",
                "../common",
                "../../components/tls"
            ]
            .map(String::from)
        );
    }

    #[test]
    fn only_local_paths_resolve() {
        assert!(local("x.yaml") && local("../base"));
        assert!(!local("/etc/x.yaml"));
        assert!(!local("https://example.com/x.yaml"));
        assert!(!local("github.com/org/repo//base?ref=v1"));
        assert!(!local(""));
    }

    #[test]
    fn invalid_or_unrelated_kustomizations_name_nothing() {
        assert_eq!(named_paths("patches: [unclosed"), (vec![], vec![]));
        assert!(named_paths("resources:\n- deployment.yaml\n").0.is_empty());
        assert!(named_paths("patches: not-a-list\n").0.is_empty());
    }
}
