//! K8S004 drop-all-capabilities.

use super::each_container;
use crate::model::{Node, Resource, Seg};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S004",
        slug: "drop-all-capabilities",
        title: "Containers must drop all capabilities and add no dangerous ones",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Security > Pod Security",
        tags: &["security", "kubernetes", "pod-security"],
        rationale: "Container runtimes grant a default set of Linux capabilities (NET_RAW among them). Dropping ALL and adding back only what is needed limits what a compromised process can do; SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE and NET_RAW each open a path to the node.",
        help: "Drop `ALL` (upper case: Pod Security admission refuses `all`) and add back only narrow capabilities such as `NET_BIND_SERVICE`.\n\n**Bad**\n\n```yaml\nsecurityContext:\n  capabilities:\n    add: [\"NET_ADMIN\"]\n```\n\n**Good**\n\n```yaml\nsecurityContext:\n  capabilities:\n    drop: [\"ALL\"]\n    add: [\"NET_BIND_SERVICE\"]\n```",
        settings: &[],
        applies: Applies::Workloads,
    },
    check: Check::Native(check),
};

const DANGEROUS: &[&str] = &[
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "NET_RAW",
    "ALL",
];

/// Capability names are written with or without `CAP_`, in any case.
fn normalized(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_string)
        .unwrap_or(upper)
}

/// `ALL` in `drop` is a keyword, not a capability name (`CAP_ALL` drops
/// nothing). Container runtimes match it in any case, but Pod Security
/// admission's restricted profile accepts only `ALL`.
fn is_all_keyword(cap: &str) -> bool {
    cap.trim().eq_ignore_ascii_case("ALL")
}

fn check(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    each_container(r, |_, c| {
        let caps_path = c.at(["securityContext", "capabilities"]);
        let caps = c.node.get_path(&["securityContext", "capabilities"]);
        let drops = caps
            .and_then(|n| n.get("drop"))
            .map(Node::items)
            .unwrap_or_default();
        let keyword = drops
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((i, d.as_str()?)))
            .filter(|(_, d)| is_all_keyword(d))
            .min_by_key(|(_, d)| d.trim() != "ALL");
        match keyword {
            Some((_, d)) if d.trim() == "ALL" => {}
            Some((i, d)) => out.push(Hit::new(
                caps_path.join([Seg::from("drop"), Seg::Index(i)]),
                format!(
                    "{} of {} drops {d:?}: container runtimes read it as ALL, but Pod Security admission (restricted) accepts only ALL, upper case",
                    c.describe(),
                    r.address
                ),
            )),
            None => out.push(Hit::new(
                caps_path.join(["drop"]),
                format!(
                    "{} of {} does not drop ALL capabilities",
                    c.describe(),
                    r.address
                ),
            )),
        }
        let added = caps
            .and_then(|n| n.get("add"))
            .map(Node::items)
            .unwrap_or_default();
        for (i, cap) in added.iter().enumerate() {
            let Some(name) = cap.as_str() else { continue };
            if DANGEROUS.contains(&normalized(name).as_str()) {
                out.push(Hit::new(
                    caps_path.join([Seg::from("add"), Seg::Index(i)]),
                    format!(
                        "{} of {} adds the dangerous capability {name}",
                        c.describe(),
                        r.address
                    ),
                ));
            }
        }
    });
}
