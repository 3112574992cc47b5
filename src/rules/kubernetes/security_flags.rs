//! K8S002 no-privilege-escalation and K8S003 read-only-root-filesystem:
//! container securityContext booleans that must hold a given value.

use super::each_container;
use crate::model::Resource;
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static NO_PRIVILEGE_ESCALATION: Rule = Rule {
    meta: RuleMeta {
        id: "K8S002",
        slug: "no-privilege-escalation",
        title: "Containers must not allow privilege escalation",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Security > Pod Security",
        tags: &["security", "kubernetes", "pod-security"],
        rationale: "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its parent (setuid binaries, file capabilities). Kubernetes defaults it to true, so it must be set explicitly on every container.",
        help: "Set `allowPrivilegeEscalation: false` in each container's securityContext.\n\n**Bad**\n\n```yaml\ncontainers:\n- name: web\n  image: nginx:1.25\n```\n\n**Good**\n\n```yaml\ncontainers:\n- name: web\n  image: nginx:1.25\n  securityContext:\n    allowPrivilegeEscalation: false\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(no_privilege_escalation),
};

pub static READ_ONLY_ROOT_FS: Rule = Rule {
    meta: RuleMeta {
        id: "K8S003",
        slug: "read-only-root-filesystem",
        title: "Containers should use a read-only root filesystem",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Security > Pod Security",
        tags: &["security", "kubernetes", "pod-security"],
        rationale: "A writable root filesystem lets an attacker drop tools and persist changes inside the container. Mount `emptyDir` volumes where the application needs to write.",
        help: "Set `readOnlyRootFilesystem: true` and mount writable volumes where needed.\n\n**Bad**\n\n```yaml\ncontainers:\n- name: web\n  image: nginx:1.25\n  securityContext:\n    readOnlyRootFilesystem: false\n```\n\n**Good**\n\n```yaml\ncontainers:\n- name: web\n  image: nginx:1.25\n  securityContext:\n    readOnlyRootFilesystem: true\n  volumeMounts:\n  - name: tmp\n    mountPath: /tmp\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(read_only_root_fs),
};

fn no_privilege_escalation(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    require_flag(r, "allowPrivilegeEscalation", false, out);
}

fn read_only_root_fs(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    require_flag(r, "readOnlyRootFilesystem", true, out);
}

/// Every container must set `securityContext.<field>` to `want` itself
/// (these fields do not exist at pod level).
fn require_flag(r: &Resource, field: &str, want: bool, out: &mut Vec<Hit>) {
    each_container(r, |_, c| {
        let path = c.at(["securityContext", field]);
        let message = match c.node.get_path(&["securityContext", field]) {
            Some(v) if v.as_bool() == Some(want) => return,
            Some(v) => format!(
                "{} of {} sets {field} to {}",
                c.describe(),
                r.address,
                v.scalar_text().unwrap_or_else(|| "a non-boolean".into())
            ),
            None => format!(
                "{} of {} does not set {field}: {want}",
                c.describe(),
                r.address
            ),
        };
        out.push(Hit::new(path, message));
    });
}
