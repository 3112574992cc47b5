//! AWS rules over Terraform resources. Each family file holds its rules:
//! metadata, docs and check.
//!
//! Values may be `Unknown` (known only after apply): a rule never reports a
//! violation on an unknown value (see [`Tri`]).

mod backend;
mod ebs;
mod eks;
mod elasticache;
mod kms;
mod lb;
mod logs;
mod rds;
mod s3;
mod secrets;
mod tags;
mod vpc;

use crate::model::{AttrPath, Node, Resource, Value};
use crate::rules::{Ctx, Rule};

pub use s3::{read_across_roots, reads_other_roots};

pub static RULES: &[&Rule] = &[
    &rds::STORAGE_ENCRYPTED,
    &rds::MULTI_AZ,
    &rds::BACKUP_RETENTION,
    &rds::PUBLIC,
    &rds::DELETION_PROTECTION,
    &rds::MONITORING,
    &rds::FORCE_SSL,
    &elasticache::ENCRYPTION_AT_REST,
    &elasticache::ENCRYPTION_IN_TRANSIT,
    &elasticache::AUTH,
    &elasticache::FAILOVER,
    &elasticache::SNAPSHOT_RETENTION,
    &s3::ENCRYPTION_KMS,
    &s3::VERSIONING_ENABLED,
    &s3::LIFECYCLE_RULES,
    &s3::PUBLIC_ACCESS_BLOCKED,
    &kms::KEY_ROTATION,
    &secrets::ROTATION_ENABLED,
    &secrets::ROTATION_PERIOD,
    &eks::SECRETS_ENCRYPTION,
    &eks::CONTROL_PLANE_LOGGING,
    &eks::PUBLIC_ENDPOINT,
    &eks::NODE_GROUP_MIN_SIZE,
    &eks::VERSION,
    &vpc::FLOW_LOGS,
    &vpc::OPEN_INGRESS,
    &vpc::NAT_PER_AZ,
    &vpc::MULTI_AZ_SUBNETS,
    &lb::LB_HTTPS,
    &lb::WAF_ATTACHED,
    &lb::CLOUDFRONT_TLS,
    &logs::LOG_GROUP_RETENTION,
    &tags::REQUIRED_TAGS,
    &ebs::EBS_ENCRYPTED,
    &backend::STATE_BACKEND_SECURE,
];

/// A three-valued reading of an attribute: set, not set, or not knowable statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

/// The attribute `name` of `r`, treating `null` as absent.
pub fn attr<'a>(r: &'a Resource, name: &str) -> Option<&'a Node> {
    r.attributes
        .get(name)
        .filter(|n| !matches!(n.value, Value::Null))
}

/// A node's child `name`, treating `null` as absent.
pub fn child<'a>(n: &'a Node, name: &str) -> Option<&'a Node> {
    n.get(name).filter(|n| !matches!(n.value, Value::Null))
}

/// Whether a boolean attribute is true: unknown values say so.
pub fn truth(n: Option<&Node>) -> Tri {
    match n.map(|n| &n.value) {
        None | Some(Value::Null) => Tri::No,
        Some(Value::Unknown) => Tri::Unknown,
        Some(Value::Bool(b)) => {
            if *b {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        // Terraform converts "true" and "1" strings to bool arguments.
        Some(Value::Str(s)) if s.eq_ignore_ascii_case("true") || &**s == "1" => Tri::Yes,
        Some(_) => Tri::No,
    }
}

/// A number attribute: `Err(())` when unknown.
// `Err` only ever means "unknown": there is nothing more to carry.
#[allow(clippy::result_unit_err)]
pub fn number(n: Option<&Node>) -> Result<Option<f64>, ()> {
    match n.map(|n| &n.value) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Unknown) => Err(()),
        Some(Value::Int(i)) => Ok(Some(*i as f64)),
        Some(Value::Float(f)) => Ok(Some(*f)),
        Some(Value::Str(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// Nested blocks `name` of a node (always a list in the model).
pub fn blocks<'a>(n: &'a Node, name: &str) -> &'a [Node] {
    n.get(name).map(Node::items).unwrap_or_default()
}

/// Resources of kind `kind` that reference `r` through the attribute `via`
/// (`aws_s3_bucket_versioning` → its bucket by `bucket`).
pub fn companions<'a>(ctx: &'a Ctx, r: &Resource, kind: &str, via: &str) -> Vec<&'a Resource> {
    // Only within r's root module: other roots may declare the same address.
    ctx.relations
        .referrers_in(r, &r.address)
        .filter(|(i, path)| {
            let c = &ctx.resources[*i];
            &*c.kind == kind
                && path
                    .0
                    .first()
                    .is_some_and(|s| *s == crate::model::Seg::Key(via.into()))
        })
        .map(|(i, _)| &ctx.resources[*i])
        .collect()
}

/// Path of a top-level attribute.
pub fn path(names: &[&str]) -> AttrPath {
    AttrPath::root().join(names.iter().copied())
}
