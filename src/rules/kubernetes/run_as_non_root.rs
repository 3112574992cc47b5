//! K8S001 run-as-non-root.

use super::each_container;
use crate::model::Resource;
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S001",
        slug: "run-as-non-root",
        title: "Containers must run as a non-root user",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Security > Pod Security",
        tags: &["security", "kubernetes", "pod-security"],
        rationale: "A process running as root inside a container is root on the node as soon as it escapes the container runtime. `runAsNonRoot: true` makes the kubelet refuse to start a container whose user is root. A container-level securityContext overrides the pod-level one.",
        help: "Set `runAsNonRoot: true` (and a non-zero `runAsUser`) in the pod or container securityContext.\n\n**Bad**\n\n```yaml\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n    securityContext:\n      runAsUser: 0\n```\n\n**Good**\n\n```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n  containers:\n  - name: web\n    image: nginx:1.25\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(check),
};

fn check(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    each_container(r, |pod, c| {
        if let Some((user, path)) = pod.effective_security(c, "runAsUser") {
            if user.as_i64() == Some(0) {
                out.push(Hit::new(
                    path,
                    format!(
                        "{} of {} runs as root (runAsUser: 0)",
                        c.describe(),
                        r.address
                    ),
                ));
                return;
            }
        }
        match pod.effective_security(c, "runAsNonRoot") {
            Some((v, _)) if v.is_true() => {}
            Some((v, path)) => out.push(Hit::new(path, format!(
                    "{} of {} sets runAsNonRoot to {}",
                    c.describe(),
                    r.address,
                    v.scalar_text().unwrap_or_else(|| "a non-boolean".into())
                ))),
            None => out.push(Hit::new(c.at(["securityContext", "runAsNonRoot"]), format!(
                    "{} of {} does not set runAsNonRoot: true (neither the container nor the pod securityContext does)",
                    c.describe(),
                    r.address
                ))),
        }
    });
}
