//! Load balancer and CDN rules: AWS060 lb-https, AWS061 waf-attached,
//! AWS062 cloudfront-tls.
//!
//! Shared decisions: unknown values pass; findings point at the attribute
//! when it is written, else at the resource header. Load balancers and WAF
//! associations relate within their root module (see `vpc.rs`).

use super::vpc::{of_kind, referrers_of, resolve, unknown_without_target};
use super::{attr, blocks, child, path, truth, Tri};
use crate::model::{AttrPath, Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

// ---------------------------------------------------------------------------
// AWS060 lb-https

pub static LB_HTTPS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS060",
        slug: "lb-https",
        title: "Load balancer listeners use HTTPS with TLS 1.2 or later",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "001 Data Security \"Encryption in transit (TLS 1.2+)\"; 000 \"Load balancers with SSL termination\"",
        tags: &["security", "terraform", "aws", "elb", "encryption", "tls"],
        rationale: "A plain-HTTP listener sends cookies, tokens and form data in clear text over the internet, and TLS 1.0/1.1 have known weaknesses (BEAST, POODLE-style downgrades, SHA-1) that PCI DSS and most standards forbid. An HTTP listener is fine only as a redirect to HTTPS; HTTPS and TLS listeners need a security policy whose minimum version is TLS 1.2. Without `ssl_policy`, the API picks ELBSecurityPolicy-2016-08, which still accepts TLS 1.0.",
        help: "Redirect HTTP to HTTPS, and give HTTPS/TLS listeners a TLS 1.2+ policy such as `ELBSecurityPolicy-TLS13-1-2-2021-06`.\n\n**Bad**\n\n```hcl\nresource \"aws_lb_listener\" \"http\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n  protocol          = \"HTTP\"\n\n  default_action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n}\n\nresource \"aws_lb_listener\" \"https\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 443\n  protocol          = \"HTTPS\"\n  ssl_policy        = \"ELBSecurityPolicy-2016-08\"\n  certificate_arn   = aws_acm_certificate.web.arn\n  # …\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_lb_listener\" \"http\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n  protocol          = \"HTTP\"\n\n  default_action {\n    type = \"redirect\"\n    redirect {\n      port        = \"443\"\n      protocol    = \"HTTPS\"\n      status_code = \"HTTP_301\"\n    }\n  }\n}\n\nresource \"aws_lb_listener\" \"https\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 443\n  protocol          = \"HTTPS\"\n  ssl_policy        = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n  certificate_arn   = aws_acm_certificate.web.arn\n  # …\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["aws_lb_listener", "aws_alb_listener"]),
    },
    check: Check::Native(lb_https),
};

/// AWS060. The protocol is `protocol`, or HTTP when unset (the provider's
/// default for Application Load Balancers) unless the listener's load
/// balancer (found through `load_balancer_arn` in the root module) is a
/// network or gateway one. An HTTP listener passes when one of its
/// `default_action`s is a `redirect` whose `protocol` is HTTPS. An HTTPS or
/// TLS listener fails when its `ssl_policy` (ELBSecurityPolicy-2016-08 when
/// unset, the API's default) accepts TLS below 1.2: the policy's minimum
/// version is read from its name (`…-TLS13-1-1-…`, `…-TLS-1-0-…`, `…-FS-1-1-…`
/// → 1.1/1.0; `2016-08`, `2015-05`, `FS-2018-06` → 1.0). Names that say
/// nothing (custom or future policies) pass.
///
/// Listener rules (`aws_lb_listener_rule`) that forward on an HTTP listener
/// which redirects by default are not examined.
///
/// Location: `protocol` (or the header) for HTTP; `ssl_policy` (or the
/// header) for old TLS.
fn lb_https(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let protocol = match attr(r, "protocol").map(|n| &n.value) {
        None => {
            let lb = r
                .references
                .iter()
                .filter(|(p, _)| p.0.first() == Some(&Seg::Key("load_balancer_arn".into())))
                .find_map(|(_, a)| resolve(ctx, r, a));
            let lb_type = lb
                .and_then(|lb| attr(lb, "load_balancer_type"))
                .map(|n| &n.value);
            match lb_type {
                None => "HTTP".to_string(),
                Some(Value::Str(t)) if t.eq_ignore_ascii_case("application") => "HTTP".to_string(),
                _ => return,
            }
        }
        Some(Value::Str(p)) => p.to_ascii_uppercase(),
        Some(_) => return,
    };
    match protocol.as_str() {
        "HTTP" => {
            let actions = attr(r, "default_action")
                .map(Node::items)
                .unwrap_or_default();
            if actions.iter().any(|a| redirects_to_https(a) != Tri::No) {
                return;
            }
            out.push(Hit::new(
                path(&["protocol"]),
                format!(
                    "{} listens on plain HTTP without redirecting to HTTPS",
                    r.address
                ),
            ));
        }
        "HTTPS" | "TLS" => {
            let policy = attr(r, "ssl_policy");
            let name = match policy.map(|n| &n.value) {
                None => "ELBSecurityPolicy-2016-08",
                Some(Value::Str(s)) => s,
                Some(_) => return,
            };
            let Some(minor) = elb_policy_min_tls(name) else {
                return;
            };
            if minor >= 2 {
                return;
            }
            out.push(Hit::new(
                path(&["ssl_policy"]),
                match policy {
                    Some(_) => format!("{} uses ssl_policy {name}, which accepts TLS 1.{minor}; use a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06", r.address),
                    None => format!("{} sets no ssl_policy, so it gets ELBSecurityPolicy-2016-08, which accepts TLS 1.0; use a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06", r.address),
                },
            ));
        }
        _ => {}
    }
}

/// Whether a listener action redirects to HTTPS.
fn redirects_to_https(action: &Node) -> Tri {
    match child(action, "type").map(|n| &n.value) {
        Some(Value::Str(t)) if &**t == "redirect" => {}
        Some(Value::Str(_)) | None => return Tri::No,
        Some(_) => return Tri::Unknown,
    }
    let Some(redirect) = blocks(action, "redirect").first() else {
        return Tri::No;
    };
    match child(redirect, "protocol").map(|n| &n.value) {
        Some(Value::Str(p)) if p.eq_ignore_ascii_case("HTTPS") => Tri::Yes,
        // Unset keeps the request's protocol ("#{protocol}").
        Some(Value::Str(_)) | None => Tri::No,
        Some(_) => Tri::Unknown,
    }
}

/// The minimum TLS minor version (1.x) an ELB security policy accepts, from
/// its name; `None` when the name does not tell.
fn elb_policy_min_tls(name: &str) -> Option<u32> {
    let upper = name.to_ascii_uppercase();
    // Versioned families: ELBSecurityPolicy-TLS13-1-2-…, -TLS-1-1-…, -FS-1-2-….
    for family in ["-TLS13-1-", "-TLS-1-", "-FS-1-"] {
        if let Some(i) = upper.find(family) {
            return upper[i + family.len()..].chars().next()?.to_digit(10);
        }
    }
    // Legacy policies without a version in the name accept TLS 1.0.
    const LEGACY: [&str; 6] = [
        "ELBSECURITYPOLICY-2016-08",
        "ELBSECURITYPOLICY-2015-05",
        "ELBSECURITYPOLICY-2015-03",
        "ELBSECURITYPOLICY-2015-02",
        "ELBSECURITYPOLICY-2014-10",
        "ELBSECURITYPOLICY-FS-2018-06",
    ];
    LEGACY.contains(&upper.as_str()).then_some(0)
}

// ---------------------------------------------------------------------------
// AWS061 waf-attached

pub static WAF_ATTACHED: Rule = Rule {
    meta: RuleMeta {
        id: "AWS061",
        slug: "waf-attached",
        title: "Public load balancers and CloudFront distributions have a WAF",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "001 Application Security \"WAF with managed rules\"",
        tags: &["security", "terraform", "aws", "waf", "elb", "cloudfront"],
        rationale: "An internet-facing Application Load Balancer or CloudFront distribution without a web ACL passes SQL injection, known-exploit probes, credential stuffing and request floods straight to the application. AWS managed rule groups and rate-based rules stop most of them at the edge.",
        help: "Associate a WAFv2 web ACL: `aws_wafv2_web_acl_association` for a load balancer, `web_acl_id` for a CloudFront distribution (a CLOUDFRONT-scoped ACL).\n\n**Bad**\n\n```hcl\nresource \"aws_lb\" \"web\" {\n  name               = \"web\"\n  load_balancer_type = \"application\"\n  subnets            = module.vpc.public_subnets\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_lb\" \"web\" {\n  name               = \"web\"\n  load_balancer_type = \"application\"\n  subnets            = module.vpc.public_subnets\n}\n\nresource \"aws_wafv2_web_acl_association\" \"web\" {\n  resource_arn = aws_lb.web.arn\n  web_acl_arn  = aws_wafv2_web_acl.regional.arn\n}\n\nresource \"aws_cloudfront_distribution\" \"cdn\" {\n  web_acl_id = aws_wafv2_web_acl.edge.arn\n  # …\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["aws_lb", "aws_alb", "aws_cloudfront_distribution"]),
    },
    check: Check::Native(waf_attached),
};

/// Resource types that attach a web ACL to a resource through `resource_arn`.
const WAF_ASSOCIATIONS: [&str; 2] = [
    "aws_wafv2_web_acl_association",
    "aws_wafregional_web_acl_association",
];

/// AWS061. Load balancers: only application ones (`load_balancer_type`
/// unset or `application`) that are internet-facing (`internal` not true).
/// A resource passes with a non-empty `web_acl_id` (CloudFront), with a WAF
/// association in its root module whose `resource_arn` references it, or
/// when some association's `resource_arn` is unknown without naming another
/// resource (it may be this one). A distribution with `enabled = false`
/// serves nothing and passes.
///
/// Location: `web_acl_id` when written empty, else the resource header.
fn waf_attached(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if &*r.kind == "aws_cloudfront_distribution" {
        if matches!(
            attr(r, "enabled").map(|n| &n.value),
            Some(Value::Bool(false))
        ) {
            return;
        }
    } else {
        match attr(r, "load_balancer_type").map(|n| &n.value) {
            None => {}
            Some(Value::Str(t)) if &**t == "application" => {}
            _ => return,
        }
        if truth(attr(r, "internal")) != Tri::No {
            return;
        }
    }
    match attr(r, "web_acl_id").map(|n| &n.value) {
        Some(Value::Str(s)) if !s.trim().is_empty() => return,
        Some(Value::Str(_)) | None => {}
        Some(_) => return,
    }
    for kind in WAF_ASSOCIATIONS {
        if !referrers_of(ctx, r, kind, "resource_arn").is_empty() {
            return;
        }
    }
    let undecided = WAF_ASSOCIATIONS.iter().any(|kind| {
        of_kind(ctx, r, kind)
            .into_iter()
            .any(|a| unknown_without_target(a, "resource_arn"))
    });
    if undecided {
        return;
    }
    let what = if attr(r, "web_acl_id").is_some() {
        "sets an empty web_acl_id: no WAF web ACL protects it"
    } else if &*r.kind == "aws_cloudfront_distribution" {
        "has no web_acl_id (WAF web ACL)"
    } else {
        "is internet-facing and has no aws_wafv2_web_acl_association"
    };
    out.push(Hit::new(
        path(&["web_acl_id"]),
        format!("{} {what}", r.address),
    ));
}

// ---------------------------------------------------------------------------
// AWS062 cloudfront-tls

pub static CLOUDFRONT_TLS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS062",
        slug: "cloudfront-tls",
        title: "CloudFront requires HTTPS with TLS 1.2 or later",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "001 CDN (CloudFront); Data Security \"Encryption in transit (TLS 1.2+)\"",
        tags: &["security", "terraform", "aws", "cloudfront", "encryption", "tls"],
        rationale: "`viewer_protocol_policy = \"allow-all\"` serves content over plain HTTP, and a viewer certificate whose minimum protocol version is below TLSv1.2_2021 lets clients negotiate TLS 1.0/1.1 or weak ciphers. The default `*.cloudfront.net` certificate always accepts TLSv1: a distribution that must meet TLS 1.2+ needs its own domain and ACM certificate.",
        help: "Use `redirect-to-https` or `https-only` in every cache behavior, and a custom certificate with `minimum_protocol_version = \"TLSv1.2_2021\"` (or later). Setting `allow_default_certificate` accepts the default `*.cloudfront.net` certificate.\n\n**Bad**\n\n```hcl\nresource \"aws_cloudfront_distribution\" \"site\" {\n  default_cache_behavior {\n    viewer_protocol_policy = \"allow-all\"\n    # …\n  }\n\n  viewer_certificate {\n    acm_certificate_arn      = aws_acm_certificate.site.arn\n    ssl_support_method       = \"sni-only\"\n    minimum_protocol_version = \"TLSv1\"\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_cloudfront_distribution\" \"site\" {\n  default_cache_behavior {\n    viewer_protocol_policy = \"redirect-to-https\"\n    # …\n  }\n\n  viewer_certificate {\n    acm_certificate_arn      = aws_acm_certificate.site.arn\n    ssl_support_method       = \"sni-only\"\n    minimum_protocol_version = \"TLSv1.2_2021\"\n  }\n}\n```",
        settings: &[Setting {
            name: "allow_default_certificate",
            default: "false",
            help: "Accept the default *.cloudfront.net certificate (it allows TLSv1).",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["aws_cloudfront_distribution"]),
    },
    check: Check::Native(cloudfront_tls),
};

/// CloudFront security policies in increasing order of strength; those
/// before TLSv1.2_2021 fail.
const CLOUDFRONT_POLICIES: [&str; 9] = [
    "SSLv3",
    "TLSv1",
    "TLSv1_2016",
    "TLSv1.1_2016",
    "TLSv1.2_2018",
    "TLSv1.2_2019",
    "TLSv1.2_2021",
    "TLSv1.2_2025",
    "TLSv1.3_2025",
];
const CLOUDFRONT_MINIMUM: usize = 6;

/// AWS062. Every `default_cache_behavior` and `ordered_cache_behavior` whose
/// `viewer_protocol_policy` is `allow-all` fails. The `viewer_certificate`
/// fails when `cloudfront_default_certificate = true` (that certificate
/// always accepts TLSv1; setting `allow_default_certificate` accepts it), or
/// when a custom certificate's `minimum_protocol_version` (TLSv1 when unset,
/// the provider's default) is below TLSv1.2_2021. Unknown or unrecognised
/// values pass.
///
/// Location: each offending `viewer_protocol_policy`; the
/// `minimum_protocol_version` or `cloudfront_default_certificate` line, else
/// the `viewer_certificate` block.
fn cloudfront_tls(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    for behavior in ["default_cache_behavior", "ordered_cache_behavior"] {
        for (i, b) in attr(r, behavior)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if child(b, "viewer_protocol_policy").and_then(Node::as_str) == Some("allow-all") {
                let at = AttrPath(vec![
                    Seg::Key(behavior.into()),
                    Seg::Index(i),
                    Seg::Key("viewer_protocol_policy".into()),
                ]);
                let which = if behavior == "default_cache_behavior" {
                    "its default cache behavior".to_string()
                } else {
                    match child(b, "path_pattern").and_then(Node::as_str) {
                        Some(p) => format!("the cache behavior for {p}"),
                        None => format!("ordered cache behavior {i}"),
                    }
                };
                out.push(Hit::new(
                    at,
                    format!("{} serves plain HTTP in {which} (viewer_protocol_policy = \"allow-all\"); use redirect-to-https or https-only", r.address),
                ));
            }
        }
    }
    let Some(cert) = attr(r, "viewer_certificate").and_then(|n| n.items().first()) else {
        return;
    };
    let cert_path = |key: &str| {
        AttrPath(vec![
            Seg::Key("viewer_certificate".into()),
            Seg::Index(0),
            Seg::Key(key.into()),
        ])
    };
    match truth(child(cert, "cloudfront_default_certificate")) {
        Tri::Unknown => return,
        Tri::Yes => {
            if !ctx.settings.bool(ctx.rule, "allow_default_certificate") {
                out.push(Hit::new(
                    cert_path("cloudfront_default_certificate"),
                    format!("{} uses the default *.cloudfront.net certificate, which always accepts TLSv1; use an ACM certificate with minimum_protocol_version = \"TLSv1.2_2021\"", r.address),
                ));
            }
            return;
        }
        Tri::No => {}
    }
    // A custom certificate (ACM or IAM) sets the minimum version.
    let custom = ["acm_certificate_arn", "iam_certificate_id"]
        .iter()
        .any(|k| child(cert, k).is_some());
    if !custom {
        return;
    }
    let version = child(cert, "minimum_protocol_version");
    let name = match version.map(|n| &n.value) {
        None => "TLSv1",
        Some(Value::Str(s)) => s,
        Some(_) => return,
    };
    let Some(rank) = CLOUDFRONT_POLICIES
        .iter()
        .position(|p| p.eq_ignore_ascii_case(name))
    else {
        return;
    };
    if rank >= CLOUDFRONT_MINIMUM {
        return;
    }
    let (at, message) = match version {
        Some(_) => (
            cert_path("minimum_protocol_version"),
            format!("{} accepts viewers from {name}; set minimum_protocol_version = \"TLSv1.2_2021\" or later", r.address),
        ),
        None => (
            AttrPath(vec![Seg::Key("viewer_certificate".into())]),
            format!("{} sets no minimum_protocol_version, so viewers may use TLSv1; set \"TLSv1.2_2021\" or later", r.address),
        ),
    };
    out.push(Hit::new(at, message));
}

#[cfg(test)]
mod tests {
    use super::elb_policy_min_tls;

    #[test]
    fn elb_policy_versions() {
        assert_eq!(elb_policy_min_tls("ELBSecurityPolicy-2016-08"), Some(0));
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS-1-0-2015-04"),
            Some(0)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS-1-1-2017-01"),
            Some(1)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS-1-2-2017-01"),
            Some(2)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS-1-2-Ext-2018-06"),
            Some(2)
        );
        assert_eq!(elb_policy_min_tls("ELBSecurityPolicy-FS-2018-06"), Some(0));
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-FS-1-1-2019-08"),
            Some(1)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-FS-1-2-Res-2020-10"),
            Some(2)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS13-1-0-2021-06"),
            Some(0)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS13-1-1-2021-06"),
            Some(1)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS13-1-2-2021-06"),
            Some(2)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"),
            Some(2)
        );
        assert_eq!(
            elb_policy_min_tls("ELBSecurityPolicy-TLS13-1-3-2021-06"),
            Some(3)
        );
        assert_eq!(elb_policy_min_tls("my-custom-policy"), None);
    }
}
