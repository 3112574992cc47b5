//! K8S010 image-pinned.

use super::each_container;
use crate::model::image::{ImageRef, Pinning};
use crate::model::{Node, Resource};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S010",
        slug: "image-pinned",
        title: "Images must be pinned to a version",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "003 examples pin `v1.2.3`",
        tags: &["supply-chain", "kubernetes"],
        rationale: "An image without a tag, or tagged `latest`, changes under you: two nodes can run different code for the same manifest and a rollback does not roll back. A digest pins the exact bytes.",
        help: "Use an explicit version tag, or a digest (`@sha256:…`) when `require_digest` is on.\n\n**Bad**\n\n```yaml\nimage: nginx:latest\n```\n\n**Good**\n\n```yaml\nimage: nginx:1.25.3\n# or\nimage: nginx@sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac\n```",
        settings: &[Setting {
            name: "require_digest",
            default: "false",
            help: "Require an image digest, not only a tag.",
        }],
        applies: Applies::Workloads,
    },
    check: Check::Native(check),
};

fn check(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let require_digest = ctx.settings.bool(ctx.rule, "require_digest");
    each_container(r, |pod, c| {
        let Some(image) = c.node.get("image").and_then(Node::as_str) else {
            return;
        };
        // Istio's placeholder, replaced by the injector (istio's gateway chart).
        if image == "auto" && pod.istio_injected() {
            return;
        }
        let image_ref = ImageRef::parse(image.trim());
        let problem = match image_ref.pinning() {
            Pinning::Digest => return,
            _ if require_digest => "is not pinned to a digest",
            Pinning::Tag => return,
            Pinning::Floating if image_ref.tag.is_some() => "uses the latest tag",
            Pinning::Floating => "has no tag (it means latest)",
        };
        out.push(Hit::new(
            c.at(["image"]),
            format!(
                "image \"{image}\" of {} in {} {problem}",
                c.describe(),
                r.address
            ),
        ));
    });
}
