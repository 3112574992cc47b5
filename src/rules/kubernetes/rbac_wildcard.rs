//! K8S021 rbac-wildcard (Rego: `policies/kubernetes/rbac_wildcard.rego`).

use crate::model::Platform;
use crate::rules::{Applies, Check, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S021",
        slug: "rbac-wildcard",
        title: "RBAC roles must not grant wildcards",
        level: Level::Warning,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Authentication and Authorization \"minimal permissions\"; 003 RBAC least privilege",
        tags: &["security", "kubernetes", "rbac"],
        rationale: "`*` in verbs, resources or apiGroups grants everything that exists now and everything added later (new CRDs included): the opposite of least privilege.",
        help: "List the verbs, resources and API groups the subject needs.\n\n**Bad**\n\n```yaml\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n```\n\n**Good**\n\n```yaml\nrules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, &["Role", "ClusterRole"]),
    },
    check: Check::Rego {
        package: "infralint.kubernetes.rbac_wildcard",
        file: "policies/kubernetes/rbac_wildcard.rego",
        source: include_str!("../../../policies/kubernetes/rbac_wildcard.rego"),
    },
};
