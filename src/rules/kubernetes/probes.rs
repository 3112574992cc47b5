//! K8S008 readiness-probe and K8S009 liveness-probe.

use super::each_container;
use crate::model::pod::ContainerKind;
use crate::model::Resource;
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static READINESS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S008",
        slug: "readiness-probe",
        title: "Long-running containers need a readiness probe",
        level: Level::Warning,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "003 Resource Management, Health Checks",
        tags: &["reliability", "kubernetes", "health-checks"],
        rationale: "Without a readiness probe a pod receives traffic as soon as its process starts, before it can serve, and keeps receiving it when it can no longer serve. Jobs, CronJobs, run-once Pods and init containers are exempt; native sidecars (init containers with `restartPolicy: Always`) are not.",
        help: "Add a `readinessProbe` to every container that serves.\n\n**Bad**\n\n```yaml\ncontainers:\n- name: api\n  image: example/api:1.4.2\n```\n\n**Good**\n\n```yaml\ncontainers:\n- name: api\n  image: example/api:1.4.2\n  readinessProbe:\n    httpGet:\n      path: /ready\n      port: 8080\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(readiness),
};

pub static LIVENESS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S009",
        slug: "liveness-probe",
        title: "Long-running containers need a liveness probe",
        level: Level::Warning,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "003 Health Checks",
        tags: &["reliability", "kubernetes", "health-checks"],
        rationale: "Without a liveness probe a deadlocked process keeps its pod Running forever; the kubelet only restarts containers whose process exits. Jobs, CronJobs, run-once Pods and init containers are exempt; native sidecars are not.",
        help: "Add a `livenessProbe` to every long-running container.\n\n**Bad**\n\n```yaml\ncontainers:\n- name: api\n  image: example/api:1.4.2\n```\n\n**Good**\n\n```yaml\ncontainers:\n- name: api\n  image: example/api:1.4.2\n  livenessProbe:\n    httpGet:\n      path: /healthz\n      port: 8080\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(liveness),
};

fn readiness(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    require_probe(r, "readinessProbe", out);
}

fn liveness(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    require_probe(r, "livenessProbe", out);
}

fn require_probe(r: &Resource, probe: &str, out: &mut Vec<Hit>) {
    each_container(r, |pod, c| {
        let long_running = match c.kind {
            ContainerKind::Container => true,
            ContainerKind::Init => c.is_sidecar(),
            ContainerKind::Ephemeral => false,
        };
        if !long_running || !pod.is_long_running() {
            return;
        }
        if c.node.get(probe).is_some_and(|p| !p.is_empty_collection()) {
            return;
        }
        out.push(Hit::new(
            c.at([probe]),
            format!("{} of {} has no {probe}", c.describe(), r.address),
        ));
    });
}
