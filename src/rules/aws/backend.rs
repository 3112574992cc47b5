//! AWS080 state-backend-secure (Rego: `policies/terraform/state_backend.rego`).
//!
//! It reads the `terraform_backend` resources the Terraform ingestion emits
//! for root modules' `backend "s3" { … }` blocks. It reports on the backend
//! block: at `encrypt` (the header when it is missing) and at `use_lockfile`
//! (the header when neither it nor `dynamodb_table` is set). A backend block
//! without arguments is a partial configuration completed at `terraform init`
//! and is not judged; unknown values never report.

use crate::model::Platform;
use crate::rules::{Applies, Check, Level, Rule, RuleMeta, Scope};

pub static STATE_BACKEND_SECURE: Rule = Rule {
    meta: RuleMeta {
        id: "AWS080",
        slug: "state-backend-secure",
        title: "S3 state backend is encrypted and locked",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "004 \"Terraform State Issues\": S3 backend with DynamoDB locking",
        tags: &["security", "terraform", "aws", "state"],
        rationale: "Terraform state holds every resource attribute in clear text, database passwords and private keys included; the S3 backend stores it unencrypted unless `encrypt = true`. Without a lock (a DynamoDB table, or the S3 lock file of Terraform 1.10+), two concurrent runs can write over each other and corrupt the state.",
        help: "Set `encrypt = true` and a lock: `use_lockfile = true` (Terraform 1.10+) or `dynamodb_table`.\n\n**Bad**\n\n```hcl\nterraform {\n  backend \"s3\" {\n    bucket = \"acme-terraform-state\"\n    key    = \"network/terraform.tfstate\"\n    region = \"eu-west-1\"\n  }\n}\n```\n\n**Good**\n\n```hcl\nterraform {\n  backend \"s3\" {\n    bucket         = \"acme-terraform-state\"\n    key            = \"network/terraform.tfstate\"\n    region         = \"eu-west-1\"\n    encrypt        = true\n    dynamodb_table = \"terraform-locks\"\n  }\n}\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["terraform_backend"]),
    },
    check: Check::Rego {
        package: "infralint.terraform.state_backend",
        file: "policies/terraform/state_backend.rego",
        source: include_str!("../../../policies/terraform/state_backend.rego"),
    },
};
