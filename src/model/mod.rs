//! The resource model: what ingesters produce, rules read and policies receive.

pub mod image;
pub mod pod;
pub mod relations;
pub mod value;

use serde::Serialize;

pub use value::{AttrPath, Entry, KeyInterner, Node, Seg, Value};

use crate::source::{FileId, Location, Span};

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
    /// Terraform: the block header (`resource "aws_s3_bucket" "b"`), where
    /// findings about missing attributes point. `None`: the first line of
    /// `attributes` is the header (Kubernetes).
    pub header_span: Option<Span>,
    /// Terraform: the `module` calls this instance was created through,
    /// outermost (root module) first; findings list them as related locations.
    pub origin: Vec<Location>,
    /// Terraform: references to other resources found in attribute values:
    /// (attribute path, target address), e.g. (`bucket`, `aws_s3_bucket.b`) for
    /// `bucket = aws_s3_bucket.b.id`, (`bucket`, `aws_s3_bucket.b["x"]`) through
    /// `each.value.id` of a `for_each` over `aws_s3_bucket.b`. Addresses are
    /// full (`module.m.aws_s3_bucket.b`), indexed when the reference names an
    /// instance, and may name data sources (`data.t.n`) or unresolved modules
    /// (`module.vpc`). Empty for Kubernetes.
    pub references: Vec<(AttrPath, String)>,
    /// Terraform: the arguments whose value was computed from the instance's
    /// key (`count.index`, `each.key`, `each.value`), such as
    /// `availability_zone = var.azs[count.index]`: the instances may differ
    /// there even where the value is unknown. Empty elsewhere.
    pub keyed: Vec<std::sync::Arc<str>>,
    /// Terraform: the `count`/`for_each` of the resource, or of a module call
    /// leading to it, is unknown, so this one instance stands for any number
    /// of them, none included. Rules that count instances cannot tell.
    pub count_unknown: bool,
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
    /// The span to report for `path`: the deepest node on it that exists
    /// (the header when not even its first step exists).
    pub fn locate(&self, path: &AttrPath) -> Span {
        match self.attributes.locate(&path.0) {
            (_, 0) => self.header(),
            (span, _) => span,
        }
    }

    /// The resource header: the Terraform block header, else the first line.
    pub fn header(&self) -> Span {
        self.header_span.unwrap_or_else(|| self.attributes.anchor())
    }

    pub fn namespace_or_default(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}
