//! Write the deterministic benchmark corpus to disk, e.g. to time the CLI or
//! Checkov on the very files the benchmarks scan:
//!
//! ```text
//! cargo run --release --example gen_corpus -- DIR N [SEED]
//! ```
//!
//! `N` files go under `DIR/kubernetes/…` (even indices) and
//! `DIR/terraform/team-NN/stack-SSSS/…` (odd indices); the same `N` and
//! `SEED` always give the same bytes (the benchmarks use the default seed and
//! N = 10000).

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, n, seed) = match args.as_slice() {
        [dir, n] => (dir, n, None),
        [dir, n, seed] => (dir, n, Some(seed)),
        _ => {
            eprintln!("usage: gen_corpus DIR N [SEED]");
            return ExitCode::from(2);
        }
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("gen_corpus: N must be a number, not {n:?}");
        return ExitCode::from(2);
    };
    let seed = match seed.map(|s| parse_seed(s)) {
        None => corpus::DEFAULT_SEED,
        Some(Some(s)) => s,
        Some(None) => {
            eprintln!("gen_corpus: SEED must be a number (decimal or 0x hex)");
            return ExitCode::from(2);
        }
    };
    let dir = PathBuf::from(dir);
    match corpus::write(&dir, n, seed) {
        Ok(s) => {
            println!(
                "wrote {} files ({} Kubernetes with {} documents, {} Terraform), {} bytes ({} Terraform) under {} (seed {seed:#x})",
                s.files,
                s.files - s.terraform_files,
                s.documents,
                s.terraform_files,
                s.bytes,
                s.terraform_bytes,
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_corpus: cannot write {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

fn parse_seed(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}
