//! Environment classification (RULES.md "Environments"), shared by all ingesters.
//!
//! First match wins: `--env`, configuration globs, a path segment, a marker on
//! the resource, then production (unknown is treated strictly).

use std::path::{Path, PathBuf};

use crate::model::{EnvSource, Environment};

/// Map one word to an environment: `prod`, `stg`, `dev`, …
pub fn from_word(word: &str) -> Option<Environment> {
    match word.to_ascii_lowercase().as_str() {
        "prod" | "production" | "prd" => Some(Environment::Production),
        "staging" | "stage" | "stg" => Some(Environment::Staging),
        "dev" | "development" | "sandbox" | "local" => Some(Environment::Development),
        _ => None,
    }
}

/// A name such as `prod`, `env-prod`, `values-staging` or `shop_dev`: the
/// whole name or its last `-`/`_`/`.`-separated word. Only the last word
/// counts, so `local-path-provisioner` or `dev-tools-prod` read right.
pub fn from_name(name: &str) -> Option<Environment> {
    from_word(name).or_else(|| name.rsplit(['-', '_', '.']).next().and_then(from_word))
}

/// The environment a relative path names: the deepest matching directory or
/// file stem (`values-prod.yaml` counts).
pub fn from_path(display: &str) -> Option<Environment> {
    let mut segments: Vec<&str> = display.split(['/', '\\']).collect();
    if let Some(file) = segments.pop() {
        let stem = file.split('.').next().unwrap_or(file);
        if let Some(env) = from_name(stem) {
            return Some(env);
        }
    }
    segments.iter().rev().find_map(|s| from_name(s))
}

/// What environment path segments are read relative to, for a scan rooted
/// at `root` (absolute): the repository holding it (the nearest folder with
/// `.git`), else the working directory if `root` is inside it, else `root`.
/// Folders above the repository say nothing of the environment: a checkout
/// under `~/dev/` or `/srv/sandbox/` is not development.
pub fn class_base(root: &Path, cwd: &Path) -> PathBuf {
    let root = crate::discover::normalize(&cwd.join(root));
    let dir = if root.is_file() {
        root.parent()
            .map_or_else(|| root.clone(), Path::to_path_buf)
    } else {
        root.clone()
    };
    if let Some(repo) = dir.ancestors().find(|d| d.join(".git").exists()) {
        return repo.to_path_buf();
    }
    let cwd = crate::discover::normalize(cwd);
    if dir.starts_with(&cwd) {
        cwd
    } else {
        dir
    }
}

/// The environment markers of a Terraform resource: the `Environment`,
/// `environment`, `env` or `Env` key of its tags (`tags_all`, else `tags`:
/// AWS, Azure) or labels (`labels`, `resource_labels` of a GKE cluster,
/// `settings.user_labels` of a Cloud SQL instance: Google).
pub fn terraform_markers(attributes: &crate::model::Node) -> Vec<Option<String>> {
    use crate::model::Node;
    let maps = [
        attributes
            .get("tags_all")
            .or_else(|| attributes.get("tags")),
        attributes.get("labels"),
        attributes.get("resource_labels"),
        attributes
            .get_path(&["settings"])
            .and_then(|s| s.items().first().unwrap_or(s).get("user_labels")),
    ];
    maps.iter()
        .flatten()
        .flat_map(|map| {
            ["Environment", "environment", "env", "Env"]
                .iter()
                .map(|k| map.get(k).and_then(Node::scalar_text))
        })
        .collect()
}

/// Classifies resources of one scan.
#[derive(Clone, Debug, Default)]
pub struct Classifier {
    /// `--env`: overrides everything.
    pub forced: Option<Environment>,
    /// Configuration globs, in order (first match wins), relative to `base`.
    pub globs: Vec<(globset::GlobMatcher, Environment)>,
    /// The configuration file's folder (globs are relative to it).
    pub base: Option<PathBuf>,
    /// What the paths given to [`Classifier::classify`] are relative to
    /// ([`class_base`]); the working directory when unset.
    pub class_base: Option<PathBuf>,
}

impl Classifier {
    /// Classify a resource of file `display`, given the markers found on it.
    pub fn classify(&self, display: &str, markers: &[Option<&str>]) -> (Environment, EnvSource) {
        if let Some(env) = self.forced {
            return (env, EnvSource::Cli);
        }
        if !self.globs.is_empty() {
            let relative = self.base.as_ref().and_then(|base| {
                let from = match &self.class_base {
                    Some(b) => b.clone(),
                    None => std::env::current_dir().ok()?,
                };
                crate::discover::relative(
                    &crate::discover::normalize(&from.join(display)),
                    &crate::discover::normalize(base),
                )
            });
            let path = relative.as_deref().unwrap_or(display);
            if let Some((_, env)) = self.globs.iter().find(|(g, _)| g.is_match(path)) {
                return (*env, EnvSource::Config);
            }
        }
        if let Some(env) = from_path(display) {
            return (env, EnvSource::Path);
        }
        by_markers(markers).unwrap_or((Environment::Production, EnvSource::Default))
    }
}

/// The environment that markers (tags, labels) name, if any: the last step
/// of [`Classifier::classify`], for callers that already know the path names none.
pub fn by_markers(markers: &[Option<&str>]) -> Option<(Environment, EnvSource)> {
    markers
        .iter()
        .flatten()
        .find_map(|m| from_name(m))
        .map(|env| (env, EnvSource::Marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            from_path("envs/prod/app.yaml"),
            Some(Environment::Production)
        );
        assert_eq!(
            from_path("overlays/staging/x.yaml"),
            Some(Environment::Staging)
        );
        assert_eq!(
            from_path("charts/app/values-dev.yaml"),
            Some(Environment::Development)
        );
        assert_eq!(from_path("deploy/local-path-provisioner.yaml"), None);
        assert_eq!(from_path("product/app.yaml"), None);
        assert_eq!(
            from_path("prod/dev/app.yaml"),
            Some(Environment::Development)
        );
        assert_eq!(
            from_path("cluster-prd/app.yaml"),
            Some(Environment::Production)
        );
    }

    #[test]
    fn order() {
        let c = Classifier::default();
        assert_eq!(
            c.classify("dev/a.yaml", &[Some("production")]),
            (Environment::Development, EnvSource::Path)
        );
        assert_eq!(
            c.classify("a.yaml", &[None, Some("shop-staging")]),
            (Environment::Staging, EnvSource::Marker)
        );
        assert_eq!(
            c.classify("a.yaml", &[]),
            (Environment::Production, EnvSource::Default)
        );
    }
}
