//! Cloud Storage: GCP007 gcp-bucket-versioning.

use crate::model::{AttrPath, Platform, Resource, Seg};
use crate::rules::aws::{path, Tri};
use crate::rules::cloud::{blocks_of, flag, flag_any, point, read, report, Problem, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

/// GCP007. A `google_storage_bucket` without `versioning { enabled = true }`
/// (default off) or without `uniform_bucket_level_access = true` (default
/// false; an organization policy may force it, which the configuration does
/// not show). The name before provider v4, `bucket_policy_only`, is read too.
///
/// Location: `versioning.enabled` when written, else the `versioning` block
/// line; `uniform_bucket_level_access` when written; unset ones together at
/// the header.
pub static BUCKET_VERSIONING: Rule = Rule {
    meta: RuleMeta {
        id: "GCP007",
        slug: "gcp-bucket-versioning",
        title: "Cloud Storage buckets are versioned with uniform access",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "002 \"Versioning enabled\"",
        tags: &["reliability", "security", "terraform", "gcp", "storage", "backup"],
        rationale: "Without object versioning an overwrite or a delete (a bug, a compromised credential, ransomware) destroys the only copy of an object; with it the previous generation stays restorable (pair it with a lifecycle rule for old versions). Without uniform bucket-level access, per-object ACLs can grant access that the bucket's IAM policy does not show, which makes access reviews unreliable.",
        help: r#"Enable `versioning` and `uniform_bucket_level_access`.

**Bad**

```hcl
resource "google_storage_bucket" "uploads" {
  name     = "acme-uploads"
  location = "EU"
}
```

**Good**

```hcl
resource "google_storage_bucket" "uploads" {
  name                        = "acme-uploads"
  location                    = "EU"
  uniform_bucket_level_access = true

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 5
    }
    action {
      type = "Delete"
    }
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &["google_storage_bucket"]),
    },
    check: Check::Native(bucket_versioning),
};

fn bucket_versioning(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let mut problems = Vec::new();
    if let Some(blocks) = blocks_of(&r.attributes, "versioning") {
        if blocks.is_empty() {
            problems.push(Problem::new(
                path(&["versioning"]),
                "does not enable versioning: overwritten and deleted objects cannot be recovered",
            ));
        }
        for (i, b) in blocks {
            if flag(b, "enabled") == Tri::No {
                let base = AttrPath::root().join([Seg::from("versioning"), Seg::from(i)]);
                problems.push(Problem::new(
                    point(&base, b, "enabled"),
                    match read(b, "enabled") {
                        Read::Unset => "does not set versioning.enabled = true",
                        _ => "sets versioning.enabled = false: overwritten and deleted objects cannot be recovered",
                    },
                ));
            }
        }
    }
    let (name, uniform, set) = flag_any(
        &r.attributes,
        &["uniform_bucket_level_access", "bucket_policy_only"],
    );
    if uniform == Tri::No {
        problems.push(Problem::new(
            path(&[name]),
            if set {
                format!("sets {name} = false: object ACLs can grant access the bucket policy does not show")
            } else {
                "does not set uniform_bucket_level_access = true: object ACLs can grant access the bucket policy does not show".to_string()
            },
        ));
    }
    report(r, problems, out);
}
