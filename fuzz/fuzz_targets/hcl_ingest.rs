//! HCL and Terraform JSON parsing: any bytes, never a panic.
#![no_main]

use infra_lint::ingest::terraform::{json, parse};
use infra_lint::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = SourceFile::new(None, "fuzz.tf".to_string(), text);
    let _ = parse::parse_file(&file);
    let _ = json::parse_config(&file);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse::parse_expression(s);
    }
});
