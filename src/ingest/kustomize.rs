//! Kustomize: the files kustomizations apply as patches, and what their
//! builds change in the objects they list.
//!
//! A patch (`patches`, `patchesStrategicMerge`, `patchesJson6902`) is a
//! partial object that `kustomize build` merges into a resource. Read as a
//! resource of its own it lacks everything it leaves unchanged (replicas,
//! securityContext, probes…), so the rules about what an object lacks would
//! misfire on it: the scan marks such files ([`crate::source::SourceFile::patch`])
//! and runs only the rules about values a patch writes
//! ([`crate::rules::runs_on_patches`]).
//!
//! The objects a kustomization lists (`resources`, through `bases` and
//! overlays) get its `namespace` and `images` settings when built: a base
//! may name `image: shop-api` and leave the tag to its overlays. Each file
//! listed gets the [`Builds`] it goes through, from its own kustomization up
//! to every overlay including it that no other includes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::{normalize, Candidate};
use crate::model::image::ImageRef;
use crate::model::{Node, Value};

/// The file names kustomize reads a kustomization (or component) from.
const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether `path` names a kustomization file.
pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

/// What the scan's kustomizations say of its files: which are patches, and
/// the builds the files they list go through.
#[derive(Debug, Default)]
pub struct Kustomizations {
    patches: HashSet<String>,
    /// By report name; only files some build changes.
    builds: HashMap<String, Builds>,
    /// Notes on resources (bases) a kustomization of the scan includes from
    /// outside the scanned folder: their objects are not scanned.
    pub notes: Vec<String>,
}

/// One kustomization file, read.
struct Read {
    /// Its folder (absolute), how other kustomizations include it.
    dir: PathBuf,
    spec: Spec,
    /// `resources`, `bases` and `components`, resolved (absolute).
    included: Vec<PathBuf>,
    /// `components`, resolved: their settings apply to this kustomization's
    /// whole build.
    components: Vec<PathBuf>,
    /// `patches` files, resolved: the build's images apply to what they write.
    patches: Vec<PathBuf>,
}

impl Kustomizations {
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
    ) -> Kustomizations {
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
        let read: Vec<Read> = files
            .par_iter()
            .map(|file| {
                let text = std::fs::metadata(file)
                    .ok()
                    .filter(|m| m.len() <= max_file_size)
                    .and_then(|_| std::fs::read_to_string(file).ok())
                    .unwrap_or_default();
                let dir = file.parent().unwrap_or(file).to_path_buf();
                let spec = Spec::read(&text);
                let resolve = |paths: &[String]| -> Vec<PathBuf> {
                    paths
                        .iter()
                        .filter(|p| local(p))
                        .map(|p| normalize(&dir.join(p)))
                        .collect()
                };
                Read {
                    included: resolve(&spec.included),
                    components: resolve(&spec.components),
                    patches: resolve(&spec.patches),
                    dir,
                    spec,
                }
            })
            .collect();
        let mut out = Kustomizations::default();
        for (file, k) in files.iter().zip(&read) {
            out.patches.extend(
                k.patches
                    .iter()
                    .filter_map(|p| crate::discover::relative(p, root)),
            );
            // Only the scan's own kustomizations: one above it includes
            // what the scan leaves out by design.
            if file.starts_with(root) {
                out.notes.extend(
                    k.included
                        .iter()
                        .filter(|p| !p.starts_with(root) && p.exists())
                        .map(|p| {
                            format!(
                                "{} includes {}, outside the scanned folder: its objects are not scanned (scan the folder holding both, or pipe `kubectl kustomize` into `infra-lint -`)",
                                display(file, root),
                                display(p, root)
                            )
                        }),
                );
            }
        }
        out.notes.sort();
        out.notes.dedup();
        out.builds = builds(&read, root);
        out
    }

    /// Whether the file reported as `display` (normalized by the walk) is a patch.
    pub fn is_patch(&self, display: &str) -> bool {
        !self.patches.is_empty() && self.patches.contains(display)
    }

    /// The builds that change the objects of the file reported as `display`.
    pub fn builds_of(&self, display: &str) -> Option<&Builds> {
        if self.builds.is_empty() {
            return None;
        }
        self.builds.get(display)
    }
}

/// One `images:` entry: objects' images named `name` get the new name, tag
/// or digest.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ImageSetting {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
}

impl ImageSetting {
    fn read(item: &Node) -> Option<ImageSetting> {
        let field = |k: &str| item.get(k).and_then(Node::as_str).map(str::to_string);
        Some(ImageSetting {
            name: field("name")?,
            new_name: field("newName"),
            new_tag: field("newTag"),
            digest: field("digest"),
        })
    }

    /// `image` as this setting leaves it. As `kustomize build` does: a new
    /// tag drops the digest and a new digest drops the tag, unless both are
    /// given.
    fn apply(&self, image: &str) -> Option<String> {
        let old = ImageRef::parse(image);
        if old.name != self.name {
            return None;
        }
        let (tag, digest) = match (self.new_tag.as_deref(), self.digest.as_deref()) {
            (None, None) => (old.tag, old.digest),
            set => set,
        };
        let new = ImageRef {
            name: self.new_name.as_deref().unwrap_or(old.name),
            tag,
            digest,
        };
        Some(new.to_string())
    }
}

/// What one `kustomize build` does to a file's objects: the build of a
/// kustomization that no other includes, through the ones between it and
/// the kustomization listing the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Build {
    /// The outermost `namespace:` on the way (it overrides the inner ones).
    namespace: Option<String>,
    /// Innermost kustomization's first: each applies to what the inner
    /// ones made.
    images: Vec<ImageSetting>,
}

impl Build {
    fn image(&self, image: &str) -> String {
        self.images
            .iter()
            .fold(image.to_string(), |now, s| s.apply(&now).unwrap_or(now))
    }
}

/// The builds a file's objects go through (at least one).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Builds(Vec<Build>);

impl Builds {
    /// The namespace every build gives the file's namespaced objects, when
    /// they agree.
    pub fn namespace(&self) -> Option<&str> {
        let first = self.0.first()?.namespace.as_deref()?;
        self.0
            .iter()
            .all(|b| b.namespace.as_deref() == Some(first))
            .then_some(first)
    }

    /// The image a container written with `image` runs, when a build
    /// changes it: the least pinned one of the builds (the first of those),
    /// so that a rule on pinning holds for every build.
    pub fn image(&self, image: &str) -> Option<String> {
        let built: Vec<String> = self.0.iter().map(|b| b.image(image)).collect();
        let weakest = built.iter().min_by_key(|i| ImageRef::parse(i).pinning())?;
        (weakest != image).then(|| weakest.clone())
    }

    /// Rewrite the images of `object`'s containers and init containers
    /// (kustomize leaves ephemeral containers alone), at any depth.
    pub fn rewrite_images(&self, object: &mut Node) {
        if self.0.iter().all(|b| b.images.is_empty()) {
            return;
        }
        match &mut object.value {
            Value::Map(entries) => {
                for entry in entries {
                    if matches!(&*entry.key, "containers" | "initContainers") {
                        for container in entry.value.items_mut() {
                            self.rewrite_image(container);
                        }
                    }
                    self.rewrite_images(&mut entry.value);
                }
            }
            Value::Seq(items) => items.iter_mut().for_each(|n| self.rewrite_images(n)),
            _ => {}
        }
    }

    fn rewrite_image(&self, container: &mut Node) {
        let Value::Map(entries) = &mut container.value else {
            return;
        };
        for entry in entries.iter_mut().filter(|e| &*e.key == "image") {
            if let Value::Str(image) = &mut entry.value.value {
                if let Some(new) = self.image(image) {
                    *image = new.into();
                }
            }
        }
    }
}

/// Longest chain of kustomizations followed, and most builds kept per file:
/// bounds for cyclic or generated trees.
const MAX_DEPTH: usize = 32;
const MAX_BUILDS: usize = 64;

/// The builds of every file a kustomization lists (resources and patches),
/// by report name; files no build changes are left out.
fn builds(read: &[Read], root: &Path) -> HashMap<String, Builds> {
    if read
        .iter()
        .all(|k| k.spec.namespace.is_none() && k.spec.images.is_empty())
    {
        return HashMap::new();
    }
    let by_dir: HashMap<&Path, usize> = read
        .iter()
        .enumerate()
        .rev()
        .map(|(i, k)| (k.dir.as_path(), i))
        .collect();
    let mut graph = Graph {
        read,
        parents: vec![Vec::new(); read.len()],
        components: vec![Vec::new(); read.len()],
    };
    // Who includes each kustomization, and which kustomizations list each
    // file (as a resource or as a patch).
    let mut listing: HashMap<&Path, Vec<usize>> = HashMap::new();
    for (i, k) in read.iter().enumerate() {
        for p in &k.included {
            match by_dir.get(p.as_path()) {
                Some(&j) if j != i => graph.parents[j].push(i),
                Some(_) => {}
                None => listing.entry(p.as_path()).or_default().push(i),
            }
        }
        for p in &k.patches {
            listing.entry(p.as_path()).or_default().push(i);
        }
        graph.components[i] = k
            .components
            .iter()
            .filter_map(|p| by_dir.get(p.as_path()).copied())
            .filter(|&j| j != i)
            .collect();
    }
    let mut out = HashMap::new();
    // The builds from each kustomization, walked once for all its files.
    let mut from: Vec<Option<Vec<Build>>> = vec![None; read.len()];
    for (file, kustomizations) in listing {
        let Some(display) = crate::discover::relative(file, root) else {
            continue;
        };
        let mut found = Vec::new();
        for &k in &kustomizations {
            let builds = from[k].get_or_insert_with(|| {
                let mut builds = Vec::new();
                graph.walk_up(k, &mut vec![k], &mut builds);
                builds
            });
            found.extend(builds.iter().cloned());
        }
        found.truncate(MAX_BUILDS);
        found.dedup();
        if found
            .iter()
            .any(|b| b.namespace.is_some() || !b.images.is_empty())
        {
            out.insert(display, Builds(found));
        }
    }
    out
}

/// How the scan's kustomizations include one another.
struct Graph<'a> {
    read: &'a [Read],
    /// The kustomizations including each one.
    parents: Vec<Vec<usize>>,
    /// The components each one includes.
    components: Vec<Vec<usize>>,
}

impl Graph<'_> {
    /// Add the builds of the chains from `chain` (innermost first, ending
    /// at `k`) up to kustomizations that nothing includes.
    fn walk_up(&self, k: usize, chain: &mut Vec<usize>, out: &mut Vec<Build>) {
        if out.len() >= MAX_BUILDS {
            return;
        }
        let next: Vec<usize> = self.parents[k]
            .iter()
            .copied()
            .filter(|p| !chain.contains(p))
            .collect();
        if next.is_empty() || chain.len() >= MAX_DEPTH {
            let mut build = Build::default();
            for &i in chain.iter() {
                // A kustomization's components act on its whole build, before
                // its own settings.
                for spec in self.components[i]
                    .iter()
                    .map(|&c| &self.read[c].spec)
                    .chain([&self.read[i].spec])
                {
                    if spec.namespace.is_some() {
                        build.namespace.clone_from(&spec.namespace);
                    }
                    build.images.extend(spec.images.iter().cloned());
                }
            }
            out.push(build);
            return;
        }
        for p in next {
            chain.push(p);
            self.walk_up(p, chain, out);
            chain.pop();
        }
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

/// What a kustomization's text says, as written.
#[derive(Debug, Default)]
struct Spec {
    /// Files it applies as patches (`patches`, `patchesStrategicMerge`,
    /// `patchesJson6902`), relative to its folder. Inline patches
    /// (`patch: |`, a multi-line entry of `patchesStrategicMerge`) name no
    /// file and are left out.
    patches: Vec<String>,
    /// What it includes (`resources`, `bases`, `components`).
    included: Vec<String>,
    /// Its `components` alone.
    components: Vec<String>,
    namespace: Option<String>,
    images: Vec<ImageSetting>,
}

impl Spec {
    fn read(text: &str) -> Spec {
        // An invalid kustomization says nothing; its own scan reports it.
        let Ok(docs) = crate::ingest::yaml::parse_stream(text) else {
            return Spec::default();
        };
        let Some(doc) = docs.first() else {
            return Spec::default();
        };
        let list = |fields: &[&str]| -> Vec<String> {
            let mut out = Vec::new();
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
            out
        };
        Spec {
            patches: list(&["patches", "patchesStrategicMerge", "patchesJson6902"]),
            included: list(&["resources", "bases", "components"]),
            components: list(&["components"]),
            namespace: doc
                .root
                .get("namespace")
                .and_then(Node::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            images: doc
                .root
                .get("images")
                .map(|l| l.items().iter().filter_map(ImageSetting::read).collect())
                .unwrap_or_default(),
        }
    }
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
        let Spec {
            patches, included, ..
        } = Spec::read(text);
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
        let unclosed = Spec::read("patches: [unclosed");
        assert!(unclosed.patches.is_empty() && unclosed.included.is_empty());
        assert!(Spec::read("resources:\n- deployment.yaml\n")
            .patches
            .is_empty());
        assert!(Spec::read("patches: not-a-list\n").patches.is_empty());
    }

    fn setting(name: &str, tag: Option<&str>, digest: Option<&str>) -> ImageSetting {
        ImageSetting {
            name: name.into(),
            new_name: None,
            new_tag: tag.map(String::from),
            digest: digest.map(String::from),
        }
    }

    /// As `kubectl kustomize` (kustomize v5) rewrites images.
    #[test]
    fn image_settings_apply_like_kustomize() {
        let tag = setting("nginx", Some("2.0"), None);
        assert_eq!(
            tag.apply("nginx:1.0@sha256:bb").as_deref(),
            Some("nginx:2.0")
        );
        assert_eq!(tag.apply("nginx").as_deref(), Some("nginx:2.0"));
        assert_eq!(tag.apply("docker.io/library/nginx"), None);
        assert_eq!(tag.apply("nginx-extra:1"), None);
        let digest = setting("nginx", None, Some("sha256:dd"));
        assert_eq!(
            digest.apply("nginx:2.0").as_deref(),
            Some("nginx@sha256:dd")
        );
        let both = setting("nginx", Some("2"), Some("sha256:dd"));
        assert_eq!(both.apply("nginx:1").as_deref(), Some("nginx:2@sha256:dd"));
        let port = ImageSetting {
            new_name: Some("registry.local:5000/app2".into()),
            ..setting("registry.local:5000/app", None, Some("sha256:cc"))
        };
        assert_eq!(
            port.apply("registry.local:5000/app").as_deref(),
            Some("registry.local:5000/app2@sha256:cc")
        );
        assert_eq!(
            setting("app", None, None).apply("app:1").as_deref(),
            Some("app:1")
        );
    }

    #[test]
    fn builds_agree_on_a_namespace_and_report_the_weakest_image() {
        let build = |ns: Option<&str>, images: Vec<ImageSetting>| Build {
            namespace: ns.map(String::from),
            images,
        };
        let pinned = Builds(vec![
            build(Some("shop"), vec![setting("api", Some("v1"), None)]),
            build(Some("shop"), vec![setting("api", None, Some("sha256:aa"))]),
        ]);
        assert_eq!(pinned.namespace(), Some("shop"));
        assert_eq!(pinned.image("api").as_deref(), Some("api:v1"));
        assert_eq!(pinned.image("web"), None);
        let mixed = Builds(vec![
            build(Some("dev"), vec![setting("api", Some("v1"), None)]),
            build(None, vec![]),
        ]);
        assert_eq!(mixed.namespace(), None);
        assert_eq!(mixed.image("api"), None, "one build leaves it untagged");
    }

    #[test]
    fn namespace_and_images_are_read() {
        let spec = Spec::read(
            "namespace: shop\nimages:\n- name: api\n  newTag: \"1.2\"\n- name: bad\n  newTag: 1.2\n- newTag: x\n",
        );
        assert_eq!(spec.namespace.as_deref(), Some("shop"));
        assert_eq!(spec.images.len(), 2);
        assert_eq!(spec.images[0].new_tag.as_deref(), Some("1.2"));
        // kustomize refuses a number for a tag: the entry changes nothing.
        assert_eq!(spec.images[1].new_tag, None);
    }
}
