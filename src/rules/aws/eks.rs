//! EKS rules: AWS040 eks-secrets-encryption, AWS041 eks-control-plane-logging,
//! AWS042 eks-public-endpoint, AWS043 eks-node-group-min-size, AWS044
//! eks-version.
//!
//! Each rule reads `aws_eks_cluster` (or `aws_eks_node_group`) resources, and
//! the `terraform-aws-modules/eks` module when it is not downloaded (a
//! resource of kind `module`; a downloaded module is checked through its
//! resources). Module inputs are read under both their v21 names and their
//! v20 `cluster_`-prefixed names (`encryption_config` /
//! `cluster_encryption_config`, `enabled_log_types` /
//! `cluster_enabled_log_types`, `endpoint_public_access[_cidrs]` /
//! `cluster_endpoint_public_access[_cidrs]`, `kubernetes_version` /
//! `cluster_version`), with the module's defaults when unset: encryption of
//! secrets with a KMS key the module creates, logs `audit`, `api`,
//! `authenticator`, a private endpoint (v19+), the default Kubernetes version
//! of EKS. A module call with `create = false` creates nothing.
//!
//! Locations: the offending attribute; a missing top-level attribute at the
//! resource (or module call) header; an attribute missing inside a block at
//! the block's line (`vpc_config {`). Unknown values never report.

use super::s3::tam_module;
use super::{attr, blocks, child, number, path, truth, Tri};
use crate::model::{Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

const CLUSTER: &str = "aws_eks_cluster";
const NODE_GROUP: &str = "aws_eks_node_group";

pub static SECRETS_ENCRYPTION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS040",
        slug: "eks-secrets-encryption",
        title: "EKS encrypts Kubernetes secrets with KMS",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "003 Example Terraform; 004 \"EKS: Secrets encrypted with KMS\"",
        tags: &["security", "terraform", "aws", "eks", "encryption"],
        rationale: "Without envelope encryption, Kubernetes Secrets sit in etcd protected only by the volume encryption AWS manages. A KMS key of your own adds a second layer whose use is audited in CloudTrail and can be revoked.",
        help: "Add an `encryption_config` with `resources = [\"secrets\"]` and a KMS key (terraform-aws-modules/eks: keep the default `encryption_config`/`cluster_encryption_config`, do not set it to `null` or `{}`).\n\n**Bad**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name     = \"production\"\n  role_arn = aws_iam_role.cluster.arn\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name     = \"production\"\n  role_arn = aws_iam_role.cluster.arn\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n  encryption_config {\n    resources = [\"secrets\"]\n    provider {\n      key_arn = aws_kms_key.eks.arn\n    }\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[CLUSTER, "module"]),
    },
    check: Check::Native(secrets_encryption),
};

pub static CONTROL_PLANE_LOGGING: Rule = Rule {
    meta: RuleMeta {
        id: "AWS041",
        slug: "eks-control-plane-logging",
        title: "EKS control plane logs are enabled",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "003; 004 CloudWatch Integration",
        tags: &["security", "terraform", "aws", "eks", "logging"],
        rationale: "The API server, audit and authenticator logs are the only record of who did what to the cluster. EKS sends none of them to CloudWatch unless asked, and they cannot be recovered after the fact.",
        help: "List the required log types in `enabled_cluster_log_types` (module: `enabled_log_types` / `cluster_enabled_log_types`). The `required_log_types` setting adds `controllerManager` and `scheduler` if wanted.\n\n**Bad**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name                      = \"production\"\n  role_arn                  = aws_iam_role.cluster.arn\n  enabled_cluster_log_types = [\"api\"]\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name                      = \"production\"\n  role_arn                  = aws_iam_role.cluster.arn\n  enabled_cluster_log_types = [\"api\", \"audit\", \"authenticator\", \"controllerManager\", \"scheduler\"]\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}\n```",
        settings: &[Setting {
            name: "required_log_types",
            default: r#"["api", "audit", "authenticator"]"#,
            help: "Log types to require; add controllerManager and scheduler for all five.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &[CLUSTER, "module"]),
    },
    check: Check::Native(control_plane_logging),
};

pub static PUBLIC_ENDPOINT: Rule = Rule {
    meta: RuleMeta {
        id: "AWS042",
        slug: "eks-public-endpoint",
        title: "EKS API endpoint is not open to the internet",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 \"Restrict access\"",
        tags: &["security", "terraform", "aws", "eks", "network"],
        rationale: "The EKS API endpoint is public by default and reachable from any address. Anyone on the internet can then probe it and try stolen or leaked credentials; restricting it to a private endpoint, or to known CIDR ranges, removes that exposure.",
        help: "Set `vpc_config { endpoint_public_access = false }` (with `endpoint_private_access = true`), or list the networks allowed in `public_access_cidrs` (module: `endpoint_public_access` / `cluster_endpoint_public_access` and their `_cidrs`).\n\n**Bad**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name     = \"production\"\n  role_arn = aws_iam_role.cluster.arn\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name     = \"production\"\n  role_arn = aws_iam_role.cluster.arn\n  vpc_config {\n    subnet_ids              = var.private_subnet_ids\n    endpoint_private_access = true\n    endpoint_public_access  = true\n    public_access_cidrs     = [\"203.0.113.0/24\"]\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[CLUSTER, "module"]),
    },
    check: Check::Native(public_endpoint),
};

pub static NODE_GROUP_MIN_SIZE: Rule = Rule {
    meta: RuleMeta {
        id: "AWS043",
        slug: "eks-node-group-min-size",
        title: "EKS node groups keep at least 3 nodes",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "003 \"Min Nodes: 3 (one per AZ)\"",
        tags: &["reliability", "terraform", "aws", "eks"],
        rationale: "A node group that may scale below three nodes cannot keep one node per availability zone: losing a zone, or a single node, can then take down every replica of a workload at once.",
        help: "Set `scaling_config { min_size = 3 }` or more (module: `min_size` of each `eks_managed_node_groups` entry, whose default is 1). The `min_size` setting changes the threshold.\n\n**Bad**\n\n```hcl\nresource \"aws_eks_node_group\" \"general\" {\n  cluster_name    = aws_eks_cluster.main.name\n  node_group_name = \"general\"\n  node_role_arn   = aws_iam_role.node.arn\n  subnet_ids      = var.private_subnet_ids\n  scaling_config {\n    min_size     = 1\n    desired_size = 2\n    max_size     = 6\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_eks_node_group\" \"general\" {\n  cluster_name    = aws_eks_cluster.main.name\n  node_group_name = \"general\"\n  node_role_arn   = aws_iam_role.node.arn\n  subnet_ids      = var.private_subnet_ids\n  scaling_config {\n    min_size     = 3\n    desired_size = 3\n    max_size     = 9\n  }\n}\n```",
        settings: &[Setting {
            name: "min_size",
            default: "3",
            help: "The smallest acceptable `min_size` of a node group.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &[NODE_GROUP, "module"]),
    },
    check: Check::Native(node_group_min_size),
};

pub static VERSION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS044",
        slug: "eks-version",
        title: "EKS runs a supported Kubernetes version",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "001, 003, 004 Kubernetes 1.28",
        tags: &["security", "terraform", "aws", "eks"],
        rationale: "Old Kubernetes versions stop receiving security fixes and fall into EKS extended support, which costs more per cluster-hour. The guides standardise on 1.28 or later.",
        help: "Set `version` to 1.28 or later (module: `kubernetes_version` / `cluster_version`), or leave it unset for the EKS default. The `min_version` setting (a string, e.g. `\"1.30\"`) changes the threshold.\n\n**Bad**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name     = \"production\"\n  role_arn = aws_iam_role.cluster.arn\n  version  = \"1.25\"\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_eks_cluster\" \"main\" {\n  name     = \"production\"\n  role_arn = aws_iam_role.cluster.arn\n  version  = \"1.30\"\n  vpc_config {\n    subnet_ids = var.private_subnet_ids\n  }\n}\n```",
        settings: &[Setting {
            name: "min_version",
            default: r#""1.28""#,
            help: "Oldest acceptable Kubernetes version, a string such as \"1.30\".",
        }],
        applies: Applies::Kinds(Platform::Terraform, &[CLUSTER, "module"]),
    },
    check: Check::Native(version),
};

/// An unresolved terraform-aws-modules/eks call that creates a cluster (not a
/// submodule, not `create = false` or unknown).
fn eks_module(r: &Resource) -> bool {
    tam_module(r, "eks").as_deref() == Some("") && creates(r)
}

/// `create` is unset (true by default) or true.
fn creates(r: &Resource) -> bool {
    attr(r, "create").is_none() || truth(attr(r, "create")) == Tri::Yes
}

/// The first of `names` the module call sets (v21 name first, then v20's),
/// with its name. `null` counts as set (it may mean "off").
fn input<'a>(r: &'a Resource, names: &[&'static str]) -> Option<(&'static str, &'a Node)> {
    names
        .iter()
        .find_map(|n| r.attributes.get(n).map(|node| (*n, node)))
}

/// The strings of a list, or `None` when it or an element is unknown.
fn strings(n: &Node) -> Option<Vec<String>> {
    match &n.value {
        Value::Seq(items) => items
            .iter()
            .map(|i| match &i.value {
                Value::Unknown => None,
                _ => Some(i.scalar_text().unwrap_or_default()),
            })
            .collect(),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

// ---------------------------------------------------------------- AWS040

fn secrets_encryption(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == CLUSTER {
        let configs = blocks(&r.attributes, "encryption_config");
        if attr(r, "encryption_config").is_some_and(Node::is_unknown) {
            return;
        }
        if configs.is_empty() {
            out.push(Hit::new(
                path(&["encryption_config"]),
                format!(
                    "{} has no encryption_config: Kubernetes secrets are not encrypted with a KMS key",
                    r.address
                ),
            ));
            return;
        }
        let mut first_bad: Option<Hit> = None;
        for (i, c) in configs.iter().enumerate() {
            let at = path(&["encryption_config"]).join([Seg::Index(i)]);
            if c.is_unknown() {
                return;
            }
            let resources = child(c, "resources");
            match resources.map(strings) {
                Some(None) => return,
                Some(Some(list)) if list.iter().any(|s| s == "secrets") => {
                    let key = blocks(c, "provider")
                        .iter()
                        .find_map(|p| child(p, "key_arn").or(p.is_unknown().then_some(p)));
                    if key.is_some() {
                        return;
                    }
                    first_bad.get_or_insert(Hit::new(
                        path(&["encryption_config"]),
                        format!("{} encrypts secrets without a KMS key_arn in encryption_config.provider", r.address),
                    ));
                }
                _ => {
                    first_bad.get_or_insert(Hit::new(
                        match resources {
                            Some(_) => at.join(["resources"]),
                            None => path(&["encryption_config"]),
                        },
                        format!(
                            "{} has an encryption_config whose resources do not include \"secrets\"",
                            r.address
                        ),
                    ));
                }
            }
        }
        out.extend(first_bad);
        return;
    }
    if !eks_module(r) {
        return;
    }
    // v21 `encryption_config`: `null` turns it off, `{}` keeps the defaults.
    // v20 `cluster_encryption_config`: `{}` (or null) turns it off.
    let Some((name, config)) = input(r, &["encryption_config", "cluster_encryption_config"]) else {
        return;
    };
    if config.is_unknown() {
        return;
    }
    let off = matches!(config.value, Value::Null)
        || (name == "cluster_encryption_config" && config.entries().is_empty());
    if off {
        out.push(Hit::new(
            path(&[name]),
            format!(
                "{} sets {name} to {}: Kubernetes secrets are not encrypted with a KMS key",
                r.address,
                if matches!(config.value, Value::Null) {
                    "null"
                } else {
                    "{}"
                }
            ),
        ));
        return;
    }
    if let Some(resources) = child(config, "resources") {
        if let Some(list) = strings(resources) {
            if !list.iter().any(|s| s == "secrets") {
                out.push(Hit::new(
                    path(&[name, "resources"]),
                    format!("{} sets {name}.resources without \"secrets\"", r.address),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------- AWS041

fn control_plane_logging(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let required = ctx.settings.strings(ctx.rule, "required_log_types");
    let (name, enabled): (&str, Vec<String>) = if &*r.kind == CLUSTER {
        match attr(r, "enabled_cluster_log_types") {
            None => ("enabled_cluster_log_types", Vec::new()),
            Some(n) => match strings(n) {
                Some(list) => ("enabled_cluster_log_types", list),
                None => return,
            },
        }
    } else if eks_module(r) {
        match input(r, &["enabled_log_types", "cluster_enabled_log_types"]) {
            // The module's default.
            None => (
                "enabled_log_types",
                vec!["audit".into(), "api".into(), "authenticator".into()],
            ),
            Some((name, n)) => match strings(n) {
                Some(list) => (name, list),
                None => return,
            },
        }
    } else {
        return;
    };
    let missing: Vec<&str> = required
        .iter()
        .filter(|t| !enabled.iter().any(|e| e == *t))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return;
    }
    let why = match (r.attributes.get(name).is_some(), &*r.kind == CLUSTER) {
        (true, _) => "",
        (false, true) => " (enabled_cluster_log_types is not set)",
        (false, false) => " (the module's default is audit, api, authenticator)",
    };
    out.push(Hit::new(
        path(&[name]),
        format!(
            "{} does not enable the control plane log type{} {}{why}",
            r.address,
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
        ),
    ));
}

// ---------------------------------------------------------------- AWS042

/// Whether a CIDR list opens the endpoint to any address: `Some(true)` when
/// it holds 0.0.0.0/0 (or ::/0), `None` when unknown.
fn open_to_all(cidrs: &Node) -> Option<bool> {
    if cidrs.is_unknown() {
        return None;
    }
    let items = cidrs.items();
    if items
        .iter()
        .any(|c| matches!(c.as_str(), Some("0.0.0.0/0" | "::/0")))
    {
        return Some(true);
    }
    if items.iter().any(Node::is_unknown) {
        return None;
    }
    Some(false)
}

fn public_endpoint(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == CLUSTER {
        if attr(r, "vpc_config").is_some_and(Node::is_unknown) {
            return;
        }
        let configs = blocks(&r.attributes, "vpc_config");
        if configs.is_empty() {
            // `vpc_config` is required; without it nothing says what is public.
            return;
        }
        for (i, c) in configs.iter().enumerate() {
            if c.is_unknown() {
                continue;
            }
            let at = path(&["vpc_config"]).join([Seg::Index(i)]);
            let public = child(c, "endpoint_public_access");
            // Public unless set to false.
            let is_public = match public {
                None => Tri::Yes,
                some => truth(some),
            };
            if is_public != Tri::Yes {
                continue;
            }
            match child(c, "public_access_cidrs") {
                None => out.push(Hit::new(
                    match public {
                        Some(_) => at.join(["endpoint_public_access"]),
                        None => path(&["vpc_config"]),
                    },
                    format!(
                        "{} has a public API endpoint open to 0.0.0.0/0 ({}public_access_cidrs is not set)",
                        r.address,
                        if public.is_some() { "" } else { "endpoint_public_access defaults to true and " }
                    ),
                )),
                Some(cidrs) => {
                    if open_to_all(cidrs) == Some(true) {
                        out.push(Hit::new(
                            at.join(["public_access_cidrs"]),
                            format!(
                                "{} has a public API endpoint whose public_access_cidrs include 0.0.0.0/0",
                                r.address
                            ),
                        ));
                    }
                }
            }
        }
        return;
    }
    if !eks_module(r) {
        return;
    }
    // The module's endpoint is private by default (since v19).
    let Some((name, public)) = input(
        r,
        &["endpoint_public_access", "cluster_endpoint_public_access"],
    ) else {
        return;
    };
    if truth(Some(public)) != Tri::Yes {
        return;
    }
    match input(
        r,
        &[
            "endpoint_public_access_cidrs",
            "cluster_endpoint_public_access_cidrs",
        ],
    ) {
        None => out.push(Hit::new(
            path(&[name]),
            format!(
                "{} sets {name} = true without {name}_cidrs: the module's default opens the API endpoint to 0.0.0.0/0",
                r.address
            ),
        )),
        Some((cidrs_name, cidrs)) => {
            if open_to_all(cidrs) == Some(true) {
                out.push(Hit::new(
                    path(&[cidrs_name]),
                    format!(
                        "{} opens the public API endpoint to 0.0.0.0/0 ({cidrs_name})",
                        r.address
                    ),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------- AWS043

fn node_group_min_size(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let min = ctx
        .settings
        .get(ctx.rule, "min_size")
        .as_f64()
        .unwrap_or(3.0);
    let too_small = |n: f64| n < min;
    if &*r.kind == NODE_GROUP {
        for (i, c) in blocks(&r.attributes, "scaling_config").iter().enumerate() {
            let value = child(c, "min_size");
            if let Ok(Some(n)) = number(value) {
                if too_small(n) {
                    out.push(Hit::new(
                        path(&["scaling_config"]).join([Seg::Index(i), Seg::from("min_size")]),
                        format!(
                            "{} may scale down to {} node{} (scaling_config.min_size), below {}",
                            r.address,
                            n,
                            if n == 1.0 { "" } else { "s" },
                            min
                        ),
                    ));
                }
            }
        }
        return;
    }
    match tam_module(r, "eks").as_deref() {
        // The managed node group submodule itself: `min_size`, default 1.
        Some("modules/eks-managed-node-group") if creates(r) => {
            let value = attr(r, "min_size");
            let n = match number(value) {
                Ok(Some(n)) => n,
                Ok(None) => 1.0,
                Err(()) => return,
            };
            if too_small(n) {
                out.push(Hit::new(
                    path(&["min_size"]),
                    format!(
                        "{} may scale down to {n} node{} (min_size{}), below {min}",
                        r.address,
                        if n == 1.0 { "" } else { "s" },
                        if value.is_some() {
                            ""
                        } else {
                            " defaults to 1"
                        }
                    ),
                ));
            }
        }
        Some("") if creates(r) => {
            let Some(groups) = attr(r, "eks_managed_node_groups") else {
                return;
            };
            // v20's `eks_managed_node_group_defaults.min_size`, else the submodule's 1.
            let default = match attr(r, "eks_managed_node_group_defaults") {
                Some(d) if d.is_unknown() => return,
                Some(d) => match number(child(d, "min_size")) {
                    Ok(Some(n)) => n,
                    Ok(None) => 1.0,
                    Err(()) => return,
                },
                None => 1.0,
            };
            for e in groups.entries() {
                let g = &e.value;
                if g.is_unknown()
                    || (child(g, "create").is_some() && truth(child(g, "create")) != Tri::Yes)
                {
                    continue;
                }
                let value = child(g, "min_size");
                let n = match number(value) {
                    Ok(Some(n)) => n,
                    Ok(None) => default,
                    Err(()) => continue,
                };
                if too_small(n) {
                    let mut p = path(&["eks_managed_node_groups"]);
                    p.push(&e.key);
                    if value.is_some() {
                        p.push("min_size");
                    }
                    out.push(Hit::new(
                        p,
                        format!(
                            "{} node group \"{}\" may scale down to {n} node{} (min_size{}), below {min}",
                            r.address,
                            e.key,
                            if n == 1.0 { "" } else { "s" },
                            if value.is_some() { "" } else { " is not set" }
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- AWS044

/// `major.minor` of a version string (`"1.28"`, `"1.9"`, `"v1.30.2"`).
fn parse_version(s: &str) -> Option<(u64, u64)> {
    let s = s.trim().trim_start_matches(['v', 'V']);
    let mut parts = s.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = match parts.next() {
        Some(m) => m.trim().parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

fn version(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let setting = ctx.settings.get(ctx.rule, "min_version");
    let min_text = match &*setting {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let Some(min) = parse_version(&min_text) else {
        return;
    };
    let (name, value) = if &*r.kind == CLUSTER {
        match attr(r, "version") {
            Some(v) => ("version", v),
            None => return,
        }
    } else if eks_module(r) {
        match input(r, &["kubernetes_version", "cluster_version"]) {
            Some((name, v)) => (name, v),
            None => return,
        }
    } else {
        return;
    };
    // Unknown, null (the EKS default) or not a version: nothing to say.
    let Some(text) = value.scalar_text() else {
        return;
    };
    let Some(v) = parse_version(&text) else {
        return;
    };
    if v < min {
        out.push(Hit::new(
            path(&[name]),
            format!(
                "{} runs Kubernetes {text}, older than {}.{}",
                r.address, min.0, min.1
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(parse_version("1.28"), Some((1, 28)));
        assert_eq!(parse_version("v1.30.2"), Some((1, 30)));
        assert!(parse_version("1.9") < parse_version("1.28"));
        assert!(parse_version("1.100") > parse_version("1.28"));
        assert_eq!(parse_version("latest"), None);
        assert_eq!(parse_version("1.x"), None);
    }
}
