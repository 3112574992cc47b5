//! KMS rules: AWS030 kms-key-rotation.

use super::rds::setting_f64;
use super::{attr, number, path, truth, Tri};
use crate::model::{Platform, Resource, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

/// AWS030. A symmetric `aws_kms_key` (`customer_master_key_spec` or its newer
/// name `key_spec` unset or `SYMMETRIC_DEFAULT`) without
/// `enable_key_rotation = true` (default false), or with
/// `rotation_period_in_days` (90–2560, default 365) above `max_rotation_days`.
///
/// Skipped: asymmetric and HMAC keys and keys in a custom key store
/// (`custom_key_store_id`, `xks_key_id`), which AWS cannot rotate
/// automatically; an unknown key spec. Replica keys (`aws_kms_replica_key`)
/// follow their primary. Location: the attribute, or the header when unset.
pub static KEY_ROTATION: Rule = Rule {
    meta: RuleMeta {
        id: "AWS030",
        slug: "kms-key-rotation",
        title: "KMS keys rotate automatically",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "004 \"Key Rotation: Automatic rotation of encryption keys\"",
        tags: &["security", "terraform", "aws", "kms", "encryption"],
        rationale: "Automatic rotation gives a symmetric KMS key new key material on a schedule while keeping the old material to decrypt existing data, so no re-encryption or application change is needed. Without it one key material protects every byte for the key's whole life, and a compromise or a cryptoperiod policy cannot be answered. It is off unless `enable_key_rotation = true`.",
        help: r#"Set `enable_key_rotation = true`, and keep `rotation_period_in_days` at 365 or less.

**Bad**

```hcl
resource "aws_kms_key" "data" {
  description = "Application data"
}
```

**Good**

```hcl
resource "aws_kms_key" "data" {
  description             = "Application data"
  enable_key_rotation     = true
  rotation_period_in_days = 365
}
```"#,
        settings: &[Setting {
            name: "max_rotation_days",
            default: "365",
            help: "The longest accepted `rotation_period_in_days`.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["aws_kms_key"]),
    },
    check: Check::Native(key_rotation),
};

fn key_rotation(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    for spec in ["customer_master_key_spec", "key_spec"] {
        match attr(r, spec).map(|n| &n.value) {
            None => {}
            Some(Value::Str(s)) if s.as_ref() == "SYMMETRIC_DEFAULT" => {}
            // Asymmetric, HMAC or unknown: no automatic rotation to ask for.
            Some(_) => return,
        }
    }
    // Keys in CloudHSM or external key stores cannot rotate automatically.
    if attr(r, "custom_key_store_id").is_some() || attr(r, "xks_key_id").is_some() {
        return;
    }
    let enabled = attr(r, "enable_key_rotation");
    if truth(enabled) == Tri::No {
        out.push(Hit::new(
            path(&["enable_key_rotation"]),
            match enabled {
                Some(_) => format!("{} sets enable_key_rotation = false", r.address),
                None => format!(
                    "{} does not set enable_key_rotation = true (rotation is off by default)",
                    r.address
                ),
            },
        ));
        return;
    }
    // A known period is checked even when enabling is unknown: it is what
    // applies whenever rotation is on.
    let max = setting_f64(ctx, "max_rotation_days", 365.0);
    if let Ok(Some(days)) = number(attr(r, "rotation_period_in_days")) {
        if days > max {
            out.push(Hit::new(
                path(&["rotation_period_in_days"]),
                format!(
                    "{} rotates its key material every {days} days; at most {max} are allowed",
                    r.address
                ),
            ));
        }
    }
}
