//! The rule registry: one place for every rule's metadata, native or Rego.

pub mod aws;
pub mod azure;
pub mod cloud;
pub mod gcp;
pub mod kubernetes;
pub mod settings;

use serde::Serialize;

use crate::findings::Related;
use crate::model::relations::Relations;
use crate::model::{AttrPath, Platform, Resource};
pub use settings::Settings;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// One step less severe (staging gets production rules this way).
    pub fn lowered(self) -> Level {
        match self {
            Level::Error => Level::Warning,
            Level::Warning | Level::Note => Level::Note,
        }
    }
}

/// Where a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    All,
    Prod,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Prod => "prod",
        }
    }
}

/// A rule setting: a threshold or switch `.infra-lint.yaml` can override.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Setting {
    pub name: &'static str,
    /// Default, as JSON text (`true`, `30`, `["PASSWORD"]`).
    pub default: &'static str,
    pub help: &'static str,
}

/// Which resources a rule looks at.
#[derive(Clone, Copy, Debug)]
pub enum Applies {
    /// Resources of these kinds / Terraform types.
    Kinds(Platform, &'static [&'static str]),
    /// Every Kubernetes kind with a pod template.
    Workloads,
    /// Resources of these types on any platform (user policies' `resource_types`).
    Types(&'static [&'static str]),
    /// Every resource.
    Any,
    /// Not evaluated on resources (diagnostics such as IL000).
    Nothing,
}

impl Applies {
    pub fn matches(&self, r: &Resource) -> bool {
        match self {
            Applies::Kinds(platform, kinds) => r.platform == *platform && kinds.contains(&&*r.kind),
            Applies::Workloads => r.pod_spec.is_some(),
            Applies::Types(types) => types.contains(&&*r.kind),
            Applies::Any => true,
            Applies::Nothing => false,
        }
    }
}

/// A problem found by a rule: the attribute path it concerns and a message.
/// The engine turns the path into the exact span.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub path: AttrPath,
    pub message: String,
    /// Other places that explain the finding (the HPA, the other workloads…).
    pub related: Vec<Related>,
    /// A level other than the rule's (a policy's `warn` results).
    pub level: Option<Level>,
}

impl Hit {
    pub fn new(path: AttrPath, message: String) -> Hit {
        Hit {
            path,
            message,
            related: Vec::new(),
            level: None,
        }
    }
}

/// What a native rule receives besides the resource.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub rule: &'static RuleMeta,
    /// Every resource of the scan, and the relations between them.
    pub resources: &'a [Resource],
    pub relations: &'a Relations,
}

pub type NativeCheck = fn(&Ctx, &Resource, &mut Vec<Hit>);

#[derive(Clone, Copy)]
pub enum Check {
    Native(NativeCheck),
    /// A Rego policy: `deny` in `package` yields `{"msg", "path"}` objects or strings.
    /// `source` is empty for user policies, whose files are loaded separately.
    Rego {
        package: &'static str,
        file: &'static str,
        source: &'static str,
    },
    /// Produced by the scanner itself (IL000 parse errors, …).
    Builtin,
}

#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub slug: &'static str,
    pub title: &'static str,
    pub level: Level,
    /// CVSS-like score for GitHub: critical 9.0, high 7.5, medium 5.0, low 3.0.
    pub security_severity: &'static str,
    pub scope: Scope,
    /// The guide and section the rule encodes.
    pub guide: &'static str,
    pub tags: &'static [&'static str],
    /// Why it matters (plain text, a paragraph).
    pub rationale: &'static str,
    /// Markdown help with a bad and a good example.
    pub help: &'static str,
    pub settings: &'static [Setting],
    #[serde(skip)]
    pub applies: Applies,
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

impl Rule {
    pub fn engine(&self) -> &'static str {
        match self.check {
            Check::Native(_) => "native",
            Check::Rego { .. } => "rego",
            Check::Builtin => "scanner",
        }
    }
}

/// IL000: a file that cannot be parsed.
pub static PARSE_ERROR: Rule = Rule {
    meta: RuleMeta {
        id: "IL000",
        slug: "parse-error",
        title: "File could not be parsed",
        level: Level::Error,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "infra-lint",
        tags: &["infra-lint"],
        rationale: "A file that cannot be parsed cannot be checked: any violation in it would go unnoticed. Kubernetes and Terraform would reject it too.",
        help: "Fix the syntax error at the reported line (YAML, or Terraform HCL for `.tf`/`.tfvars`). Refused as hostile input: YAML anchors whose expansion exceeds 100,000 nodes, YAML nesting deeper than 256 levels, and Terraform brackets nested more than 12 deep.\n\n**Bad**\n\n```yaml\nspec:\n  containers:\n  - name: web\n     image: nginx:1.25\n```\n\n**Good**\n\n```yaml\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n```",
        settings: &[],
        applies: Applies::Nothing,
    },
    check: Check::Builtin,
};

/// IL001: a chart directory that could not be rendered, so was not scanned.
pub static CHART_NOT_RENDERED: Rule = Rule {
    meta: RuleMeta {
        id: "IL001",
        slug: "chart-not-rendered",
        title: "Helm chart could not be rendered",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "infra-lint",
        tags: &["infra-lint", "helm"],
        rationale: "A chart is only checked after `helm template` renders it. When helm is missing or rendering fails, nothing in the chart was checked, and a gate must not pass green as if it had been.",
        help: "Install helm (or pass `--helm PATH`), give the values the chart needs (`--helm-values FILE`, `--helm-set K=V`), or pipe the rendered output: `helm template name ./chart | infra-lint -`.\n\n**Bad**\n\n```text\nwarning[IL001]: chart charts/shop was not scanned: helm is not installed\n```\n\n**Good**\n\n```sh\ninfra-lint charts/ --helm /usr/local/bin/helm --helm-values ci-values.yaml\n```",
        settings: &[],
        applies: Applies::Nothing,
    },
    check: Check::Builtin,
};

/// IL002: a file over `--max-file-size`, not read.
pub static FILE_TOO_LARGE: Rule = Rule {
    meta: RuleMeta {
        id: "IL002",
        slug: "file-too-large",
        title: "File is larger than the scan limit",
        level: Level::Warning,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "infra-lint",
        tags: &["infra-lint"],
        rationale: "Files over `--max-file-size` are not read, so nothing in them was checked. The limit protects CI from generated or hostile inputs.",
        help: "Raise `--max-file-size` if the file is a legitimate manifest, or exclude it.\n\n**Bad**\n\n```text\nwarning[IL002]: huge.yaml is 80 MiB, over the 16 MiB limit\n```\n\n**Good**\n\n```sh\ninfra-lint . --max-file-size 104857600\n```",
        settings: &[],
        applies: Applies::Nothing,
    },
    check: Check::Builtin,
};

/// IL999: the scanner failed on this input (a bug); the rest of the scan went on.
pub static INTERNAL_ERROR: Rule = Rule {
    meta: RuleMeta {
        id: "IL999",
        slug: "internal-error",
        title: "infra-lint failed on this input",
        level: Level::Error,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "infra-lint",
        tags: &["infra-lint"],
        rationale: "An internal error stopped infra-lint from checking this file or resource; the other files were scanned. It is a bug in infra-lint: please report it with the file.",
        help: "Report the message and the input to the infra-lint maintainers.\n\n**Bad**\n\n```text\nerror[IL999]: internal error while reading this file\n```\n\n**Good**\n\n```text\n(no internal errors)\n```",
        settings: &[],
        applies: Applies::Nothing,
    },
    check: Check::Builtin,
};

/// IL003: an `until=` date of a suppression has passed.
pub static SUPPRESSION_EXPIRED: Rule = Rule {
    meta: RuleMeta {
        id: "IL003",
        slug: "suppression-expired",
        title: "Suppression has expired",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "infra-lint",
        tags: &["infra-lint"],
        rationale: "An `infra-lint:ignore … until=DATE` whose date has passed no longer suppresses anything: the findings it covered are reported again.",
        help: "Fix the findings, or renew the suppression with a new date and a reason.\n\n**Bad**\n\n```yaml\n# infra-lint:ignore K8S003 until=2024-01-31 migration pending\n```\n\n**Good**\n\n```yaml\n# infra-lint:ignore K8S003 until=2027-03-31 vendor image writes to /var/cache (TICKET-123)\n```",
        settings: &[],
        applies: Applies::Nothing,
    },
    check: Check::Builtin,
};

/// IL004: a suppression that matched no finding (`--report-unused-ignores`).
pub static UNUSED_SUPPRESSION: Rule = Rule {
    meta: RuleMeta {
        id: "IL004",
        slug: "unused-suppression",
        title: "Suppression matches no finding",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "infra-lint",
        tags: &["infra-lint"],
        rationale: "A suppression that matches nothing is stale: the problem was fixed or moved, and the comment would silently hide a future finding.",
        help: "Remove the stale `infra-lint:ignore` comment or annotation.\n\n**Bad**\n\n```yaml\n# infra-lint:ignore K8S003\nreadOnlyRootFilesystem: true\n```\n\n**Good**\n\n```yaml\nreadOnlyRootFilesystem: true\n```",
        settings: &[],
        applies: Applies::Nothing,
    },
    check: Check::Builtin,
};

/// Every built-in rule, in id order.
pub fn builtin() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = vec![
        &PARSE_ERROR,
        &CHART_NOT_RENDERED,
        &FILE_TOO_LARGE,
        &SUPPRESSION_EXPIRED,
        &UNUSED_SUPPRESSION,
        &INTERNAL_ERROR,
    ];
    rules.extend(kubernetes::RULES.iter().copied());
    rules.extend(aws::RULES.iter().copied());
    rules.extend(azure::RULES.iter().copied());
    rules.extend(gcp::RULES.iter().copied());
    rules.sort_by_key(|r| r.meta.id);
    rules
}

/// Whether checking `rule` on `r` reads resources of other Terraform root
/// modules. Every check stays in its root module except S3 buckets'
/// companions by name (bucket names are global); the scan runs those once,
/// on what [`read_across_roots`] keeps from every root module.
pub fn reads_other_roots(rule: &Rule, r: &Resource) -> bool {
    aws::reads_other_roots(rule, r)
}

/// Whether `rule` runs on the partial objects of a kustomize patch: the
/// rules about a value the patch writes (a privileged container, an image
/// tag, a secret in env or in a Secret, an RBAC wildcard), which the patch
/// puts into what is deployed. Rules about what an object lacks would
/// misfire on everything a patch leaves unchanged.
pub fn runs_on_patches(rule: &Rule) -> bool {
    matches!(
        rule.meta.id,
        "K8S005" | "K8S010" | "K8S018" | "K8S019" | "K8S021"
    )
}

/// Whether a check that [`reads_other_roots`] may read (or check) `r`.
pub fn read_across_roots(r: &Resource) -> bool {
    aws::read_across_roots(r)
}

/// Look a rule up by id or slug.
pub fn find(id: &str) -> Option<&'static Rule> {
    builtin()
        .into_iter()
        .find(|r| r.meta.id.eq_ignore_ascii_case(id) || r.meta.slug == id)
}
