//! The resource model: what ingesters produce, rules read and policies receive.

pub mod pod;
pub mod relations;
pub mod value;

use serde::Serialize;

pub use value::{AttrPath, Entry, Node, Seg, Value};

use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Kubernetes,
    Terraform,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Production,
    Staging,
    Development,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Staging => "staging",
            Environment::Development => "development",
        }
    }
}

/// Why a resource got its environment, for `inspect` and for explaining silence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvSource {
    Cli,
    Config,
    Path,
    Marker,
    Default,
}

/// One resource: a Kubernetes object or a Terraform resource instance.
#[derive(Debug)]
pub struct Resource {
    pub platform: Platform,
    pub file: FileId,
    /// Kubernetes `kind`, or the Terraform resource type.
    pub kind: Box<str>,
    pub api_version: Option<Box<str>>,
    pub name: Box<str>,
    pub namespace: Option<Box<str>>,
    /// Stable identity used in messages and fingerprints, e.g. `Deployment/shop/web`.
    pub address: String,
    pub environment: Environment,
    pub env_source: EnvSource,
    /// The whole object (Kubernetes) or the evaluated block (Terraform).
    pub attributes: Node,
    /// Where the pod spec sits, for every kind with a pod template.
    pub pod_spec: Option<AttrPath>,
    /// The Helm chart template this object was rendered from, if known.
    pub helm: Option<HelmOrigin>,
}

/// Where a rendered Kubernetes object came from (`# Source:` comment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmOrigin {
    /// As Helm wrote it: `chart/templates/deployment.yaml`.
    pub source: Box<str>,
    /// The template file, when it is under the scan root.
    pub template: Option<FileId>,
}

impl Resource {
    /// The span to report for `path`: the deepest node on it that exists.
    pub fn locate(&self, path: &AttrPath) -> Span {
        self.attributes.locate(&path.0).0
    }

    /// The resource header: its first line.
    pub fn header(&self) -> Span {
        self.attributes.anchor()
    }

    pub fn namespace_or_default(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}
