//! The Terraform evaluator on random modules of a few files: the input is
//! split on 0xFF bytes into up to four files (a root module and a local
//! child module), written to a scratch directory and scanned.
#![no_main]

use infra_lint::scan::{scan, ScanOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempdir() else { return };
    let names = ["main.tf", "variables.tf", "modules/child/main.tf", "terraform.tfvars"];
    let _ = std::fs::create_dir_all(dir.join("modules/child"));
    for (part, name) in data.split(|b| *b == 0xFF).zip(names) {
        let _ = std::fs::write(dir.join(name), part);
    }
    let _ = scan(ScanOptions {
        paths: vec![dir.clone()],
        threads: 1,
        ..ScanOptions::default()
    });
    let _ = std::fs::remove_dir_all(&dir);
});

fn tempdir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("il-fuzz-tf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
