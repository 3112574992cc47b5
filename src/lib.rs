//! infra-lint: a policy-as-code compliance scanner.
//!
//! discover → ingest → model → evaluate → findings → report (see DESIGN in README).

pub mod cli;
pub mod config;
pub mod discover;
pub mod environment;
pub mod evaluate;
pub mod fault;
pub mod findings;
pub mod ingest;
pub mod memory;
pub mod model;
pub mod parallel;
pub mod policy;
pub mod progress;
pub mod rego;
pub mod report;
pub mod rules;
pub mod run;
pub mod scan;
pub mod source;
pub mod suppress;
