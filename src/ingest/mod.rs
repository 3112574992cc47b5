//! Ingesters: source files to model resources.

pub mod helm;
pub mod kubernetes;
pub mod kustomize;
pub mod plan;
pub mod template_lines;
pub mod terraform;
pub mod yaml;
