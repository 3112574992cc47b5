//! K8S006 resource-requests and K8S007 resource-limits.

use super::each_container;
use crate::model::pod::ContainerKind;
use crate::model::Resource;
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

pub static REQUESTS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S006",
        slug: "resource-requests",
        title: "Containers must request CPU and memory",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Resource Limits; 003 \"Every pod must specify\"",
        tags: &["reliability", "kubernetes", "resources"],
        rationale: "Without requests the scheduler places pods blindly and the pod gets the BestEffort QoS class, first to be evicted under pressure. The guides require requests to be written even where limits are: Kubernetes would copy a limit into a missing request, but then the request silently follows every change of the limit.",
        help: "Set `resources.requests.cpu` and `resources.requests.memory`.\n\n**Bad**\n\n```yaml\ncontainers:\n- name: web\n  image: nginx:1.25\n```\n\n**Good**\n\n```yaml\ncontainers:\n- name: web\n  image: nginx:1.25\n  resources:\n    requests:\n      cpu: 250m\n      memory: 256Mi\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(requests),
};

pub static LIMITS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S007",
        slug: "resource-limits",
        title: "Containers must set CPU and memory limits",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Resource Limits; 003 Resource Management",
        tags: &["reliability", "kubernetes", "resources"],
        rationale: "A container without a memory limit can exhaust the node and get its neighbours OOM-killed; without a CPU limit it can starve them. The guides require limits on every container.",
        help: "Set `resources.limits.cpu` and `resources.limits.memory` (and `ephemeral-storage` when the `require_ephemeral_storage` setting is on).\n\n**Bad**\n\n```yaml\nresources:\n  requests:\n    cpu: 250m\n    memory: 256Mi\n```\n\n**Good**\n\n```yaml\nresources:\n  requests:\n    cpu: 250m\n    memory: 256Mi\n  limits:\n    cpu: \"1\"\n    memory: 512Mi\n```",
        settings: &[Setting {
            name: "require_ephemeral_storage",
            default: "false",
            help: "Also require `limits.ephemeral-storage`.",
        }],
        applies: Applies::Workloads,
    },
    check: Check::Native(limits),
};

fn requests(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    missing_resources(r, "requests", &["cpu", "memory"], out);
}

fn limits(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let mut wanted = vec!["cpu", "memory"];
    if ctx.settings.bool(ctx.rule, "require_ephemeral_storage") {
        wanted.push("ephemeral-storage");
    }
    missing_resources(r, "limits", &wanted, out);
}

fn missing_resources(r: &Resource, section: &str, wanted: &[&str], out: &mut Vec<Hit>) {
    each_container(r, |_, c| {
        // Ephemeral (debug) containers cannot declare resources.
        if c.kind == ContainerKind::Ephemeral {
            return;
        }
        let set = |kind: &str, name: &str| {
            c.node
                .get_path(&["resources", kind, name])
                .is_some_and(|v| !v.is_empty_collection())
        };
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            // A limit without a request does not count as one: Kubernetes
            // would copy it, but the guides require requests to be written.
            .filter(|name| !set(section, name))
            .collect();
        let Some(first) = missing.first() else { return };
        out.push(Hit::new(
            c.at(["resources", section, first]),
            format!(
                "{} of {} has no {} {section}",
                c.describe(),
                r.address,
                missing.join(" and ")
            ),
        ));
    });
}
