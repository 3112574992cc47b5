//! Cloud KMS: GCP006 gcp-kms-rotation.

use crate::model::{Platform, Resource};
use crate::rules::aws::{path, Tri};
use crate::rules::cloud::{blocks_of, flag, read, setting_f64, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

/// GCP006. A symmetric `google_kms_crypto_key` (`purpose` unset or
/// `ENCRYPT_DECRYPT`) without `rotation_period` (or an empty one), or with one longer than
/// `max_rotation_days` (90). The period is a duration in seconds such as
/// `"7776000s"` (90 days; fractional seconds allowed); a value that is not a
/// duration is left to the provider's validation.
///
/// Skipped: asymmetric, MAC and raw-encryption keys (Cloud KMS cannot rotate
/// them automatically), `import_only` keys (their versions are imported, not
/// generated), keys whose `version_template.protection_level` is `EXTERNAL` or
/// `EXTERNAL_VPC` or that name a `crypto_key_backend` (versions live in an
/// external key manager), and any of these when unknown.
///
/// Location: `rotation_period`, or the header when unset.
pub static KEY_ROTATION: Rule = Rule {
    meta: RuleMeta {
        id: "GCP006",
        slug: "gcp-kms-rotation",
        title: "Cloud KMS keys rotate at least every 90 days",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Secret Rotation; 004 Key Rotation",
        tags: &["security", "terraform", "gcp", "kms", "encryption"],
        rationale: "A Cloud KMS key rotates only when it has a `rotation_period`: without one, its first key version encrypts every new piece of data for the key's whole life, so a leaked version or a cryptoperiod requirement cannot be answered without manual work. Rotation creates a new primary version and keeps old ones for decryption, so nothing has to be re-encrypted. The guides rotate keys and secrets at least every 90 days.",
        help: r#"Set `rotation_period` to 90 days (`"7776000s"`) or less.

**Bad**

```hcl
resource "google_kms_crypto_key" "data" {
  name     = "data"
  key_ring = google_kms_key_ring.main.id
}
```

**Good**

```hcl
resource "google_kms_crypto_key" "data" {
  name            = "data"
  key_ring        = google_kms_key_ring.main.id
  rotation_period = "7776000s"
}
```"#,
        settings: &[Setting {
            name: "max_rotation_days",
            default: "90",
            help: "The longest accepted `rotation_period`, in days.",
        }],
        applies: Applies::Kinds(Platform::Terraform, &["google_kms_crypto_key"]),
    },
    check: Check::Native(key_rotation),
};

/// Seconds in a duration like `"7776000s"` or `"86400.5s"`.
fn duration_seconds(s: &str) -> Option<f64> {
    let n = s.trim().strip_suffix('s')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    n.parse().ok()
}

/// Whether automatic rotation applies to the key; unknown properties say no.
fn rotatable(r: &Resource) -> bool {
    match read(&r.attributes, "purpose") {
        Read::Unset => {}
        Read::Str("ENCRYPT_DECRYPT") => {}
        _ => return false,
    }
    if flag(&r.attributes, "import_only") != Tri::No {
        return false;
    }
    if !matches!(read(&r.attributes, "crypto_key_backend"), Read::Unset) {
        return false;
    }
    let Some(templates) = blocks_of(&r.attributes, "version_template") else {
        return false;
    };
    templates
        .iter()
        .all(|(_, t)| match read(t, "protection_level") {
            Read::Unset => true,
            Read::Str(l) => l == "SOFTWARE" || l == "HSM" || l == "HSM_SINGLE_TENANT",
            Read::Unknown | Read::Other(_) => false,
        })
}

fn key_rotation(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if !rotatable(r) {
        return;
    }
    let max_days = setting_f64(ctx, "max_rotation_days", 90.0);
    match read(&r.attributes, "rotation_period") {
        Read::Unknown | Read::Other(_) => {}
        Read::Unset => out.push(Hit::new(
            path(&["rotation_period"]),
            format!(
                "{} has no rotation_period: the key is never rotated (at most {max_days} days are allowed)",
                r.address
            ),
        )),
        // The provider takes "" as no rotation (terraform-google-kms turns
        // rotation off that way).
        Read::Str(p) if p.trim().is_empty() => out.push(Hit::new(
            path(&["rotation_period"]),
            format!(
                "{} sets an empty rotation_period: the key is never rotated (at most {max_days} days are allowed)",
                r.address
            ),
        )),
        Read::Str(p) => {
            let Some(seconds) = duration_seconds(p) else {
                return;
            };
            let days = seconds / 86_400.0;
            if days > max_days {
                // Whole days read better; keep two decimals otherwise.
                let shown = if days.fract() == 0.0 {
                    format!("{days}")
                } else {
                    format!("{days:.2}")
                };
                out.push(Hit::new(
                    path(&["rotation_period"]),
                    format!(
                        "{} rotates every {shown} days (rotation_period = \"{p}\"); at most {max_days} are allowed",
                        r.address
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("7776000s"), Some(7_776_000.0));
        assert_eq!(duration_seconds("86400.5s"), Some(86_400.5));
        assert_eq!(duration_seconds("90d"), None);
        assert_eq!(duration_seconds("s"), None);
        assert_eq!(duration_seconds("-5s"), None);
    }
}
