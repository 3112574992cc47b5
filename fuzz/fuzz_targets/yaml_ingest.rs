//! YAML streams through the Kubernetes ingester: any bytes, never a panic.
#![no_main]

use infra_lint::environment::Classifier;
use infra_lint::ingest::kubernetes;
use infra_lint::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let file = SourceFile::new(None, "fuzz.yaml".to_string(), text);
    let _ = kubernetes::ingest(&file, 0, &Classifier::default());
});
