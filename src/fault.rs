//! Fault injection for the containment tests (IL999), in debug builds only.
//!
//! `INFRA_LINT_INJECT_PANIC=STAGE:TEXT` makes the scanner panic at STAGE
//! (`ingest`, `terraform-parse`, `terraform-eval`, `evaluate`) for the file
//! or module whose name contains TEXT. The tests use it to prove that one
//! failing input costs only itself; release builds compile it to nothing.

/// Panic here when the injection names this stage and `name`.
#[inline]
pub fn point(stage: &str, name: &str) {
    #[cfg(debug_assertions)]
    {
        use std::sync::OnceLock;
        static SPEC: OnceLock<Option<(String, String)>> = OnceLock::new();
        let spec = SPEC.get_or_init(|| {
            let v = std::env::var("INFRA_LINT_INJECT_PANIC").ok()?;
            let (s, t) = v.split_once(':')?;
            Some((s.to_string(), t.to_string()))
        });
        if let Some((s, t)) = spec {
            if s == stage && name.contains(t.as_str()) {
                panic!("injected fault at {stage} for {name}");
            }
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = (stage, name);
}
