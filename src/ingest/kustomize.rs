//! Kustomize: the files kustomizations apply as patches.
//!
//! A patch (`patches`, `patchesStrategicMerge`, `patchesJson6902`) is a
//! partial object that `kustomize build` merges into a resource. Read as a
//! resource of its own it lacks everything it leaves unchanged (replicas,
//! securityContext, probes…), so every rule would misfire on it: the scan
//! leaves such files out (they stay in the file table, like chart templates,
//! but yield no resources).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::Candidate;
use crate::model::Node;

/// The file names kustomize reads a kustomization (or component) from.
const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `path` names a kustomization file.
pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

/// Report names of the files the scan's kustomizations use as patches.
#[derive(Debug, Default)]
pub struct Patches {
    files: HashSet<String>,
}

impl Patches {
    /// Read the kustomization files among `candidates` and `extra` (those
    /// found outside the walk, see [`above`]) on all threads; no other file
    /// is read. Files over `max_file_size` or unreadable ones name nothing:
    /// their own scan reports them.
    pub fn find(candidates: &[Candidate], extra: &[Candidate], max_file_size: u64) -> Patches {
        let files = candidates
            .par_iter()
            .chain(extra.par_iter())
            .filter(|c| is_kustomization(&c.path))
            .flat_map_iter(|c| {
                let text = std::fs::metadata(&c.path)
                    .ok()
                    .filter(|m| m.len() <= max_file_size)
                    .and_then(|_| std::fs::read_to_string(&c.path).ok())
                    .unwrap_or_default();
                let dir = c.display.rsplit_once('/').map_or("", |(d, _)| d);
                patch_paths(&text)
                    .into_iter()
                    .filter_map(|p| join(dir, &p))
                    .collect::<Vec<_>>()
            })
            .collect();
        Patches { files }
    }

    /// Whether the file reported as `display` (normalized by the walk) is a patch.
    pub fn contains(&self, display: &str) -> bool {
        !self.files.is_empty() && self.files.contains(display)
    }
}

/// The kustomization files in `dirs` and in the folders above them up to
/// `root`. A file list (pre-commit) reads only the folders of the listed
/// files as context, but the kustomization naming a patch often sits a
/// folder or two above it (`base/kustomization.yaml` patching with
/// `overlays/x.yaml`): without it a listed patch would be checked as an
/// object, which a scan of the whole tree does not do.
pub fn above(dirs: &[PathBuf], root: &Path, cwd: &Path) -> Vec<Candidate> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        for folder in dir.ancestors() {
            let absolute = cwd.join(folder);
            if !absolute.starts_with(root) || !seen.insert(absolute.clone()) {
                break;
            }
            for name in FILE_NAMES {
                let path = folder.join(name);
                if path.is_file() {
                    let display = crate::discover::relative(&absolute.join(name), root)
                        .unwrap_or_else(|| path.to_string_lossy().replace('\\', "/"));
                    out.push(Candidate {
                        class_path: display.clone(),
                        display,
                        path,
                        class: crate::discover::FileClass::Yaml,
                    });
                }
            }
        }
    }
    out
}

/// The patch file paths a kustomization's text names, as written (relative
/// to its folder). Inline patches (`patch: |`, a multi-line entry of
/// `patchesStrategicMerge`) name no file and are left out.
fn patch_paths(text: &str) -> Vec<String> {
    // An invalid kustomization names nothing; its own scan reports it.
    let Ok(docs) = crate::ingest::yaml::parse_stream(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in &docs {
        for field in ["patches", "patchesStrategicMerge", "patchesJson6902"] {
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
}

/// `rel` resolved against the report folder `dir`: the report name of the
/// file it names, if it can be one (not absolute, not a URL, not empty).
fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.is_empty() || rel.starts_with('/') || rel.contains("://") {
        return None;
    }
    let full = if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    };
    let joined = crate::discover::normalize(Path::new(&full))
        .to_string_lossy()
        .replace('\\', "/");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_patch_field_and_entry_form() {
        let text = "\
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
        let found: Vec<Option<String>> = patch_paths(text)
            .iter()
            .map(|p| join("overlays/prod", p))
            .collect();
        let want = [
            "overlays/prod/a.yaml",
            "overlays/shared/b.yaml",
            "overlays/prod/c.yaml",
            "overlays/prod/d.yaml",
            "overlays/prod/e.json",
        ];
        assert_eq!(found, want.map(|w| Some(w.to_string())));
    }

    #[test]
    fn paths_resolve_lexically() {
        assert_eq!(join("", "x.yaml").as_deref(), Some("x.yaml"));
        assert_eq!(join("a/b", "../../x.yaml").as_deref(), Some("x.yaml"));
        // Above the scan root: a name no scanned file has.
        assert_eq!(join("a", "../../x.yaml").as_deref(), Some("../x.yaml"));
        assert_eq!(join("a", "/etc/x.yaml"), None);
        assert_eq!(join("a", "https://example.com/x.yaml"), None);
        assert_eq!(join("a/.", "./b//c.yaml").as_deref(), Some("a/b/c.yaml"));
    }

    #[test]
    fn invalid_or_unrelated_kustomizations_name_nothing() {
        assert!(patch_paths("patches: [unclosed").is_empty());
        assert!(patch_paths("resources:\n- deployment.yaml\n").is_empty());
        assert!(patch_paths("patches: not-a-list\n").is_empty());
    }
}
