//! `docs/rules.md` is generated from the rule registry
//! (`infra-lint rules --format markdown`) and must not drift from it.

mod support;

use std::path::Path;

use support::{run_in, run_with_env};

const REGENERATE: &str = "cargo run --quiet -- rules --format markdown > docs/rules.md";

fn doc_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join("rules.md")
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Outside the repository, so no configuration or policy of its own applies.
    let tmp = support::tempdir();
    let generated = run_in(tmp.path(), ["rules", "--format", "markdown"], None);
    assert_eq!(generated.code(), 0, "{}", generated.stderr);
    let generated = generated.stdout;
    if std::env::var_os("INFRA_LINT_BLESS").is_some() {
        std::fs::write(doc_path(), &generated).expect("write docs/rules.md");
    }
    let committed = std::fs::read_to_string(doc_path()).unwrap_or_default();
    if committed != generated {
        let first = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/rules.md is out of date with the rule registry (first difference at line {first}).\n\
             Regenerate it from {}:\n\n    {REGENERATE}\n\n\
             (or run this test with INFRA_LINT_BLESS=1)",
            root.display()
        );
    }
}

#[test]
fn every_rule_has_a_section_at_its_sarif_help_uri_anchor() {
    let tmp = support::tempdir();
    let doc = std::fs::read_to_string(doc_path()).expect("docs/rules.md");
    let rules = run_in(tmp.path(), ["rules", "--format", "json"], None).json();
    for rule in rules.as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        // `## K8S010` gets the anchor `#k8s010` on GitHub, as SARIF helpUri says.
        assert!(
            doc.contains(&format!("\n## {id}\n")),
            "docs/rules.md has no `## {id}` section; regenerate: {REGENERATE}"
        );
        assert!(doc.contains(&format!("[{id}](#{})", id.to_ascii_lowercase())));
    }
    // The anchor SARIF links to.
    std::fs::write(
        tmp.path().join("p.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: a\n",
    )
    .expect("write");
    let log = run_with_env(tmp.path(), ["p.yaml", "--format", "sarif"], None, &[]).json();
    for r in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
    {
        let id = r["id"].as_str().expect("id");
        let uri = r["helpUri"].as_str().expect("helpUri");
        assert!(
            uri.ends_with(&format!("/docs/rules.md#{}", id.to_ascii_lowercase())),
            "{uri}"
        );
    }
}
