//! Google Kubernetes Engine: GCP004 gcp-gke-secrets-encryption, GCP005
//! gcp-gke-regional.

use crate::model::{AttrPath, Platform, Resource, Seg};
use crate::rules::aws::path;
use crate::rules::cloud::{blocks_of, point, read, Read};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope};

const CLUSTER: &[&str] = &["google_container_cluster"];

/// GCP004. A `google_container_cluster` (Standard or Autopilot) without
/// `database_encryption { state = "ENCRYPTED" }` — application-layer
/// encryption of Kubernetes Secrets in etcd with a Cloud KMS key. The default
/// is `DECRYPTED` (only Google's storage-level encryption). A `dynamic
/// "database_encryption"` block is read as its content, so the GKE module's
/// `for_each = var.database_encryption` reports at its `state` line when the
/// variable's value says `DECRYPTED`.
///
/// Location: `state` when written, else the `database_encryption` block line,
/// else the header.
pub static SECRETS_ENCRYPTION: Rule = Rule {
    meta: RuleMeta {
        id: "GCP004",
        slug: "gcp-gke-secrets-encryption",
        title: "GKE encrypts Kubernetes Secrets with a Cloud KMS key",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "003 encryption; 004 EKS secrets analogue",
        tags: &["security", "terraform", "gcp", "gke", "kubernetes", "encryption"],
        rationale: "Kubernetes Secrets are stored base64-encoded in etcd; GKE's default storage encryption protects the disks, not the etcd contents as seen through backups or a compromised control-plane component. Application-layer secrets encryption wraps each Secret with a Cloud KMS key you control, so access to the key can be audited and revoked, as the guides require for EKS.",
        help: r#"Add `database_encryption` with `state = "ENCRYPTED"` and a Cloud KMS key (the GKE service agent needs `roles/cloudkms.cryptoKeyEncrypterDecrypter` on it).

**Bad**

```hcl
resource "google_container_cluster" "main" {
  name     = "prod"
  location = "europe-west1"
}
```

**Good**

```hcl
resource "google_container_cluster" "main" {
  name     = "prod"
  location = "europe-west1"

  database_encryption {
    state    = "ENCRYPTED"
    key_name = google_kms_crypto_key.gke_secrets.id
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, CLUSTER),
    },
    check: Check::Native(secrets_encryption),
};

fn secrets_encryption(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let Some(blocks) = blocks_of(&r.attributes, "database_encryption") else {
        return;
    };
    if blocks.is_empty() {
        out.push(Hit::new(
            path(&["database_encryption"]),
            format!(
                "{} has no database_encryption block: Secrets in etcd are not encrypted with a Cloud KMS key (the default is DECRYPTED)",
                r.address
            ),
        ));
        return;
    }
    for (i, block) in blocks {
        let base = AttrPath::root().join([Seg::from("database_encryption"), Seg::from(i)]);
        let message = match read(block, "state") {
            Read::Unknown => continue,
            Read::Str("ENCRYPTED") => continue,
            Read::Str(s) => format!(
                "{} sets database_encryption state = \"{s}\": Secrets in etcd are not encrypted with a Cloud KMS key",
                r.address
            ),
            Read::Unset | Read::Other(_) => format!(
                "{} has a database_encryption block without state = \"ENCRYPTED\"",
                r.address
            ),
        };
        out.push(Hit::new(point(&base, block, "state"), message));
    }
}

/// Whether a GCP location names a zone (`us-central1-a`: a region, `-`, and a
/// letter) rather than a region (`us-central1`) or a multi-region.
pub(super) fn is_zone(location: &str) -> bool {
    let parts: Vec<&str> = location.split('-').collect();
    match parts.as_slice() {
        [.., area, letter] if parts.len() >= 3 => {
            letter.len() == 1
                && letter.bytes().all(|b| b.is_ascii_lowercase())
                && area.bytes().last().is_some_and(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// GCP005. A `google_container_cluster` whose `location` is a zone: a zonal
/// cluster has one control-plane replica in that zone, so a zone outage makes
/// the Kubernetes API unavailable, even when `node_locations` spreads the
/// nodes (a "multi-zonal" cluster). The `zone` argument of provider 2.x counts
/// as a zone, its `region` as a region. Without `location` the provider's
/// default location applies, which is not in the resource: it passes, like an
/// unknown location.
///
/// Location: `location` (or `zone`).
pub static REGIONAL: Rule = Rule {
    meta: RuleMeta {
        id: "GCP005",
        slug: "gcp-gke-regional",
        title: "Production GKE clusters are regional",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::Prod,
        guide: "003 \"Distributed across 3 availability zones\"",
        tags: &["reliability", "terraform", "gcp", "gke", "kubernetes", "availability"],
        rationale: "A zonal GKE cluster has a single control plane in one zone: during a zone outage or a control-plane upgrade the Kubernetes API is unavailable, so nothing can be deployed, scaled or healed, and with default node locations all nodes are in that zone too. A regional cluster (location = a region) replicates the control plane and spreads nodes across the region's zones. The location cannot be changed after creation.",
        help: r#"Set `location` to a region (`europe-west1`), not a zone (`europe-west1-b`); use `node_locations` to choose the zones.

**Bad**

```hcl
resource "google_container_cluster" "main" {
  name     = "prod"
  location = "europe-west1-b"
}
```

**Good**

```hcl
resource "google_container_cluster" "main" {
  name           = "prod"
  location       = "europe-west1"
  node_locations = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, CLUSTER),
    },
    check: Check::Native(regional),
};

fn regional(_: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let (name, zone) = match read(&r.attributes, "location") {
        Read::Str(l) => ("location", l),
        Read::Unknown | Read::Other(_) => return,
        // Provider 2.x: `zone` (zonal) or `region` (regional).
        Read::Unset => match read(&r.attributes, "zone") {
            Read::Str(z) => ("zone", z),
            _ => return,
        },
    };
    if name == "location" && !is_zone(zone) {
        return;
    }
    let spread = if matches!(read(&r.attributes, "node_locations"), Read::Unset) {
        ""
    } else {
        " (node_locations spreads the nodes, but the control plane stays in one zone)"
    };
    out.push(Hit::new(
        path(&[name]),
        format!(
            "{} is a zonal cluster in {zone}: its single control plane is unavailable during a zone outage{spread}; use a region",
            r.address
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::is_zone;

    #[test]
    fn zones_and_regions() {
        for zone in [
            "us-central1-a",
            "europe-west4-b",
            "northamerica-northeast1-c",
            "me-central2-a",
        ] {
            assert!(is_zone(zone), "{zone}");
        }
        for region in [
            "us-central1",
            "europe-west4",
            "asia-northeast1",
            "US",
            "eu",
            "global",
            "us-central1-ab",
            "a-b-c",
        ] {
            assert!(!is_zone(region), "{region}");
        }
    }
}
