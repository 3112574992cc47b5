//! Google Cloud rules over Terraform `google` / `google-beta` resources
//! (GCP001–GCP008). Each family file holds its rules: metadata, docs and check.
//!
//! Attributes renamed or removed between provider major versions are read
//! under both names (Cloud SQL `require_ssl`, removed in v6, next to
//! `ssl_mode`; storage `bucket_policy_only`, removed in v4, next to
//! `uniform_bucket_level_access`; the GKE `zone`/`region` of provider 2.x next
//! to `location`); defaults are those of the current providers (v6/v7) and
//! are stated in each rule's doc comment. Unknown values never report.

mod gke;
mod kms;
mod redis;
mod sql;
mod storage;

use crate::rules::Rule;

pub static RULES: &[&Rule] = &[
    &sql::SQL_HA,
    &sql::SQL_BACKUP,
    &sql::SQL_SSL,
    &gke::SECRETS_ENCRYPTION,
    &gke::REGIONAL,
    &kms::KEY_ROTATION,
    &storage::BUCKET_VERSIONING,
    &redis::REDIS_HA,
];
