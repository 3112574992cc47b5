//! Ingesters: source files to model resources.

pub mod kubernetes;
pub mod yaml;
