//! EBS rules: AWS072 ebs-encrypted.

use super::vpc::of_kind;
use super::{attr, child, truth, Tri};
use crate::model::{AttrPath, Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

pub static EBS_ENCRYPTED: Rule = Rule {
    meta: RuleMeta {
        id: "AWS072",
        slug: "ebs-encrypted",
        title: "EBS volumes are encrypted",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "002 Storage (EBS for persistent volumes); 003 \"Encrypted\" storage classes; 004 encryption at rest",
        tags: &["security", "terraform", "aws", "ebs", "ec2", "encryption"],
        rationale: "An unencrypted EBS volume leaves its data, its snapshots and every volume restored from them readable to anyone who obtains a snapshot (a mis-shared snapshot, a compromised backup account). Encryption cannot be switched on in place: the volume must be copied.",
        help: "Set `encrypted = true` (and `kms_key_id` for a customer-managed key) on volumes and on the block devices of launch templates and instances, or enable encryption for the whole account and region with `aws_ebs_encryption_by_default`.\n\n**Bad**\n\n```hcl\nresource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 100\n}\n\nresource \"aws_launch_template\" \"workers\" {\n  block_device_mappings {\n    device_name = \"/dev/xvda\"\n    ebs {\n      volume_size = 50\n    }\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 100\n  encrypted         = true\n  kms_key_id        = aws_kms_key.ebs.arn\n}\n\nresource \"aws_launch_template\" \"workers\" {\n  block_device_mappings {\n    device_name = \"/dev/xvda\"\n    ebs {\n      volume_size = 50\n      encrypted   = true\n    }\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &["aws_ebs_volume", "aws_launch_template", "aws_instance", "aws_launch_configuration"],
        ),
    },
    check: Check::Native(ebs_encrypted),
};

/// AWS072. Checked: `aws_ebs_volume`; the `block_device_mappings[*].ebs`
/// blocks of `aws_launch_template`; the `root_block_device` and
/// `ebs_block_device` blocks of `aws_instance` and
/// `aws_launch_configuration`. Each fails without `encrypted = true`, except:
/// - a volume or device created from a snapshot (`snapshot_id`) takes the
///   snapshot's encryption, which is unknown here;
/// - block devices that are not written (an instance without
///   `root_block_device`, a template without mappings) come from the AMI,
///   whose snapshots are unknown here;
/// - an `aws_ebs_encryption_by_default` with `enabled` true (its default) or
///   unknown in the same root module encrypts every new volume. It is an
///   account- and region-wide switch, but another root module may target
///   another account or region, so only the same root module counts.
///
/// Unknown values pass. Location: `encrypted` when written, else the volume
/// header or the block (`ebs`, `root_block_device`, `ebs_block_device`).
fn ebs_encrypted(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let by_default = of_kind(ctx, r, "aws_ebs_encryption_by_default")
        .into_iter()
        .any(|d| {
            !matches!(
                attr(d, "enabled").map(|n| &n.value),
                Some(Value::Bool(false))
            )
        });
    if by_default {
        return;
    }
    match &*r.kind {
        "aws_ebs_volume" => check_device(r, &r.attributes, AttrPath::root(), "", out),
        "aws_launch_template" => {
            for (i, mapping) in attr(r, "block_device_mappings")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let Some(ebs) = child(mapping, "ebs").and_then(|e| e.items().first()) else {
                    continue;
                };
                let device = child(mapping, "device_name")
                    .and_then(Node::as_str)
                    .unwrap_or("a block device");
                let at = AttrPath(vec![
                    Seg::Key("block_device_mappings".into()),
                    Seg::Index(i),
                    Seg::Key("ebs".into()),
                    Seg::Index(0),
                ]);
                check_device(r, ebs, at, &format!(" for {device}"), out);
            }
        }
        "aws_instance" | "aws_launch_configuration" => {
            for block in ["root_block_device", "ebs_block_device"] {
                for (i, device) in attr(r, block)
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let name = child(device, "device_name").and_then(Node::as_str);
                    let what = match (block, name) {
                        ("root_block_device", _) => " for its root volume".to_string(),
                        (_, Some(d)) => format!(" for {d}"),
                        _ => " for an EBS block device".to_string(),
                    };
                    let at = AttrPath(vec![Seg::Key(block.into()), Seg::Index(i)]);
                    check_device(r, device, at, &what, out);
                }
            }
        }
        _ => {}
    }
}

/// Check one volume or block device node; `at` is its path (root for a
/// volume), `what` names it in the message.
fn check_device(r: &Resource, device: &Node, at: AttrPath, what: &str, out: &mut Vec<Hit>) {
    if child(device, "snapshot_id").is_some() {
        return;
    }
    let encrypted = child(device, "encrypted");
    if truth(encrypted) != Tri::No {
        return;
    }
    let (path, message) = match encrypted {
        Some(_) => (
            at.join(["encrypted"]),
            format!("{} sets encrypted = false{what}", r.address),
        ),
        None => (
            // The block's header line when `encrypted` is missing: the
            // entry of a block name spans its first block, so only the first
            // one is pointed at that way; a later block (an index) is located
            // at its first argument.
            match at.0.split_last() {
                Some((Seg::Index(0), parent)) => AttrPath(parent.to_vec()),
                _ => at,
            },
            format!(
                "{} does not set encrypted = true{what} (EBS volumes are unencrypted by default)",
                r.address
            ),
        ),
    };
    out.push(Hit::new(path, message));
}
