//! VPC rules: AWS050 vpc-flow-logs, AWS051 security-group-open-ingress,
//! AWS052 nat-gateway-per-az, AWS053 multi-az-subnets.
//!
//! Shared decisions:
//! - Resources relate within their root module only (two roots often declare
//!   the same `aws_vpc.main`). A reference counts when it names the instance
//!   (`aws_vpc.main[0]`) or the whole resource (`aws_vpc.main`, a splat).
//! - The terraform-aws-modules VPC module, when not initialized, is a `module`
//!   resource whose inputs are read with the module's own defaults
//!   (`enable_flow_log`, `enable_nat_gateway`, `single_nat_gateway`,
//!   `one_nat_gateway_per_az` all default to false, `azs` to `[]`); an
//!   initialized copy is expanded into plain resources and checked as such.
//! - VPC-wide findings (AWS052, AWS053 on raw resources) are reported once, at
//!   the `aws_vpc` header, with the subnets or NAT gateways as related
//!   locations. A VPC that is not declared in the scan (a data source, a
//!   variable) is not checked.
//! - Unknown values pass; for counts of availability zones, a finding needs
//!   the known values alone to prove the shortfall (AWS052 also counts
//!   subnets that pick their zone by instance key as several zones).
//!
//! The helpers at the end ([`referrers_of`], [`resolve`], [`related_at`], …)
//! are shared with the other families of the same engineer (lb, logs, tags, ebs).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::{attr, child, path, truth, Tri};
use crate::findings::Related;
use crate::model::{AttrPath, Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};
use crate::source::Location;

// ---------------------------------------------------------------------------
// AWS050 vpc-flow-logs

pub static FLOW_LOGS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS050",
        slug: "vpc-flow-logs",
        title: "VPC flow logs are enabled",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "004 Network Security \"VPC Flow Logs\"",
        tags: &["security", "terraform", "aws", "vpc", "logging"],
        rationale: "Flow logs are the only record of which addresses talked to what inside a VPC. Without them an intrusion, a data exfiltration or a misrouted service cannot be investigated after the fact, and anomaly detection (GuardDuty aside) has nothing to read.",
        help: "Add an `aws_flow_log` for the VPC (to CloudWatch Logs or S3), or set `enable_flow_log = true` on the terraform-aws-modules VPC module.\n\n**Bad**\n\n```hcl\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n\nresource \"aws_flow_log\" \"main\" {\n  vpc_id          = aws_vpc.main.id\n  traffic_type    = \"ALL\"\n  log_destination = aws_cloudwatch_log_group.flow.arn\n  iam_role_arn    = aws_iam_role.flow.arn\n}\n\nmodule \"vpc\" {\n  source          = \"terraform-aws-modules/vpc/aws\"\n  enable_flow_log = true\n  # …\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["aws_vpc", "module"]),
    },
    check: Check::Native(flow_logs),
};

/// AWS050. An `aws_vpc` passes when an `aws_flow_log` of its root module
/// references it through `vpc_id`, or when some flow log's `vpc_id` is unknown
/// without naming another resource (a variable without value, a data source, a
/// module output: it may be this VPC). The VPC module passes with
/// `enable_flow_log = true` (or unknown) or `create_vpc = false`.
///
/// Location: the VPC header; for the module, `enable_flow_log` when written,
/// else the module header.
fn flow_logs(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == "module" {
        if !is_vpc_module(r) || creates_nothing(r) {
            return;
        }
        let value = attr(r, "enable_flow_log");
        if truth(value) == Tri::No {
            out.push(Hit::new(
                path(&["enable_flow_log"]),
                match value {
                    Some(_) => format!("{} sets enable_flow_log = false: the VPC has no flow logs", r.address),
                    None => format!("{} does not set enable_flow_log = true: the VPC module creates no flow logs by default", r.address),
                },
            ));
        }
        return;
    }
    if !referrers_of(ctx, r, "aws_flow_log", "vpc_id").is_empty() {
        return;
    }
    let undecided = of_kind(ctx, r, "aws_flow_log")
        .into_iter()
        .any(|f| unknown_without_target(f, "vpc_id"));
    if undecided {
        return;
    }
    out.push(Hit::new(
        AttrPath::root(),
        format!(
            "{} has no aws_flow_log referencing it through vpc_id",
            r.address
        ),
    ));
}

// ---------------------------------------------------------------------------
// AWS051 security-group-open-ingress

pub static OPEN_INGRESS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS051",
        slug: "security-group-open-ingress",
        title: "Security groups do not open ports other than 80/443 to the internet",
        level: Level::Error,
        security_severity: "9.0",
        scope: Scope::All,
        guide: "004 Security Groups \"least privilege\"; 001 Network Security",
        tags: &["security", "terraform", "aws", "vpc", "network"],
        rationale: "An ingress rule open to 0.0.0.0/0 or ::/0 exposes the port to every scanner on the internet within minutes. Only the public web ports (80 and 443) of a load balancer belong there; SSH, databases and admin ports must be reached through a VPN, a bastion, SSM Session Manager or a narrower CIDR.",
        help: "Restrict the source to known CIDRs or security groups, or close the port. Ingress from anywhere is accepted on port 80 and 443 alone.\n\n**Bad**\n\n```hcl\nresource \"aws_security_group\" \"bastion\" {\n  vpc_id = aws_vpc.main.id\n\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_security_group\" \"bastion\" {\n  vpc_id = aws_vpc.main.id\n\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"203.0.113.0/24\"] # office VPN\n  }\n}\n\nresource \"aws_vpc_security_group_ingress_rule\" \"https\" {\n  security_group_id = aws_security_group.alb.id\n  cidr_ipv4         = \"0.0.0.0/0\"\n  ip_protocol       = \"tcp\"\n  from_port         = 443\n  to_port           = 443\n}\n```",
        settings: &[],
        applies: Applies::Kinds(
            Platform::Terraform,
            &[
                "aws_security_group",
                "aws_default_security_group",
                "aws_security_group_rule",
                "aws_vpc_security_group_ingress_rule",
            ],
        ),
    },
    check: Check::Native(open_ingress),
};

/// What an ingress rule lets through, port-wise.
enum Exposure {
    /// Only port 80 or 443, or no ports at all (ICMP).
    WebOnly,
    /// Something else, described (`port 22/tcp`, `all ports and protocols`).
    Other(String),
    /// The protocol or ports are unknown.
    Unknown,
}

/// AWS051. Inline `ingress` blocks of `aws_security_group` and
/// `aws_default_security_group` (including `dynamic` ones, and the attribute
/// form `ingress = [{…}]`), `aws_security_group_rule` with `type = "ingress"`,
/// and `aws_vpc_security_group_ingress_rule`. A source is "the internet" when
/// a CIDR has prefix length 0 (`0.0.0.0/0`, `::/0`). A rule passes when its
/// ports are exactly 80 or exactly 443 (any of TCP, UDP): a range such as
/// 80–443 opens everything between. Protocol `-1`/`all` opens every port.
/// ICMP and ICMPv6 have no ports and pass (ping is not a service exposure);
/// any other protocol without ports (ESP, GRE, …) is open as a whole and fails.
/// Unknown protocols, ports or CIDR elements pass.
///
/// Location: the `cidr_blocks` / `ipv6_cidr_blocks` / `cidr_ipv4` /
/// `cidr_ipv6` attribute holding the open range; one finding per attribute.
fn open_ingress(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    match &*r.kind {
        "aws_security_group" | "aws_default_security_group" => {
            let Some(ingress) = attr(r, "ingress") else {
                return;
            };
            for (i, rule) in ingress.items().iter().enumerate() {
                let at = |name: &str| {
                    AttrPath(vec![
                        Seg::Key("ingress".into()),
                        Seg::Index(i),
                        Seg::Key(name.into()),
                    ])
                };
                check_ingress(
                    r,
                    rule,
                    "protocol",
                    &["cidr_blocks", "ipv6_cidr_blocks"],
                    at,
                    out,
                );
            }
        }
        "aws_security_group_rule" => {
            match attr(r, "type").map(|n| &n.value) {
                Some(Value::Str(t)) if t.eq_ignore_ascii_case("ingress") => {}
                _ => return,
            }
            check_ingress(
                r,
                &r.attributes,
                "protocol",
                &["cidr_blocks", "ipv6_cidr_blocks"],
                |n| path(&[n]),
                out,
            );
        }
        "aws_vpc_security_group_ingress_rule" => {
            check_ingress(
                r,
                &r.attributes,
                "ip_protocol",
                &["cidr_ipv4", "cidr_ipv6"],
                |n| path(&[n]),
                out,
            );
        }
        _ => {}
    }
}

/// Check one ingress rule (a block or a whole rule resource): for each CIDR
/// attribute opening to the internet, report unless the ports are web-only.
fn check_ingress(
    r: &Resource,
    rule: &Node,
    protocol_key: &str,
    cidr_keys: &[&str],
    at: impl Fn(&str) -> AttrPath,
    out: &mut Vec<Hit>,
) {
    let open: Vec<(&str, String)> = cidr_keys
        .iter()
        .filter_map(|k| open_cidr(child(rule, k)?).map(|c| (*k, c)))
        .collect();
    if open.is_empty() {
        return;
    }
    let what = match exposure(rule, protocol_key) {
        Exposure::WebOnly | Exposure::Unknown => return,
        Exposure::Other(what) => what,
    };
    for (key, cidr) in open {
        out.push(Hit::new(
            at(key),
            format!("{} allows ingress from {cidr} to {what}; only ports 80 and 443 may be open to the internet", r.address),
        ));
    }
}

/// The internet-wide CIDR (prefix length 0) in a CIDR attribute: a string or
/// a list of strings. Unknown elements are skipped.
fn open_cidr(n: &Node) -> Option<String> {
    let is_open = |s: &str| s.trim().ends_with("/0");
    match &n.value {
        Value::Str(s) if is_open(s) => Some(s.trim().to_string()),
        Value::Seq(items) => items
            .iter()
            .filter_map(Node::as_str)
            .find(|s| is_open(s))
            .map(|s| s.trim().to_string()),
        _ => None,
    }
}

fn exposure(rule: &Node, protocol_key: &str) -> Exposure {
    let Some(protocol) = child(rule, protocol_key) else {
        // The provider requires a protocol; without one there is nothing to judge.
        return Exposure::Unknown;
    };
    let Some(protocol) = protocol.scalar_text() else {
        return Exposure::Unknown;
    };
    let protocol = protocol.trim().to_ascii_lowercase();
    match protocol.as_str() {
        "-1" | "all" => return Exposure::Other("all ports and protocols".into()),
        "icmp" | "1" | "icmpv6" | "58" => return Exposure::WebOnly,
        "tcp" | "6" | "udp" | "17" | "sctp" | "132" => {}
        other => return Exposure::Other(format!("all of protocol {other}")),
    }
    let port = |k: &str| match child(rule, k).map(|n| &n.value) {
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(Value::Float(f)) if f.fract() == 0.0 => Ok(Some(*f as i64)),
        Some(Value::Str(s)) => s.trim().parse::<i64>().map(Some).map_err(|_| ()),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(()),
    };
    let (Ok(from), Ok(to)) = (port("from_port"), port("to_port")) else {
        return Exposure::Unknown;
    };
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        // A missing port is refused by the provider (or means all, for
        // `aws_vpc_security_group_ingress_rule` with a portless protocol).
        (Some(p), None) | (None, Some(p)) => (p, p),
        (None, None) => return Exposure::Other(format!("all {protocol} ports")),
    };
    if from == to && (from == 80 || from == 443) {
        return Exposure::WebOnly;
    }
    if from == to {
        Exposure::Other(format!("port {from}/{protocol}"))
    } else if from <= 0 && (to >= 65535 || to == -1) {
        Exposure::Other(format!("all {protocol} ports"))
    } else {
        Exposure::Other(format!("ports {from}-{to}/{protocol}"))
    }
}

// ---------------------------------------------------------------------------
// AWS052 nat-gateway-per-az

pub static NAT_PER_AZ: Rule = Rule {
    meta: RuleMeta {
        id: "AWS052",
        slug: "nat-gateway-per-az",
        title: "One NAT gateway per availability zone",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "004 Infrastructure Components \"NAT Gateways: High availability with one per AZ\"",
        tags: &["reliability", "terraform", "aws", "vpc", "network"],
        rationale: "A NAT gateway lives in one availability zone. When private subnets of several zones share it, an outage of that zone cuts every zone's outbound traffic (image pulls, AWS APIs, third-party calls), and cross-zone traffic is billed. One gateway per zone keeps each zone independent.",
        help: "Create one NAT gateway in the public subnet of each zone, and route each zone's private subnets to their own. With the terraform-aws-modules VPC module, set `one_nat_gateway_per_az = true` and leave `single_nat_gateway` false.\n\n**Bad**\n\n```hcl\nmodule \"vpc\" {\n  source             = \"terraform-aws-modules/vpc/aws\"\n  azs                = [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]\n  public_subnets     = [\"10.0.101.0/24\", \"10.0.102.0/24\", \"10.0.103.0/24\"]\n  private_subnets    = [\"10.0.1.0/24\", \"10.0.2.0/24\", \"10.0.3.0/24\"]\n  enable_nat_gateway = true\n  single_nat_gateway = true\n}\n```\n\n**Good**\n\n```hcl\nmodule \"vpc\" {\n  source                 = \"terraform-aws-modules/vpc/aws\"\n  azs                    = [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]\n  public_subnets         = [\"10.0.101.0/24\", \"10.0.102.0/24\", \"10.0.103.0/24\"]\n  private_subnets        = [\"10.0.1.0/24\", \"10.0.2.0/24\", \"10.0.3.0/24\"]\n  enable_nat_gateway     = true\n  one_nat_gateway_per_az = true\n}\n\nresource \"aws_nat_gateway\" \"zone\" {\n  count         = length(aws_subnet.public)\n  subnet_id     = aws_subnet.public[count.index].id\n  allocation_id = aws_eip.nat[count.index].id\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["aws_vpc", "module"]),
    },
    check: Check::Native(nat_per_az),
};

/// AWS052. The VPC module with `enable_nat_gateway = true` fails with
/// `single_nat_gateway = true`, unless `azs` is known to name fewer than two
/// zones (zones looked up at apply time count as several: a single gateway
/// is what the rule is about). Otherwise, with `one_nat_gateway_per_az`
/// false, it creates one gateway per subnet of its longest subnet list,
/// gateway `i` in public subnet `i` (wrapping), public subnet `j` in `azs[j]`
/// (wrapping): it fails when those gateways cover fewer zones than `azs`
/// names (fewer subnets than zones); with as many subnets as zones each zone
/// already has its gateway and it passes.
///
/// Raw resources: the public subnets of a VPC are its `aws_subnet`s with
/// `map_public_ip_on_launch = true`, associated with a route table that
/// routes to an `aws_internet_gateway` (inline `route` or `aws_route`), or
/// holding one of its (public connectivity) `aws_nat_gateway`s (found by
/// `subnet_id`). A VPC with NAT
/// gateways fails when the zones its gateways can cover are fewer than the
/// known distinct zones of its public subnets. A gateway whose subnet is
/// ambiguous (it references several subnets: its `count` is unknown) makes
/// the VPC pass. Unknown zones pass, except that public subnets taking
/// their zone from their instance key (`element(var.azs, count.index)`),
/// two or more of them or an unknown number, span several zones: a single
/// gateway then fails, as with the module's looked-up `azs`.
///
/// Location: module — `single_nat_gateway` when true, else
/// `one_nat_gateway_per_az` when written, else the header; raw — the VPC
/// header, with the NAT gateways as related locations.
fn nat_per_az(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == "module" {
        if is_vpc_module(r) && !creates_nothing(r) {
            module_nat_per_az(r, out);
        }
        return;
    }
    let subnets = vpc_subnets(ctx, r);
    let mut nats: Vec<&Resource> = Vec::new();
    let mut nat_subnet: Vec<Option<&Resource>> = Vec::new();
    for s in &subnets {
        for n in referrers_of(ctx, s, "aws_nat_gateway", "subnet_id") {
            if nats.iter().any(|m| std::ptr::eq(*m, n)) {
                continue;
            }
            // A private NAT gateway serves no internet egress.
            if attr(n, "connectivity_type").and_then(Node::as_str) == Some("private") {
                continue;
            }
            // A gateway referencing several subnets has an unknown count.
            let targets: BTreeSet<&str> = n
                .references
                .iter()
                .filter(|(p, _)| first_key(p) == Some("subnet_id"))
                .map(|(_, a)| a.as_str())
                .collect();
            if targets.len() != 1 {
                return;
            }
            // An unknown number of gateways, each in the subnet of its own
            // key: there may be one per zone.
            if is_unknown_expansion(n) && n.keyed.iter().any(|k| &**k == "subnet_id") {
                return;
            }
            nats.push(n);
            nat_subnet.push(
                subnets
                    .iter()
                    .copied()
                    .find(|s| targets.contains(s.address.as_str())),
            );
        }
    }
    if nats.is_empty() {
        return;
    }
    let mut public_azs: BTreeSet<String> = BTreeSet::new();
    // Public subnets whose unknown zone is picked by their instance key, by
    // resource: how many instances, and whether their number is unknown.
    let mut by_key: Vec<(&str, usize, bool)> = Vec::new();
    for s in &subnets {
        let holds_nat = nat_subnet.iter().flatten().any(|h| std::ptr::eq(*h, *s));
        if !(holds_nat || is_public_subnet(ctx, s)) {
            continue;
        }
        match az_of(s) {
            Az::Known(az) => {
                public_azs.insert(az);
            }
            Az::Unknown if zone_by_key(s) => {
                let base = base_address(&s.address);
                match by_key.iter_mut().find(|(b, _, _)| *b == base) {
                    Some(entry) => entry.1 += 1,
                    None => by_key.push((base, 1, is_unknown_expansion(s))),
                }
            }
            _ => {}
        }
    }
    // An unknown zone alone proves nothing (the subnets may share it). But
    // instances picking their zone by key are laid out across zones (what
    // `element(var.azs, count.index)` is for): two of them, or an unknown
    // number, count as two zones, the fewest that one gateway cannot cover.
    // Not more: the list may be shorter than the count (`element` wraps).
    let spread: Vec<&str> = by_key
        .iter()
        .filter(|(_, n, unknown)| *n >= 2 || *unknown)
        .map(|(b, _, _)| *b)
        .collect();
    let zones = if spread.is_empty() {
        public_azs.len()
    } else {
        public_azs.len().max(2)
    };
    // The zones the gateways can cover: their known zones among the public
    // ones, plus one per gateway whose zone cannot be told.
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut open = 0;
    for s in &nat_subnet {
        match s.map(az_of) {
            Some(Az::Known(az)) if public_azs.contains(&az) => {
                covered.insert(az);
            }
            Some(Az::Known(_)) => {}
            _ => open += 1,
        }
    }
    let can_cover = covered.len() + open;
    if can_cover >= zones {
        return;
    }
    let message = if zones > public_azs.len() {
        format!(
            "{} has {} NAT gateway(s) for public subnets spread over several availability zones (by the instance key of {}); each zone needs its own NAT gateway",
            r.address,
            nats.len(),
            spread.join(", ")
        )
    } else {
        let missing: Vec<&str> = public_azs
            .iter()
            .filter(|az| !covered.contains(*az))
            .map(String::as_str)
            .collect();
        format!(
            "{} has {} NAT gateway(s) for public subnets in {} availability zones: {} without its own NAT gateway",
            r.address,
            nats.len(),
            public_azs.len(),
            missing.join(", ")
        )
    };
    let mut hit = Hit::new(AttrPath::root(), message);
    hit.related = nats
        .iter()
        .map(|n| {
            related_at(
                n,
                &path(&["subnet_id"]),
                format!("{} is one of the VPC's NAT gateways", n.address),
            )
        })
        .collect();
    out.push(hit);
}

fn module_nat_per_az(r: &Resource, out: &mut Vec<Hit>) {
    if truth(attr(r, "enable_nat_gateway")) != Tri::Yes {
        return;
    }
    // `None`: the zones are looked up at apply time (usually three).
    let azs = known_strings(attr(r, "azs"));
    if azs.as_ref().is_some_and(|a| a.len() < 2) {
        return;
    }
    match truth(attr(r, "single_nat_gateway")) {
        Tri::Unknown => return,
        Tri::Yes => {
            let zones = azs.map_or_else(|| "its".to_string(), |a| a.len().to_string());
            out.push(Hit::new(
                path(&["single_nat_gateway"]),
                format!(
                    "{} shares a single NAT gateway between {zones} availability zones (single_nat_gateway = true); set one_nat_gateway_per_az = true",
                    r.address
                ),
            ));
            return;
        }
        Tri::No => {}
    }
    let Some(azs) = azs else {
        return;
    };
    let zones = azs.len();
    let count = match truth(attr(r, "one_nat_gateway_per_az")) {
        Tri::Unknown | Tri::Yes => return,
        // One gateway per subnet of the longest list.
        Tri::No => {
            let mut longest = 0;
            for list in [
                "public_subnets",
                "private_subnets",
                "database_subnets",
                "elasticache_subnets",
                "redshift_subnets",
            ] {
                match list_len(attr(r, list)) {
                    Some(n) => longest = longest.max(n),
                    None => return,
                }
            }
            longest
        }
    };
    let public = list_len(attr(r, "public_subnets")).unwrap_or(0);
    if public == 0 || count == 0 {
        return;
    }
    // Gateway i sits in public subnet i (wrapping), public subnet j in azs[j] (wrapping).
    let covered: BTreeSet<usize> = (0..count).map(|i| (i % public) % zones).collect();
    if covered.len() >= zones {
        return;
    }
    out.push(Hit::new(
        path(&["one_nat_gateway_per_az"]),
        format!(
            "{} creates one NAT gateway per subnet: {count} gateway(s) covering {} of its {zones} availability zones; set one_nat_gateway_per_az = true",
            r.address,
            covered.len()
        ),
    ));
}

// ---------------------------------------------------------------------------
// AWS053 multi-az-subnets

pub static MULTI_AZ_SUBNETS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS053",
        slug: "multi-az-subnets",
        title: "VPC subnets span at least three availability zones",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "004 Infrastructure Components \"3 subnets across AZs\"; 003 Multi-AZ Deployment",
        tags: &["reliability", "terraform", "aws", "vpc", "network"],
        rationale: "Everything placed in a VPC (EKS nodes, RDS, ElastiCache, load balancers) can only spread over the zones its subnets cover. With fewer than three zones, a zone outage removes half of the capacity or more, and quorum-based systems (etcd, Kafka, three-replica deployments) cannot keep a majority.",
        help: "Give the VPC subnets in at least three availability zones (setting `min_azs`).\n\n**Bad**\n\n```hcl\nmodule \"vpc\" {\n  source          = \"terraform-aws-modules/vpc/aws\"\n  azs             = [\"eu-west-1a\", \"eu-west-1b\"]\n  private_subnets = [\"10.0.1.0/24\", \"10.0.2.0/24\"]\n}\n```\n\n**Good**\n\n```hcl\nmodule \"vpc\" {\n  source          = \"terraform-aws-modules/vpc/aws\"\n  azs             = [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]\n  private_subnets = [\"10.0.1.0/24\", \"10.0.2.0/24\", \"10.0.3.0/24\"]\n}\n\nresource \"aws_subnet\" \"private\" {\n  count             = 3\n  vpc_id            = aws_vpc.main.id\n  availability_zone = data.aws_availability_zones.available.names[count.index]\n  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)\n}\n```",
        settings: &[Setting {
            name: "min_azs",
            default: "3",
            help: "The number of distinct availability zones a VPC's subnets must span.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["aws_vpc", "module"]),
    },
    check: Check::Native(multi_az_subnets),
};

/// AWS053. The VPC module fails when `azs` (default `[]`) has fewer than
/// `min_azs` distinct entries, or when its longest subnet list is shorter
/// than that (subnet `i` goes to `azs[i]`, so two subnets use two zones);
/// a module creating no subnets at all passes. Raw resources: the
/// `aws_subnet`s referencing the VPC through `vpc_id` fail when they can
/// span fewer than `min_azs` zones: the distinct known zones
/// (`availability_zone` or `availability_zone_id`) plus one per subnet
/// without a zone (AWS picks one). A subnet whose zone is unknown makes the
/// VPC pass; a VPC without subnets in the scan passes.
///
/// Location: module — `azs` when written, else the longest subnet list or
/// the header; raw — the VPC header, with each subnet as a related location.
fn multi_az_subnets(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let min = ctx.settings.get(ctx.rule, "min_azs").as_u64().unwrap_or(3) as usize;
    if &*r.kind == "module" {
        if is_vpc_module(r) && !creates_nothing(r) {
            module_multi_az(r, min, out);
        }
        return;
    }
    let subnets = vpc_subnets(ctx, r);
    if subnets.is_empty() {
        return;
    }
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut unset = 0;
    for s in &subnets {
        match az_of(s) {
            Az::Known(az) => {
                known.insert(az);
            }
            Az::Unset => unset += 1,
            Az::Unknown => return,
        }
    }
    if known.len() + unset >= min {
        return;
    }
    let zones: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut hit = Hit::new(
        AttrPath::root(),
        format!(
            "{}'s {} subnet(s) span {} availability zone(s){}; at least {min} are required",
            r.address,
            subnets.len(),
            known.len() + unset,
            if zones.is_empty() {
                String::new()
            } else {
                format!(" ({})", zones.join(", "))
            }
        ),
    );
    hit.related = subnets
        .iter()
        .map(|s| {
            let at = if attr(s, "availability_zone").is_some()
                || attr(s, "availability_zone_id").is_none()
            {
                "availability_zone"
            } else {
                "availability_zone_id"
            };
            let zone = match az_of(s) {
                Az::Known(az) => az,
                _ => "a zone AWS picks".into(),
            };
            related_at(s, &path(&[at]), format!("{} is in {zone}", s.address))
        })
        .collect();
    out.push(hit);
}

fn module_multi_az(r: &Resource, min: usize, out: &mut Vec<Hit>) {
    const LISTS: [&str; 7] = [
        "public_subnets",
        "private_subnets",
        "database_subnets",
        "elasticache_subnets",
        "redshift_subnets",
        "intra_subnets",
        "outpost_subnets",
    ];
    // The longest subnet list (`None` when some list is unknown), and
    // whether the module may create subnets at all.
    let mut longest: Option<(&str, usize)> = Some(("", 0));
    let mut any_subnets = false;
    for list in LISTS {
        match list_len(attr(r, list)) {
            None => {
                longest = None;
                any_subnets = true;
            }
            Some(n) => {
                any_subnets |= n > 0;
                if longest.is_some_and(|(_, m)| n > m) {
                    longest = Some((list, n));
                }
            }
        }
    }
    if !any_subnets {
        // No subnets: nothing is placed in zones.
        return;
    }
    let Some(azs) = known_strings(attr(r, "azs")) else {
        return;
    };
    let zones = azs.len();
    if zones < min {
        out.push(Hit::new(
            path(&["azs"]),
            format!(
                "{} spans {zones} availability zone(s) (azs = [{}]); at least {min} are required",
                r.address,
                azs.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    } else if let Some((longest_list, longest_len)) = longest.filter(|(_, n)| *n < min) {
        out.push(Hit::new(
            path(&[longest_list]),
            format!(
                "{}'s longest subnet list ({longest_list}) has {longest_len} subnet(s), so the VPC uses {longest_len} availability zone(s); at least {min} are required",
                r.address
            ),
        ));
    }
}

// ---------------------------------------------------------------------------
// Helpers (shared with lb, logs, tags, ebs)

/// Whether a `module` resource calls the terraform-aws-modules VPC module
/// (registry or git source; not one of its sub-modules such as vpc-endpoints).
pub(super) fn is_vpc_module(r: &Resource) -> bool {
    let Some(source) = attr(r, "source").and_then(Node::as_str) else {
        return false;
    };
    let source = source.to_ascii_lowercase();
    (source.contains("terraform-aws-modules/vpc/")
        || source.contains("terraform-aws-modules/terraform-aws-vpc"))
        && !source.contains("//modules/")
}

/// The VPC module with `create_vpc = false` creates nothing.
fn creates_nothing(r: &Resource) -> bool {
    matches!(
        attr(r, "create_vpc").map(|n| &n.value),
        Some(Value::Bool(false))
    )
}

/// Length of a list input: `Some(0)` when absent, `None` when unknown.
fn list_len(n: Option<&Node>) -> Option<usize> {
    match n.map(|n| &n.value) {
        None | Some(Value::Null) => Some(0),
        Some(Value::Seq(items)) => Some(items.len()),
        _ => None,
    }
}

/// The distinct strings of a list input (`[]` when absent); `None` when the
/// list or one of its elements is unknown.
fn known_strings(n: Option<&Node>) -> Option<BTreeSet<String>> {
    match n.map(|n| &n.value) {
        None | Some(Value::Null) => Some(BTreeSet::new()),
        Some(Value::Seq(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// The availability zone of a subnet.
enum Az {
    Known(String),
    /// Not written: AWS picks one.
    Unset,
    Unknown,
}

fn az_of(s: &Resource) -> Az {
    for key in ["availability_zone", "availability_zone_id"] {
        match attr(s, key).map(|n| &n.value) {
            None => continue,
            Some(Value::Str(z)) if !z.is_empty() => return Az::Known(z.to_string()),
            Some(_) => return Az::Unknown,
        }
    }
    Az::Unset
}

/// Whether a subnet's zone is computed from its instance key
/// (`availability_zone = var.azs[count.index]`, `each.value.az`).
fn zone_by_key(s: &Resource) -> bool {
    ["availability_zone", "availability_zone_id"]
        .into_iter()
        .find(|k| attr(s, k).is_some())
        .is_some_and(|k| s.keyed.iter().any(|a| &**a == k))
}

/// Whether `r` stands for an unknown number of instances: an argument
/// depends on the instance key (so it has `count` or `for_each`), yet its
/// address has none (the expansion was unknown).
fn is_unknown_expansion(r: &Resource) -> bool {
    !r.keyed.is_empty() && base_address(&r.address) == r.address
}

/// Whether a subnet is public: it gives instances public addresses
/// (`map_public_ip_on_launch = true`), or a route table associated with it
/// routes to an internet gateway (inline `route` blocks or `aws_route`s).
fn is_public_subnet(ctx: &Ctx, s: &Resource) -> bool {
    if truth(attr(s, "map_public_ip_on_launch")) == Tri::Yes {
        return true;
    }
    let via_igw = |r: &Resource| {
        r.references.iter().any(|(p, a)| {
            p.0.iter().any(|seg| *seg == Seg::Key("gateway_id".into()))
                && address_kind(a) == Some("aws_internet_gateway")
        })
    };
    referrers_of(ctx, s, "aws_route_table_association", "subnet_id")
        .into_iter()
        .flat_map(|assoc| {
            assoc
                .references
                .iter()
                .filter(|(p, _)| first_key(p) == Some("route_table_id"))
                .filter_map(|(_, a)| resolve(ctx, assoc, a))
        })
        .any(|table| {
            via_igw(table)
                || referrers_of(ctx, table, "aws_route", "route_table_id")
                    .into_iter()
                    .any(via_igw)
        })
}

/// The `aws_subnet`s of a VPC (by `vpc_id`), in scan order.
fn vpc_subnets<'a>(ctx: &'a Ctx, vpc: &Resource) -> Vec<&'a Resource> {
    referrers_of(ctx, vpc, "aws_subnet", "vpc_id")
}

/// The first key of an attribute path.
pub(super) fn first_key(p: &AttrPath) -> Option<&str> {
    match p.0.first() {
        Some(Seg::Key(k)) => Some(k),
        _ => None,
    }
}

/// An address without its final instance key: `aws_vpc.main[0]` → `aws_vpc.main`.
pub(super) fn base_address(address: &str) -> &str {
    if address.ends_with(']') {
        if let Some(i) = address.rfind('[') {
            return &address[..i];
        }
    }
    address
}

/// Resources of `kind` in `r`'s root module referencing `r` through the
/// attribute `via`: the instance itself, or the whole resource (a splat),
/// each once, in scan order.
pub(super) fn referrers_of<'a>(
    ctx: &'a Ctx,
    r: &Resource,
    kind: &str,
    via: &str,
) -> Vec<&'a Resource> {
    let base = base_address(&r.address);
    let mut idx: Vec<usize> = ctx
        .relations
        .referrers_in(r, &r.address)
        .chain(
            if base != r.address {
                Some(ctx.relations.referrers_in(r, base))
            } else {
                None
            }
            .into_iter()
            .flatten(),
        )
        .filter(|(i, p)| {
            ctx.resources.get(*i).is_some_and(|c| &*c.kind == kind) && first_key(p) == Some(via)
        })
        .map(|(i, _)| *i)
        .collect();
    idx.sort_unstable();
    idx.dedup();
    idx.into_iter()
        .filter_map(|i| ctx.resources.get(i))
        .collect()
}

/// Whether `attribute` of `r` is unknown without naming a resource that
/// could be told apart: a variable without value, a data source, a module
/// output — it might be any resource of the kind the rule looks for.
pub(super) fn unknown_without_target(r: &Resource, attribute: &str) -> bool {
    let Some(n) = attr(r, attribute) else {
        return false;
    };
    if !n.is_unknown() {
        return false;
    }
    !r.references
        .iter()
        .any(|(p, a)| first_key(p) == Some(attribute) && names_managed_resource(a))
}

/// An address without its module path: `module.m["a"].aws_vpc.main[0]` →
/// `aws_vpc.main[0]`; empty for a module call itself (`module.m`).
fn without_modules(address: &str) -> &str {
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        // Skip the module name and its instance key, if any.
        let end = after.find(['.', '[']).unwrap_or(after.len());
        let mut tail = &after[end..];
        if tail.starts_with('[') {
            tail = tail.find("].").map_or("", |i| &tail[i + 1..]);
        }
        rest = tail.strip_prefix('.').unwrap_or(tail);
    }
    rest
}

/// Whether an address names a managed resource (`aws_vpc.main`,
/// `module.net.aws_vpc.this[0]`), not a data source or an unresolved module.
pub(super) fn names_managed_resource(address: &str) -> bool {
    let rest = without_modules(address);
    !rest.is_empty() && !rest.starts_with("data.")
}

/// The resource type of an address: `module.m.aws_vpc.main[0]` → `aws_vpc`
/// (`None` for data sources and unresolved modules).
pub(super) fn address_kind(address: &str) -> Option<&str> {
    if !names_managed_resource(address) {
        return None;
    }
    without_modules(address).split('.').next()
}

/// Terraform resources by type and by address, built once per scan: rules
/// that look for "any resource of this type in the root module" would
/// otherwise walk the whole scan for every resource they check.
#[derive(Default)]
struct TerraformIndex {
    by_kind: HashMap<Box<str>, Vec<usize>>,
    by_address: HashMap<String, Vec<usize>>,
}

fn terraform_index(ctx: &Ctx) -> Arc<TerraformIndex> {
    ctx.relations.cached("aws.vpc.terraform_index", || {
        let mut index = TerraformIndex::default();
        for (i, r) in ctx.resources.iter().enumerate() {
            if r.platform != Platform::Terraform {
                continue;
            }
            index.by_kind.entry(r.kind.clone()).or_default().push(i);
            index
                .by_address
                .entry(r.address.clone())
                .or_default()
                .push(i);
        }
        index
    })
}

/// The resources of type `kind` in the root module of `from`, in scan order.
pub(super) fn of_kind<'a>(ctx: &'a Ctx, from: &Resource, kind: &str) -> Vec<&'a Resource> {
    let index = terraform_index(ctx);
    index
        .by_kind
        .get(kind)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| ctx.resources.get(*i))
        .filter(|c| ctx.relations.same_root(from, c))
        .collect()
}

/// The resource named `address` in the root module of `from`.
pub(super) fn resolve<'a>(ctx: &'a Ctx, from: &Resource, address: &str) -> Option<&'a Resource> {
    let index = terraform_index(ctx);
    index
        .by_address
        .get(address)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| ctx.resources.get(*i))
        .find(|c| ctx.relations.same_root(from, c))
}

/// A related location at `path` of `r` (its deepest existing node).
pub(super) fn related_at(r: &Resource, at: &AttrPath, message: String) -> Related {
    Related {
        location: Location {
            file: r.file,
            span: r.locate(at),
        },
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::{address_kind, base_address, names_managed_resource};

    #[test]
    fn addresses() {
        assert_eq!(base_address("aws_vpc.main[0]"), "aws_vpc.main");
        assert_eq!(
            base_address("module.a[\"x\"].aws_vpc.main"),
            "module.a[\"x\"].aws_vpc.main"
        );
        assert_eq!(
            address_kind("aws_internet_gateway.main"),
            Some("aws_internet_gateway")
        );
        assert_eq!(
            address_kind("module.net[\"eu\"].module.core.aws_vpc.this[0]"),
            Some("aws_vpc")
        );
        assert_eq!(address_kind("module.net.data.aws_vpc.x"), None);
        assert!(!names_managed_resource("module.vpc"));
        assert!(!names_managed_resource("module.vpc[\"a.b\"]"));
        assert!(!names_managed_resource("data.aws_vpc.selected"));
        assert!(names_managed_resource(
            "module.vpc[\"a.b\"].aws_vpc.this[0]"
        ));
    }
}
