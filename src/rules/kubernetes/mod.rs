//! Kubernetes rules. Each file holds one rule: metadata, docs and check.

mod availability;
mod capabilities;
mod image_pinned;
mod isolation;
mod namespace_pod_security;
mod privileged;
mod probes;
mod rbac_wildcard;
mod resources;
mod run_as_non_root;
mod secret_env;
mod secret_manifest;
mod security_flags;
mod storage_class;

use crate::model::pod::{Container, PodView};
use crate::model::Resource;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &run_as_non_root::RULE,
    &security_flags::NO_PRIVILEGE_ESCALATION,
    &security_flags::READ_ONLY_ROOT_FS,
    &capabilities::RULE,
    &privileged::RULE,
    &resources::REQUESTS,
    &resources::LIMITS,
    &probes::READINESS,
    &probes::LIVENESS,
    &image_pinned::RULE,
    &availability::MIN_REPLICAS,
    &availability::HPA_MIN_REPLICAS,
    &availability::PDB,
    &availability::ZONE_SPREAD,
    &namespace_pod_security::RULE,
    &isolation::DEFAULT_DENY,
    &isolation::RESOURCE_QUOTA,
    &secret_env::RULE,
    &secret_manifest::RULE,
    &storage_class::RULE,
    &rbac_wildcard::RULE,
];

/// Call `f` for every container of a workload.
fn each_container<'a>(r: &'a Resource, mut f: impl FnMut(&PodView<'a>, &Container<'a>)) {
    if let Some(pod) = PodView::of(r) {
        for c in pod.containers() {
            f(&pod, &c);
        }
    }
}
