//! K8S015 namespace-pod-security (Rego: `policies/kubernetes/namespace_pod_security.rego`).

use crate::model::Platform;
use crate::rules::{Applies, Check, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S015",
        slug: "namespace-pod-security",
        title: "Namespaces must enforce a Pod Security Standard",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "003 Namespace Strategy",
        tags: &["security", "kubernetes", "pod-security"],
        rationale: "Pod Security Admission only rejects unsafe pods in namespaces labelled `pod-security.kubernetes.io/enforce`. Without the label (or with `privileged`) any pod is admitted, whatever the workload manifests say.",
        help: "Label the namespace with `pod-security.kubernetes.io/enforce: restricted` (or `baseline`).\n\n**Bad**\n\n```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n```\n\n**Good**\n\n```yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, &["Namespace"]),
    },
    check: Check::Rego {
        package: "infralint.kubernetes.namespace_pod_security",
        file: "policies/kubernetes/namespace_pod_security.rego",
        source: include_str!("../../../policies/kubernetes/namespace_pod_security.rego"),
    },
};
