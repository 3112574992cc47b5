//! S3 rules: AWS020 s3-encryption-kms, AWS021 s3-versioning, AWS022
//! s3-lifecycle, AWS023 s3-public-access-block.
//!
//! A bucket is configured inline (`aws_s3_bucket` blocks, deprecated since
//! AWS provider v4) or by companion resources (`aws_s3_bucket_versioning`, …)
//! whose `bucket` names it. A companion belongs to a bucket when:
//! - its `bucket` references the bucket (`aws_s3_bucket.b.id`, `.bucket`,
//!   `each.value.id` of a `for_each` over the buckets, through locals and
//!   local modules), in the same root module. A companion whose `bucket` may
//!   reference several buckets (an unknown `for_each` key) only *may* belong
//!   to each of them;
//! - or its `bucket` is a literal name equal to the bucket's literal `bucket`
//!   (in any root module: bucket names are global);
//! - or its `bucket` is unknown and references no managed bucket (a variable
//!   without value, a data source): it may belong to every bucket of its root
//!   module.
//!
//! Where findings go, the same for the four rules:
//! - nothing configures the setting: on the bucket, at its header;
//! - only the bucket's own inline block does, wrongly: at that inline attribute;
//! - a companion configures it wrongly (`status = "Suspended"`): on the
//!   companion, at the offending attribute, since the companion is what must
//!   be fixed. Each rule also applies to its companion kind for this, whether
//!   or not the bucket is in the scan, and does not report the bucket again;
//! - the `terraform-aws-modules/s3-bucket` module, when not downloaded (a
//!   resource of kind `module`): on the module call, at the offending input,
//!   or at the call's header when the input is missing and its default
//!   applies. A downloaded module is checked through its resources.
//!
//! A bucket passes when any companion that may belong to it is right or
//! unknown: unknown never reports. Object Lock (`object_lock_enabled`)
//! enables versioning for good, so it satisfies AWS021. An account-wide
//! `aws_s3_account_public_access_block` satisfies AWS023 for the buckets of
//! its root module (other root modules may be other accounts).
//!
//! Known limits: the module's public access block flags are read with their
//! defaults since v3.9 (`true`); ELB access-log buckets only support SSE-S3,
//! so AWS020 reports them (suppress it there with a reason).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::{attr, child, path, truth, Tri};
use crate::model::{AttrPath, Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

const BUCKET: &str = "aws_s3_bucket";
const SSE: &str = "aws_s3_bucket_server_side_encryption_configuration";
const VERSIONING: &str = "aws_s3_bucket_versioning";
const LIFECYCLE: &str = "aws_s3_bucket_lifecycle_configuration";
const PUBLIC_ACCESS_BLOCK: &str = "aws_s3_bucket_public_access_block";
const ACCOUNT_PUBLIC_ACCESS_BLOCK: &str = "aws_s3_account_public_access_block";
const PAB_FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// Whether checking `rule` on `r` reads other root modules: bucket names
/// are global, so a bucket's companions by literal name count wherever they
/// are (`companions_of`). Every other check stays in its root module.
pub fn reads_other_roots(rule: &Rule, r: &Resource) -> bool {
    &*r.kind == BUCKET
        && [
            &ENCRYPTION_KMS,
            &VERSIONING_ENABLED,
            &LIFECYCLE_RULES,
            &PUBLIC_ACCESS_BLOCKED,
        ]
        .iter()
        .any(|x| x.meta.id == rule.meta.id)
}

/// Whether such a check may read `r` (or check it): the buckets and their
/// companions.
pub fn read_across_roots(r: &Resource) -> bool {
    [
        BUCKET,
        SSE,
        VERSIONING,
        LIFECYCLE,
        PUBLIC_ACCESS_BLOCK,
        ACCOUNT_PUBLIC_ACCESS_BLOCK,
    ]
    .contains(&&*r.kind)
}

pub static ENCRYPTION_KMS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS020",
        slug: "s3-encryption-kms",
        title: "S3 buckets are encrypted with KMS",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 \"S3: Server-side encryption with KMS\"",
        tags: &["security", "terraform", "aws", "s3", "encryption"],
        rationale: "S3 encrypts new objects with S3-managed keys (SSE-S3) by default, which anyone with read access to the bucket can decrypt. SSE-KMS puts a key policy and CloudTrail-audited key use between the data and a reader, and lets you revoke access by disabling the key.",
        help: "Configure server-side encryption with `aws:kms` (or `aws:kms:dsse`) in an `aws_s3_bucket_server_side_encryption_configuration` that references the bucket (or, with the terraform-aws-modules/s3-bucket module, its `server_side_encryption_configuration` input).\n\n**Bad**\n\n```hcl\nresource \"aws_s3_bucket\" \"reports\" {\n  bucket = \"acme-reports\"\n}\n\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"reports\" {\n  bucket = aws_s3_bucket.reports.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"AES256\"\n    }\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_s3_bucket\" \"reports\" {\n  bucket = \"acme-reports\"\n}\n\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"reports\" {\n  bucket = aws_s3_bucket.reports.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm     = \"aws:kms\"\n      kms_master_key_id = aws_kms_key.s3.arn\n    }\n    bucket_key_enabled = true\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[BUCKET, SSE, "module"]),
    },
    check: Check::Native(encryption_kms),
};

pub static VERSIONING_ENABLED: Rule = Rule {
    meta: RuleMeta {
        id: "AWS021",
        slug: "s3-versioning",
        title: "S3 buckets have versioning enabled",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "002 \"Versioning enabled\"; 004 Automated Backups",
        tags: &["reliability", "terraform", "aws", "s3", "backup"],
        rationale: "Without versioning, an overwrite or a delete (a bug, a compromised credential, ransomware) destroys the only copy of an object. Versioning keeps previous versions recoverable; lifecycle rules expire them to bound the cost.",
        help: "Enable versioning with an `aws_s3_bucket_versioning` whose `versioning_configuration` has `status = \"Enabled\"` (or the module's `versioning = { enabled = true }`).\n\n**Bad**\n\n```hcl\nresource \"aws_s3_bucket\" \"uploads\" {\n  bucket = \"acme-uploads\"\n}\n\nresource \"aws_s3_bucket_versioning\" \"uploads\" {\n  bucket = aws_s3_bucket.uploads.id\n  versioning_configuration {\n    status = \"Suspended\"\n  }\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_s3_bucket\" \"uploads\" {\n  bucket = \"acme-uploads\"\n}\n\nresource \"aws_s3_bucket_versioning\" \"uploads\" {\n  bucket = aws_s3_bucket.uploads.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[BUCKET, VERSIONING, "module"]),
    },
    check: Check::Native(versioning),
};

pub static LIFECYCLE_RULES: Rule = Rule {
    meta: RuleMeta {
        id: "AWS022",
        slug: "s3-lifecycle",
        title: "S3 buckets have lifecycle rules",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "004 \"Lifecycle Policies\"; 001 Cost Optimization",
        tags: &["cost", "terraform", "aws", "s3"],
        rationale: "Without lifecycle rules, objects (and, with versioning, every previous version and incomplete multipart upload) stay in S3 Standard forever. Transitions to cheaper storage classes and expirations keep the cost proportional to what is still needed.",
        help: "Add an `aws_s3_bucket_lifecycle_configuration` with at least one enabled rule (or the module's `lifecycle_rule` input).\n\n**Bad**\n\n```hcl\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-logs\"\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"acme-logs\"\n}\n\nresource \"aws_s3_bucket_lifecycle_configuration\" \"logs\" {\n  bucket = aws_s3_bucket.logs.id\n  rule {\n    id     = \"archive\"\n    status = \"Enabled\"\n    filter {}\n    transition {\n      days          = 30\n      storage_class = \"STANDARD_IA\"\n    }\n    noncurrent_version_expiration {\n      noncurrent_days = 90\n    }\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[BUCKET, LIFECYCLE, "module"]),
    },
    check: Check::Native(lifecycle),
};

pub static PUBLIC_ACCESS_BLOCKED: Rule = Rule {
    meta: RuleMeta {
        id: "AWS023",
        slug: "s3-public-access-block",
        title: "S3 buckets block public access",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 Data Protection; Network Security",
        tags: &["security", "terraform", "aws", "s3"],
        rationale: "A public ACL or bucket policy, added by mistake or by a later change, exposes every object to the internet. The public access block's four flags make S3 refuse and ignore public ACLs and policies for the bucket, whatever else is configured.",
        help: "Add an `aws_s3_bucket_public_access_block` for the bucket with all four flags `true` (an `aws_s3_account_public_access_block` with all four `true` in the same root module covers all its buckets). With the terraform-aws-modules/s3-bucket module, keep `attach_public_policy` and the four `block_*`/`ignore_*`/`restrict_*` inputs at their default `true`.\n\n**Bad**\n\n```hcl\nresource \"aws_s3_bucket_public_access_block\" \"site\" {\n  bucket              = aws_s3_bucket.site.id\n  block_public_acls   = true\n  block_public_policy = false\n}\n```\n\n**Good**\n\n```hcl\nresource \"aws_s3_bucket_public_access_block\" \"site\" {\n  bucket                  = aws_s3_bucket.site.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[BUCKET, PUBLIC_ACCESS_BLOCK, "module"]),
    },
    check: Check::Native(public_access_block),
};

/// What a configuration says about a rule's requirement.
#[derive(Debug)]
enum State {
    Good,
    Unknown,
    /// Wrong: the path to report at and the problem (the message's end).
    Bad(AttrPath, String),
}

/// Whether an unresolved module call is the terraform-aws-modules module
/// `name` (`s3-bucket`, `eks`) itself, not one of its submodules: returns
/// the submodule directory (`""` for the module itself, `modules/x` for a
/// `//modules/x` source). Registry, `registry.terraform.io/…`, GitHub and git
/// sources are recognised.
pub(super) fn tam_module(r: &Resource, name: &str) -> Option<String> {
    if &*r.kind != "module" {
        return None;
    }
    let source = attr(r, "source")?.as_str()?.to_ascii_lowercase();
    let mut rest = None;
    for id in [
        format!("terraform-aws-modules/{name}"),
        format!("terraform-aws-modules/terraform-aws-{name}"),
    ] {
        if let Some(i) = source.find(&id) {
            let after = &source[i + id.len()..];
            // `…/s3-bucket` must not match `…/s3-bucket-notification`.
            if after.is_empty() || after.starts_with(['/', '.', '?']) {
                rest = Some(after.to_string());
                break;
            }
        }
    }
    let rest = rest?;
    // `//modules/x` selects a subdirectory (`://` is a URL scheme, not one).
    let sub = rest
        .match_indices("//")
        .find(|(i, _)| *i == 0 || !rest[..*i].ends_with(':'))
        .map(|(i, _)| &rest[i + 2..])
        .unwrap_or("");
    let sub = sub.split(['?', '#']).next().unwrap_or("");
    Some(sub.trim_matches('/').to_string())
}

/// The path with a trailing list index removed: a nested block that lacks an
/// attribute is reported at its `block {` line, not at its first attribute.
fn block_path(mut p: AttrPath) -> AttrPath {
    if matches!(p.0.last(), Some(Seg::Index(_))) {
        p.0.pop();
    }
    p
}

/// Follow `keys` from `n`, each step a key whose value is a list of blocks
/// or a single object (module inputs): every node reached, with its path, or
/// `None` (with the path of the deepest node that exists) where a step is
/// missing. An unknown node on the way is returned as reached.
fn follow<'a>(
    n: &'a Node,
    at: &AttrPath,
    keys: &[&str],
    out: &mut Vec<(AttrPath, Option<&'a Node>)>,
) {
    let Some((first, rest)) = keys.split_first() else {
        out.push((at.clone(), Some(n)));
        return;
    };
    if n.is_unknown() {
        out.push((at.clone(), Some(n)));
        return;
    }
    let here = at.join([*first]);
    match child(n, first) {
        // Missing at the top: the attribute's own path (the header); inside
        // a block: the block's line.
        None => out.push((
            if at.0.is_empty() {
                here
            } else {
                block_path(at.clone())
            },
            None,
        )),
        Some(c) => match &c.value {
            Value::Seq(items) if items.is_empty() => out.push((here, None)),
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    follow(item, &here.join([i]), rest, out);
                }
            }
            _ => follow(c, &here, rest, out),
        },
    }
}

/// Combine the states of several alternatives (blocks, rules): good if one
/// is, else unknown if one is, else the first problem.
fn any_of(states: impl IntoIterator<Item = State>) -> Option<State> {
    let mut first_bad = None;
    let mut unknown = false;
    for s in states {
        match s {
            State::Good => return Some(State::Good),
            State::Unknown => unknown = true,
            bad @ State::Bad(..) => {
                first_bad.get_or_insert(bad);
            }
        }
    }
    if unknown {
        Some(State::Unknown)
    } else {
        first_bad
    }
}

/// Whether an address names a managed bucket (at any module depth), not a
/// data source: an `aws_s3_bucket`, or an S3 Express `aws_s3_directory_bucket`
/// (a companion of one is settled, and says nothing of the plain buckets).
fn is_managed_bucket_address(address: &str) -> bool {
    ["aws_s3_bucket.", "aws_s3_directory_bucket."]
        .iter()
        .any(|kind| {
            address.match_indices(kind).any(|(i, _)| {
                let before = &address[..i];
                before.is_empty()
                    || (before.ends_with('.') && before != "data." && !before.ends_with(".data."))
            })
        })
}

/// Whether a reference's attribute path is the companion's `bucket`.
fn via_bucket(p: &AttrPath) -> bool {
    matches!(p.0.first(), Some(Seg::Key(k)) if &**k == "bucket")
}

/// Companions that name their bucket literally or not at all, and
/// account-wide public access blocks: built once per scan, so that a bucket
/// without companions by reference does not walk the whole scan.
#[derive(Default)]
struct Index {
    /// (companion kind, literal bucket name) → companions.
    by_name: HashMap<(String, String), Vec<usize>>,
    /// Companion kind → companions whose `bucket` is unknown and references
    /// no managed bucket.
    unknown: HashMap<String, Vec<usize>>,
    account_blocks: Vec<usize>,
}

fn index(ctx: &Ctx) -> Arc<Index> {
    let resources = ctx.resources;
    ctx.relations.cached("aws.s3.companions", || {
        let mut index = Index::default();
        for (i, c) in resources.iter().enumerate() {
            if c.platform != Platform::Terraform {
                continue;
            }
            if &*c.kind == ACCOUNT_PUBLIC_ACCESS_BLOCK {
                index.account_blocks.push(i);
                continue;
            }
            if ![SSE, VERSIONING, LIFECYCLE, PUBLIC_ACCESS_BLOCK].contains(&&*c.kind) {
                continue;
            }
            match attr(c, "bucket").map(|b| &b.value) {
                Some(Value::Str(name)) => index
                    .by_name
                    .entry((c.kind.to_string(), name.to_string()))
                    .or_default()
                    .push(i),
                Some(Value::Unknown)
                    if !c
                        .references
                        .iter()
                        .any(|(p, t)| via_bucket(p) && is_managed_bucket_address(t)) =>
                {
                    index.unknown.entry(c.kind.to_string()).or_default().push(i)
                }
                _ => {}
            }
        }
        index
    })
}

/// A companion resource that belongs to a bucket (`sure`) or may.
struct Companion<'a> {
    res: &'a Resource,
    sure: bool,
}

/// The companions of kind `kind` of `bucket` (see the module documentation).
fn companions_of<'a>(ctx: &Ctx<'a>, bucket: &Resource, kind: &str) -> Vec<Companion<'a>> {
    let mut out: Vec<Companion<'a>> = Vec::new();
    let resources: &'a [Resource] = ctx.resources;
    for (i, p) in ctx.relations.referrers_in(bucket, &bucket.address) {
        let Some(c) = resources.get(*i) else {
            continue;
        };
        if &*c.kind != kind || !via_bucket(p) || out.iter().any(|x| std::ptr::eq(x.res, c)) {
            continue;
        }
        let targets: BTreeSet<&str> = c
            .references
            .iter()
            .filter(|(p, _)| via_bucket(p))
            .map(|(_, t)| t.as_str())
            .collect();
        out.push(Companion {
            res: c,
            sure: targets.len() == 1,
        });
    }
    if out.iter().any(|c| c.sure) {
        return out;
    }
    // By literal name (any root module: names are global), or unknown (this
    // root module only).
    let index = index(ctx);
    let by_name = attr(bucket, "bucket")
        .and_then(Node::as_str)
        .and_then(|name| index.by_name.get(&(kind.to_string(), name.to_string())));
    let unknown = index.unknown.get(kind);
    let found = by_name
        .into_iter()
        .flatten()
        .map(|i| (*i, true))
        .chain(unknown.into_iter().flatten().map(|i| (*i, false)));
    for (i, sure) in found {
        let Some(c) = resources.get(i) else {
            continue;
        };
        if (sure || ctx.relations.same_root(bucket, c))
            && !out.iter().any(|x| std::ptr::eq(x.res, c))
        {
            out.push(Companion { res: c, sure });
        }
    }
    out
}

/// The common decision for a bucket (see the module documentation): `inline`
/// is what the bucket's own blocks say (`None`: nothing), `judge` reads a
/// companion, `missing` words the finding when nothing configures it.
fn check_bucket(
    ctx: &Ctx,
    r: &Resource,
    out: &mut Vec<Hit>,
    inline: Option<State>,
    kind: &str,
    judge: fn(&Resource) -> State,
    missing: String,
) {
    if matches!(inline, Some(State::Good | State::Unknown)) {
        return;
    }
    let mut reported_elsewhere = false;
    for c in companions_of(ctx, r, kind) {
        match judge(c.res) {
            State::Good | State::Unknown => return,
            // A companion that may not be this bucket's leaves it unknown.
            State::Bad(..) if !c.sure => return,
            // Reported on the companion itself.
            State::Bad(..) => reported_elsewhere = true,
        }
    }
    if reported_elsewhere {
        return;
    }
    match inline {
        Some(State::Bad(p, why)) => out.push(Hit::new(p, format!("{} {why}", r.address))),
        _ => out.push(Hit::new(AttrPath::root(), missing)),
    }
}

/// A companion's own verdict, reported on it.
fn check_companion(r: &Resource, out: &mut Vec<Hit>, judge: fn(&Resource) -> State) {
    if let State::Bad(p, why) = judge(r) {
        out.push(Hit::new(p, format!("{} {why}", r.address)));
    }
}

/// `create_bucket = false` (or unknown) in an s3-bucket module call: nothing
/// to check. `is_directory_bucket`: directory buckets have no versioning,
/// lifecycle or public access block.
fn module_bucket(r: &Resource, plain_bucket_only: bool) -> bool {
    if tam_module(r, "s3-bucket").as_deref() != Some("") {
        return false;
    }
    if attr(r, "create_bucket").is_some() && truth(attr(r, "create_bucket")) != Tri::Yes {
        return false;
    }
    !(plain_bucket_only && truth(attr(r, "is_directory_bucket")) != Tri::No)
}

// ---------------------------------------------------------------- AWS020

fn kms_algorithm(leaf: (AttrPath, Option<&Node>), missing: &str) -> State {
    match leaf {
        (p, None) => State::Bad(p, missing.to_string()),
        (_, Some(n)) if n.is_unknown() => State::Unknown,
        (p, Some(n)) => match n.as_str() {
            Some(a)
                if a.eq_ignore_ascii_case("aws:kms") || a.eq_ignore_ascii_case("aws:kms:dsse") =>
            {
                State::Good
            }
            Some(a) => State::Bad(
                p,
                format!("encrypts with {a}, not with KMS (sse_algorithm \"aws:kms\")"),
            ),
            None => State::Bad(p, "has no sse_algorithm of \"aws:kms\"".into()),
        },
    }
}

/// The SSE state under `keys` (ending in `sse_algorithm`) from `n`.
fn sse_state(n: &Node, at: &AttrPath, keys: &[&str]) -> State {
    let mut leaves = Vec::new();
    follow(n, at, keys, &mut leaves);
    any_of(leaves.into_iter().map(|l| {
        kms_algorithm(
            l,
            "configures no default encryption with sse_algorithm \"aws:kms\"",
        )
    }))
    .unwrap_or(State::Unknown)
}

fn judge_sse(c: &Resource) -> State {
    sse_state(
        &c.attributes,
        &AttrPath::root(),
        &[
            "rule",
            "apply_server_side_encryption_by_default",
            "sse_algorithm",
        ],
    )
}

fn encryption_kms(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    match &*r.kind {
        SSE => check_companion(r, out, judge_sse),
        BUCKET => {
            let inline = attr(r, "server_side_encryption_configuration").map(|_| {
                sse_state(
                    &r.attributes,
                    &AttrPath::root(),
                    &[
                        "server_side_encryption_configuration",
                        "rule",
                        "apply_server_side_encryption_by_default",
                        "sse_algorithm",
                    ],
                )
            });
            let missing = format!(
                "{} is not encrypted with KMS: no {SSE} with sse_algorithm \"aws:kms\" references it (S3 defaults to SSE-S3)",
                r.address
            );
            check_bucket(ctx, r, out, inline, SSE, judge_sse, missing);
        }
        _ if module_bucket(r, false) => {
            let state = match attr(r, "server_side_encryption_configuration") {
                None => State::Bad(
                    path(&["server_side_encryption_configuration"]),
                    "sets no server_side_encryption_configuration: the bucket is encrypted with SSE-S3, not KMS".into(),
                ),
                Some(_) => sse_state(
                    &r.attributes,
                    &AttrPath::root(),
                    &[
                        "server_side_encryption_configuration",
                        "rule",
                        "apply_server_side_encryption_by_default",
                        "sse_algorithm",
                    ],
                ),
            };
            if let State::Bad(p, why) = state {
                out.push(Hit::new(p, format!("{} {why}", r.address)));
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- AWS021

fn judge_versioning(c: &Resource) -> State {
    let mut leaves = Vec::new();
    follow(
        &c.attributes,
        &AttrPath::root(),
        &["versioning_configuration", "status"],
        &mut leaves,
    );
    any_of(leaves.into_iter().map(|(p, n)| match n {
        None => State::Bad(
            p,
            "has no versioning_configuration status \"Enabled\"".into(),
        ),
        Some(n) if n.is_unknown() => State::Unknown,
        Some(n) => match n.as_str() {
            Some("Enabled") => State::Good,
            Some(s) => State::Bad(
                p,
                format!("sets versioning status \"{s}\", not \"Enabled\""),
            ),
            None => State::Bad(p, "has no versioning status \"Enabled\"".into()),
        },
    }))
    .unwrap_or(State::Unknown)
}

fn versioning(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    match &*r.kind {
        VERSIONING => check_companion(r, out, judge_versioning),
        BUCKET => {
            // Object Lock turns versioning on for good.
            match object_lock(r) {
                Tri::Yes | Tri::Unknown => return,
                Tri::No => {}
            }
            let inline = attr(r, "versioning").and_then(|_| {
                let mut leaves = Vec::new();
                follow(
                    &r.attributes,
                    &AttrPath::root(),
                    &["versioning", "enabled"],
                    &mut leaves,
                );
                any_of(leaves.into_iter().map(|(p, n)| match truth(n) {
                    Tri::Yes => State::Good,
                    Tri::Unknown => State::Unknown,
                    Tri::No if n.is_some() => {
                        State::Bad(p, "sets versioning enabled = false".into())
                    }
                    Tri::No => {
                        State::Bad(p, "has a versioning block without enabled = true".into())
                    }
                }))
            });
            let missing = format!(
                "{} has no versioning: no {VERSIONING} with status \"Enabled\" references it",
                r.address
            );
            check_bucket(ctx, r, out, inline, VERSIONING, judge_versioning, missing);
        }
        _ if module_bucket(r, true) => {
            if let State::Bad(p, why) = module_versioning(r) {
                out.push(Hit::new(p, format!("{} {why}", r.address)));
            }
        }
        _ => {}
    }
}

/// Whether Object Lock is on (which enables versioning, for good):
/// `object_lock_enabled`, or provider v3's inline
/// `object_lock_configuration { object_lock_enabled = "Enabled" }`.
fn object_lock(r: &Resource) -> Tri {
    match truth(attr(r, "object_lock_enabled")) {
        Tri::No => {}
        yes_or_unknown => return yes_or_unknown,
    }
    let mut found = Tri::No;
    for c in super::blocks(&r.attributes, "object_lock_configuration") {
        match child(c, "object_lock_enabled") {
            Some(n) if n.is_unknown() => found = Tri::Unknown,
            Some(n) if n.as_str() == Some("Enabled") => return Tri::Yes,
            _ => {}
        }
    }
    found
}

/// The s3-bucket module's `versioning` map, read as the module reads it:
/// `enabled`, else `status` (a boolean or "Enabled"), else enabled when the
/// map has any key; an empty or missing map creates no versioning at all.
fn module_versioning(r: &Resource) -> State {
    if truth(attr(r, "object_lock_enabled")) != Tri::No {
        return State::Good;
    }
    let Some(v) = attr(r, "versioning") else {
        return State::Bad(
            path(&["versioning"]),
            "sets no versioning (the module's default {} leaves versioning off)".into(),
        );
    };
    if v.is_unknown() {
        return State::Unknown;
    }
    if v.entries().is_empty() {
        return State::Bad(
            path(&["versioning"]),
            "sets versioning = {} (no versioning)".into(),
        );
    }
    for (key, off) in [
        ("enabled", "enabled = false"),
        ("status", "a status other than Enabled"),
    ] {
        let Some(n) = child(v, key) else {
            continue;
        };
        if n.is_unknown() {
            return State::Unknown;
        }
        let on = match &n.value {
            Value::Bool(b) => *b,
            Value::Str(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "enabled"),
            _ => false,
        };
        return if on {
            State::Good
        } else {
            State::Bad(
                path(&["versioning", key]),
                format!("sets versioning with {off}"),
            )
        };
    }
    State::Good
}

// ---------------------------------------------------------------- AWS022

fn judge_lifecycle(c: &Resource) -> State {
    let rules = super::blocks(&c.attributes, "rule");
    if attr(c, "rule").is_some_and(Node::is_unknown) {
        return State::Unknown;
    }
    if rules.is_empty() {
        return State::Bad(path(&["rule"]), "has no lifecycle rule".into());
    }
    any_of(rules.iter().enumerate().map(|(i, rule)| {
        let p = path(&["rule"]).join([Seg::Index(i), Seg::from("status")]);
        match rule.get("status") {
            _ if rule.is_unknown() => State::Unknown,
            Some(n) if n.is_unknown() => State::Unknown,
            Some(n) if n.as_str() == Some("Enabled") => State::Good,
            Some(_) => State::Bad(
                p,
                "has no enabled lifecycle rule (every rule's status is \"Disabled\")".into(),
            ),
            None => State::Bad(
                block_path(p),
                "has a lifecycle rule without status \"Enabled\"".into(),
            ),
        }
    }))
    .unwrap_or(State::Unknown)
}

fn lifecycle(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    match &*r.kind {
        LIFECYCLE => check_companion(r, out, judge_lifecycle),
        BUCKET => {
            let rules = super::blocks(&r.attributes, "lifecycle_rule");
            let inline = if attr(r, "lifecycle_rule").is_some_and(Node::is_unknown) {
                Some(State::Unknown)
            } else {
                any_of(rules.iter().enumerate().map(|(i, rule)| {
                    let p = path(&["lifecycle_rule"]).join([Seg::Index(i), Seg::from("enabled")]);
                    match truth(child(rule, "enabled")) {
                        _ if rule.is_unknown() => State::Unknown,
                        Tri::Yes => State::Good,
                        Tri::Unknown => State::Unknown,
                        Tri::No => State::Bad(p, "has lifecycle_rule blocks, all disabled".into()),
                    }
                }))
            };
            let missing = format!(
                "{} has no lifecycle rules: no {LIFECYCLE} references it",
                r.address
            );
            check_bucket(ctx, r, out, inline, LIFECYCLE, judge_lifecycle, missing);
        }
        _ if module_bucket(r, true) => {
            let state = match attr(r, "lifecycle_rule") {
                None => State::Bad(
                    path(&["lifecycle_rule"]),
                    "sets no lifecycle_rule (the module's default [] has none)".into(),
                ),
                Some(n) if n.is_unknown() => State::Unknown,
                Some(n) if n.items().is_empty() && n.entries().is_empty() => State::Bad(
                    path(&["lifecycle_rule"]),
                    "sets lifecycle_rule = [] (no lifecycle rules)".into(),
                ),
                Some(n) => {
                    let rules: Vec<&Node> = match &n.value {
                        Value::Seq(items) => items.iter().collect(),
                        _ => vec![n],
                    };
                    // A rule is on unless `enabled = false` or a status says otherwise.
                    let on = |rule: &Node| match (child(rule, "enabled"), child(rule, "status")) {
                        (Some(e), _) => truth(Some(e)) != Tri::No,
                        (None, Some(s)) => {
                            s.is_unknown()
                                || matches!(&s.value, Value::Bool(true))
                                || s.as_str().is_some_and(|s| {
                                    matches!(s.to_ascii_lowercase().as_str(), "enabled" | "true")
                                })
                        }
                        (None, None) => true,
                    };
                    if rules.iter().any(|rule| rule.is_unknown() || on(rule)) {
                        State::Good
                    } else {
                        State::Bad(
                            path(&["lifecycle_rule"]),
                            "has lifecycle rules, all disabled".into(),
                        )
                    }
                }
            };
            if let State::Bad(p, why) = state {
                out.push(Hit::new(p, format!("{} {why}", r.address)));
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- AWS023

/// The four flags of a public access block (bucket or account level).
fn judge_flags(c: &Resource) -> State {
    let mut unknown = false;
    let mut off: Vec<&str> = Vec::new();
    let mut at: Option<AttrPath> = None;
    for flag in PAB_FLAGS {
        match truth(attr(c, flag)) {
            Tri::Yes => {}
            Tri::Unknown => unknown = true,
            Tri::No => {
                off.push(flag);
                // Point at the first flag set to false; a missing one is the header.
                if at.is_none() && attr(c, flag).is_some() {
                    at = Some(path(&[flag]));
                }
            }
        }
    }
    match (off.is_empty(), unknown) {
        (true, false) => State::Good,
        (true, true) => State::Unknown,
        (false, _) => State::Bad(
            at.unwrap_or_else(|| path(&[off[0]])),
            format!("does not set {} to true", off.join(", ")),
        ),
    }
}

fn public_access_block(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    match &*r.kind {
        PUBLIC_ACCESS_BLOCK => check_companion(r, out, judge_flags),
        BUCKET => {
            // An account-wide block with all four flags (or unknown ones)
            // covers every bucket of its root module. Other root modules may
            // be other accounts: theirs does not count.
            let account = index(ctx).account_blocks.iter().any(|&i| {
                ctx.resources.get(i).is_some_and(|a| {
                    ctx.relations.same_root(r, a) && !matches!(judge_flags(a), State::Bad(..))
                })
            });
            if account {
                return;
            }
            let missing = format!(
                "{} has no public access block: no {PUBLIC_ACCESS_BLOCK} with all four flags true references it",
                r.address
            );
            check_bucket(ctx, r, out, None, PUBLIC_ACCESS_BLOCK, judge_flags, missing);
        }
        _ if module_bucket(r, true) => {
            if attr(r, "attach_public_policy").is_some()
                && truth(attr(r, "attach_public_policy")) == Tri::No
            {
                out.push(Hit::new(
                    path(&["attach_public_policy"]),
                    format!(
                        "{} sets attach_public_policy = false: the module creates no public access block",
                        r.address
                    ),
                ));
                return;
            }
            // The module's flags default to true (since v3.9).
            let off: Vec<&str> = PAB_FLAGS
                .into_iter()
                .filter(|f| attr(r, f).is_some() && truth(attr(r, f)) == Tri::No)
                .collect();
            if let Some(first) = off.first() {
                out.push(Hit::new(
                    path(&[first]),
                    format!("{} sets {} to false", r.address, off.join(", ")),
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnvSource, Environment};
    use crate::source::Span;

    fn module(source: &str) -> Resource {
        let s = Span::default();
        Resource {
            platform: Platform::Terraform,
            file: 0,
            kind: "module".into(),
            api_version: None,
            name: "m".into(),
            namespace: None,
            address: "module.m".into(),
            environment: Environment::Production,
            env_source: EnvSource::Default,
            attributes: Node::new(
                Value::Map(vec![crate::model::Entry {
                    key: "source".into(),
                    key_span: s,
                    value: Node::new(Value::Str(source.into()), s),
                }]),
                s,
            ),
            pod_spec: None,
            helm: None,
            header_span: None,
            origin: Vec::new(),
            references: Vec::new(),
            keyed: Vec::new(),
            count_unknown: false,
        }
    }

    #[test]
    fn module_sources() {
        let sub = |s: &str| tam_module(&module(s), "s3-bucket");
        assert_eq!(
            sub("terraform-aws-modules/s3-bucket/aws").as_deref(),
            Some("")
        );
        assert_eq!(
            sub("registry.terraform.io/terraform-aws-modules/s3-bucket/aws").as_deref(),
            Some("")
        );
        assert_eq!(
            sub("git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git?ref=v4.1.2")
                .as_deref(),
            Some("")
        );
        assert_eq!(
            sub("terraform-aws-modules/s3-bucket/aws//modules/notification").as_deref(),
            Some("modules/notification")
        );
        assert_eq!(
            sub("git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git//modules/object?ref=v4.1.2")
                .as_deref(),
            Some("modules/object")
        );
        assert_eq!(sub("cloudposse/s3-bucket/aws"), None);
        assert_eq!(sub("terraform-aws-modules/s3-bucket-x/aws"), None);
    }

    #[test]
    fn managed_bucket_addresses() {
        assert!(is_managed_bucket_address("aws_s3_bucket.b"));
        assert!(is_managed_bucket_address(
            "module.m[\"a\"].aws_s3_bucket.b[0]"
        ));
        assert!(!is_managed_bucket_address("data.aws_s3_bucket.b"));
        assert!(!is_managed_bucket_address("module.m.data.aws_s3_bucket.b"));
        assert!(!is_managed_bucket_address("aws_s3_bucket_versioning.b"));
        assert!(is_managed_bucket_address(
            "module.m.aws_s3_directory_bucket.this[0]"
        ));
        assert!(!is_managed_bucket_address("data.aws_s3_directory_bucket.d"));
    }
}
