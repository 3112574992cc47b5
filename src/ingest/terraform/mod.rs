//! Terraform ingestion (work in progress).

pub mod eval;
pub mod functions;
pub mod ir;
pub mod parse;
pub mod value;
