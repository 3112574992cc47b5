//! Write a deterministic Kubernetes corpus to disk, e.g. to compare infra-lint
//! with Checkov on the very files the benchmarks scan:
//!
//! ```text
//! cargo run --release --example gen_corpus -- DIR N [SEED]
//! ```
//!
//! `N` files go under `DIR/team-NN/app-MMM/…`; the same `N` and `SEED` always
//! give the same bytes (the benchmarks use the default seed).

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
                "wrote {} files, {} documents, {:.1} MB under {} (seed {seed:#x})",
                s.files,
                s.documents,
                s.bytes as f64 / 1e6,
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
