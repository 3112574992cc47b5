//! Azure rules over Terraform `azurerm` resources (AZR001–AZR006). Each family
//! file holds its rules: metadata, docs and check.
//!
//! Attributes renamed between provider major versions are read under both
//! names (azurerm v3 `enable_https_traffic_only` → v4 `https_traffic_only_enabled`,
//! `enable_non_ssl_port` → `non_ssl_port_enabled`, 2.x `availability_zones` →
//! `zones`); defaults are those of the current providers (v4/v5) and are
//! stated in each rule's doc comment. Unknown values never report.

mod aks;
mod keyvault;
mod postgres;
mod redis;
mod storage;

use crate::rules::Rule;

pub static RULES: &[&Rule] = &[
    &postgres::POSTGRES_HA,
    &postgres::POSTGRES_BACKUP,
    &storage::STORAGE_TLS,
    &keyvault::KEYVAULT_PROTECTION,
    &aks::AKS_ZONES,
    &redis::REDIS_TLS,
];
