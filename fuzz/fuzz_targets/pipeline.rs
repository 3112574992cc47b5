//! The whole pipeline on one file: discover, ingest, evaluate every rule,
//! render SARIF, JSON and human output. The first byte picks the file kind.
#![no_main]

use infra_lint::report;
use infra_lint::scan::{scan, ScanOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else { return };
    let name = match kind % 3 {
        0 => "input.yaml",
        1 => "main.tf",
        _ => "main.tf.json",
    };
    let dir = std::env::temp_dir().join(format!("il-fuzz-pipe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_err() || std::fs::write(dir.join(name), body).is_err() {
        return;
    }
    if let Ok(result) = scan(ScanOptions {
        paths: vec![dir.clone()],
        threads: 1,
        ..ScanOptions::default()
    }) {
        let _ = report::sarif::render(&result, Some("fuzz"));
        let _ = report::json::render(&result);
        let _ = report::human::render(&result, false, false, std::time::Duration::ZERO);
    }
    let _ = std::fs::remove_dir_all(&dir);
});
