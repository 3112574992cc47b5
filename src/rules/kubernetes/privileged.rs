//! K8S005 privileged-or-host-namespaces (Rego: `policies/kubernetes/privileged.rego`).

use crate::rules::{Applies, Check, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S005",
        slug: "privileged-or-host-namespaces",
        title: "No privileged containers or host namespaces",
        level: Level::Error,
        security_severity: "9.0",
        scope: Scope::All,
        guide: "003 Namespace Strategy (restricted Pod Security Standard)",
        tags: &["security", "kubernetes", "pod-security"],
        rationale: "A privileged container has every capability and all host devices: it is root on the node. Sharing the host's network, PID or IPC namespace lets a pod sniff node traffic, signal host processes or read their shared memory. The baseline Pod Security Standard forbids all of them.",
        help: "Remove `privileged: true` and the `hostNetwork`, `hostPID`, `hostIPC` flags.\n\n**Bad**\n\n```yaml\nspec:\n  hostNetwork: true\n  containers:\n  - name: agent\n    image: example/agent:2.1.0\n    securityContext:\n      privileged: true\n```\n\n**Good**\n\n```yaml\nspec:\n  containers:\n  - name: agent\n    image: example/agent:2.1.0\n    securityContext:\n      privileged: false\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Rego {
        package: "infralint.kubernetes.privileged",
        file: "policies/kubernetes/privileged.rego",
        source: include_str!("../../../policies/kubernetes/privileged.rego"),
    },
};
