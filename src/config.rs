//! `.infra-lint.yaml`: rule switches, levels and settings, environment globs,
//! excludes, policy directories and the default `--fail-on`.
//!
//! Parsed with `yaml_serde` (unknown keys and wrong types are errors with
//! their line); names that must exist (rule ids, setting names) are checked
//! afterwards and located with our own YAML tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::FailOn;
use crate::ingest::yaml;
use crate::model::{AttrPath, Environment};
use crate::rules::{Level, Rule};

pub const FILE_NAMES: &[&str] = &[".infra-lint.yaml", ".infra-lint.yml"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Per rule: `enabled`, `level`, `settings`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleOptions>,
    /// Rules to turn off (same as `rules: {ID: {enabled: false}}`).
    #[serde(default)]
    pub disable: Vec<String>,
    /// Globs (relative to the configuration file) naming each environment.
    #[serde(default)]
    pub environments: Environments,
    /// Globs of paths not to scan.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Directories of user Rego policies.
    #[serde(default)]
    pub policies: Vec<PathBuf>,
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    #[serde(default)]
    pub production: Vec<String>,
    #[serde(default)]
    pub staging: Vec<String>,
    #[serde(default)]
    pub development: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOptions {
    pub enabled: Option<bool>,
    pub level: Option<Level>,
    #[serde(default)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// A configuration problem at a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// A loaded configuration and the directory its relative paths start from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub dir: PathBuf,
    pub file: Option<PathBuf>,
    /// Located tree of the file, to point at names that do not exist.
    tree: Option<crate::model::Node>,
}

/// The configuration file for a scan of `start`: the nearest one found
/// walking up from it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        dir = d.parent();
    }
    None
}

/// Read a configuration file (types, unknown keys and globs are checked here;
/// rule ids and settings by [`validate`] once user policies are loaded).
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: display.clone(),
        line: 1,
        col: 1,
        message: format!("cannot read: {e}"),
    })?;
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        yaml_serde::from_str(&text).map_err(|e| {
            let (line, col) = e
                .location()
                .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
            // The position is already in front of the message.
            let message = e.to_string();
            let message = message
                .strip_suffix(&format!(" at line {line} column {col}"))
                .unwrap_or(&message)
                .to_string();
            ConfigError {
                file: display.clone(),
                line,
                col,
                message,
            }
        })?
    };
    let tree = yaml::parse_stream(&text)
        .ok()
        .and_then(|d| d.into_iter().next())
        .map(|d| d.root);
    let loaded = Loaded {
        config,
        // Absolute, so globs (matched against absolute paths made relative to
        // it) also work for `--config some/relative/file.yaml`.
        dir: path
            .canonicalize()
            .or_else(|_| std::path::absolute(path))
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default(),
        file: Some(path.to_path_buf()),
        tree,
    };
    for (env, globs) in loaded.config.environments.all() {
        for g in globs {
            if let Err(e) = globset::Glob::new(g) {
                return Err(loaded.error_at(
                    &["environments", env.as_str()],
                    format!("bad glob {g:?}: {e}"),
                ));
            }
        }
    }
    for (i, g) in loaded.config.exclude.iter().enumerate() {
        if let Err(e) = globset::Glob::new(g) {
            let mut err = loaded.error_at(&["exclude"], format!("bad glob {g:?}: {e}"));
            // Point at the glob itself, not at `exclude:`.
            if let Some(item) = loaded
                .tree
                .as_ref()
                .and_then(|t| t.get("exclude"))
                .and_then(|d| d.index(i))
            {
                err.line = item.span.start.line.max(1);
                err.col = item.span.start.col.max(1);
            }
            return Err(err);
        }
    }
    Ok(loaded)
}

impl Loaded {
    fn display(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(String::new, |f| f.display().to_string())
    }

    fn error_at(&self, keys: &[&str], message: String) -> ConfigError {
        let pos = self
            .tree
            .as_ref()
            .map(|t| {
                t.locate(&AttrPath::root().join(keys.iter().copied()).0)
                    .0
                    .start
            })
            .unwrap_or_default();
        ConfigError {
            file: self.display(),
            line: pos.line.max(1),
            col: pos.col.max(1),
            message,
        }
    }
}

/// Check the rule ids and settings the configuration names.
pub fn validate(loaded: &Loaded, rules: &[&'static Rule]) -> Result<(), ConfigError> {
    let config = &loaded.config;
    let display = loaded.display();
    let tree = &loaded.tree;
    let at = |keys: &[&str], message: String| loaded.error_at(keys, message);
    let known = |id: &str| {
        rules
            .iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id) || r.meta.slug == id)
    };
    for (id, options) in &config.rules {
        let Some(rule) = known(id) else {
            return Err(at(
                &["rules", id],
                format!("unknown rule {id} (see `infra-lint rules`)"),
            ));
        };
        for (name, value) in &options.settings {
            let Some(setting) = rule.meta.settings.iter().find(|s| s.name == name) else {
                let names: Vec<&str> = rule.meta.settings.iter().map(|s| s.name).collect();
                return Err(at(
                    &["rules", id, "settings", name],
                    format!(
                        "rule {} has no setting {name} (settings: {})",
                        rule.meta.id,
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                ));
            };
            let default: serde_json::Value =
                serde_json::from_str(setting.default).unwrap_or_default();
            if !same_type(&default, value) {
                return Err(at(
                    &["rules", id, "settings", name],
                    format!(
                        "setting {name} of {} must be like {}, not {value}",
                        rule.meta.id, setting.default
                    ),
                ));
            }
        }
    }
    for (i, id) in config.disable.iter().enumerate() {
        if known(id).is_none() {
            let pos = tree
                .as_ref()
                .and_then(|t| t.get("disable"))
                .and_then(|d| d.index(i))
                .map(|n| n.span.start)
                .unwrap_or_default();
            return Err(ConfigError {
                file: display.clone(),
                line: pos.line.max(1),
                col: pos.col.max(1),
                message: format!("unknown rule {id} (see `infra-lint rules`)"),
            });
        }
    }
    Ok(())
}

fn same_type(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    matches!(
        (a, b),
        (J::Bool(_), J::Bool(_))
            | (J::Number(_), J::Number(_))
            | (J::String(_), J::String(_))
            | (J::Array(_), J::Array(_))
            | (J::Object(_), J::Object(_))
    )
}

impl Environments {
    pub fn all(&self) -> [(Environment, &Vec<String>); 3] {
        [
            (Environment::Production, &self.production),
            (Environment::Staging, &self.staging),
            (Environment::Development, &self.development),
        ]
    }
}

/// Glob matchers (globs are relative to the configuration file's directory).
pub fn matchers(globs: &[String]) -> Vec<globset::GlobMatcher> {
    globs
        .iter()
        .filter_map(|g| globset::Glob::new(g).ok())
        .map(|g| g.compile_matcher())
        .collect()
}
