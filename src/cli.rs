//! Command-line interface (clap). This is the contract other tools rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Environment;
use crate::report::Format;

#[derive(Parser, Debug)]
#[command(
    name = "infra-lint",
    version,
    about = "Policy-as-code compliance scanner for Kubernetes manifests, Helm output and Terraform",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every rule (id, slug, level, environment scope, title).
    Rules(RulesArgs),
    /// Print the normalized model as policy input: what a Rego policy receives.
    Inspect(InspectArgs),
    /// Work with Rego policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Record the current findings into a baseline file (`-o FILE`), for `--baseline`.
    Baseline(Box<ScanArgs>),
    /// Explain a rule: what it checks, why, bad and good examples, settings.
    Explain(ExplainArgs),
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule id or slug (`K8S010`, `image-pinned`).
    #[arg(value_name = "RULE")]
    pub rule: String,
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// `markdown` prints the rules reference (docs/rules.md).
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    #[command(flatten)]
    pub policies: PolicyArgs,
}

/// Loading user policies.
#[derive(Args, Debug, Clone, Default)]
pub struct PolicyArgs {
    /// Directory (or file) of user Rego policies, searched recursively (repeatable).
    #[arg(long = "policy", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,

    /// Read every user policy as Rego v0 (by default each file is detected).
    #[arg(long)]
    pub rego_v0: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Files or directories; `-` reads a YAML stream from stdin.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
    #[arg(long, value_enum)]
    pub env: Option<Environment>,
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of policy directories, like `opa test`.
    Test(PolicyTestArgs),
}

#[derive(Args, Debug)]
pub struct PolicyTestArgs {
    /// Policy directories or files.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Read every policy as Rego v0.
    #[arg(long)]
    pub rego_v0: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// Formats of `rules` and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads a multi-document YAML stream from stdin.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Name of the stdin stream in reports.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of stdout (`-`: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when an unsuppressed finding is at or above this level [default: warning,
    /// or the configuration's `fail_on`].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Configuration file (default: the nearest .infra-lint.yaml above the scanned path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report and fail only on findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Report `infra-lint:ignore` comments and annotations that matched no finding (IL004).
    #[arg(long)]
    pub report_unused_ignores: bool,

    /// Scan FILE arguments alone. By default the other files of their directories
    /// are read as context (a Deployment's PodDisruptionBudget, a Terraform
    /// module's other files) and only findings in the named files are reported.
    #[arg(long)]
    pub no_context: bool,

    /// Never draw the progress bar (it is only drawn on a terminal, outside CI,
    /// for scans longer than a second).
    #[arg(long)]
    pub no_progress: bool,

    /// SARIF `automationDetails.id` category (`infra-lint/NAME/`), for several uploads per commit.
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,

    /// Treat every resource as this environment (overrides classification).
    #[arg(long, value_enum)]
    pub env: Option<Environment>,

    /// Run only these rules (id or slug; repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,

    /// Skip these rules (id or slug; repeatable).
    #[arg(long = "skip-rule", value_name = "ID")]
    pub skip_rules: Vec<String>,

    /// Colors in human output: auto = only on a terminal, and never with NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print findings only: no summary, no notes.
    #[arg(short, long)]
    pub quiet: bool,

    /// Namespace of namespaced objects that set none (default: `default`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// The helm binary used to render chart directories (default: `helm` on PATH).
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,

    /// Values file passed to `helm template` (repeatable).
    #[arg(long = "helm-values", value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,

    /// `--set` passed to `helm template` (repeatable).
    #[arg(long = "helm-set", value_name = "K=V")]
    pub helm_set: Vec<String>,

    /// Seconds a chart may take to render.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub helm_timeout: u64,

    /// Run `helm dependency build` before rendering a chart.
    #[arg(long)]
    pub helm_dependency_build: bool,

    #[command(flatten)]
    pub policies: PolicyArgs,

    /// Files larger than this many bytes are reported (IL002) instead of read.
    #[arg(long, value_name = "BYTES", default_value_t = crate::scan::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,

    /// Print time per phase, counts and peak memory to stderr.
    #[arg(long)]
    pub stats: bool,

    /// Seconds one policy may take on one resource before it is stopped and reported.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub policy_timeout: u64,

    /// Terraform: variable definitions file for root modules, like `terraform plan
    /// -var-file` (repeatable; applied after terraform.tfvars and *.auto.tfvars).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,

    /// Terraform: set a root module variable, like `terraform plan -var`
    /// (repeatable; applied after every file).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

/// `--var NAME=VALUE`.
fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}
