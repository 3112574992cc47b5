//! `.infra-lint.yaml`: errors with file:line, and every key doing what it says,
//! with the command line winning over the file.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{findings, pretty, run_in, tempdir, write_files, Run};

/// A Deployment that is fine except for what the tests switch on: an image
/// pinned by tag only (K8S010 with `require_digest`), two replicas (K8S011,
/// production only) and a `latest` init image (K8S010).
const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
      - name: web
        image: nginx:1.25.3
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 200m, memory: 256Mi}
        readinessProbe: {httpGet: {path: /, port: 80}}
        livenessProbe: {httpGet: {path: /, port: 80}}
";

/// A pod whose only problem is an unpinned image (K8S010, a warning).
const LATEST: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: latest
  namespace: shop
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
  - name: app
    image: nginx:latest
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 200m, memory: 256Mi}
    readinessProbe: {httpGet: {path: /, port: 80}}
    livenessProbe: {httpGet: {path: /, port: 80}}
";

const RULES: &[&str] = &["--rule", "K8S010", "--rule", "K8S011", "--rule", "K8S001"];

fn run(cwd: &Path, args: &[&str]) -> Run {
    run_in(cwd, args, None)
}

fn json(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let r = run(cwd, &all);
    assert!(
        matches!(r.code(), 0 | 1),
        "exit {}:\n{}",
        r.code(),
        r.stderr
    );
    (r.code(), r.json())
}

/// (rule, file, level) of every unsuppressed finding.
fn summary(report: &Value) -> Vec<(String, String, String)> {
    findings(report)
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule").to_string(),
                f["file"].as_str().expect("file").to_string(),
                f["level"].as_str().expect("level").to_string(),
            )
        })
        .collect()
}

fn has(report: &Value, rule: &str, file: &str) -> Option<String> {
    summary(report)
        .into_iter()
        .find(|(r, f, _)| r == rule && f == file)
        .map(|(_, _, level)| level)
}

/// The configuration error printed for `config`: exit 2 and the message line.
fn config_error(config: &str) -> String {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[(".infra-lint.yaml", config), ("app.yaml", APP)],
    );
    let r = run(tmp.path(), &["app.yaml"]);
    assert_eq!(
        r.code(),
        2,
        "{config}\nstdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
    assert!(r.stdout.is_empty(), "no report: {}", r.stdout);
    r.stderr
}

fn assert_located(stderr: &str, line_col: &str, words: &[&str]) {
    let expected = format!(".infra-lint.yaml:{line_col}: ");
    assert!(
        stderr.contains(&expected),
        "want {expected:?} in:\n{stderr}"
    );
    for w in words {
        assert!(stderr.contains(w), "want {w:?} in:\n{stderr}");
    }
}

// ------------------------------------------------------------------ errors

#[test]
fn unknown_key_is_an_error_at_its_line() {
    let e = config_error("fail_on: error\nrulez:\n  K8S010: {level: error}\n");
    assert_located(&e, "2:1", &["unknown field `rulez`"]);
    let e = config_error("rules:\n  K8S010:\n    levle: error\n");
    assert_located(&e, "3:5", &["unknown field `levle`"]);
}

#[test]
fn wrong_type_is_an_error_at_its_line() {
    let e = config_error("disable: [K8S001]\nexclude: 3\n");
    assert_located(&e, "2:10", &["invalid type", "sequence"]);
    let e = config_error("fail_on: sometimes\n");
    assert_located(&e, "1:10", &["sometimes"]);
    let e = config_error("rules:\n  K8S010:\n    level: fatal\n");
    assert_located(&e, "3:12", &["fatal"]);
}

#[test]
fn unknown_rule_or_setting_is_an_error_at_its_line() {
    let e = config_error("rules:\n  K8S010: {level: error}\n  K8S999: {level: error}\n");
    assert_located(&e, "3:3", &["unknown rule K8S999"]);
    let e = config_error("disable:\n  - K8S001\n  - K8S998\n");
    assert_located(&e, "3:5", &["unknown rule K8S998"]);
    let e = config_error("rules:\n  K8S010:\n    settings:\n      require_digst: true\n");
    assert_located(&e, "4:7", &["no setting require_digst", "require_digest"]);
    let e = config_error("rules:\n  K8S010:\n    settings:\n      require_digest: \"yes\"\n");
    assert_located(&e, "4:7", &["require_digest"]);
    let e = config_error("exclude:\n  - vendor/**\n  - \"[oops\"\n");
    assert_located(&e, "3:5", &["bad glob"]);
}

// --------------------------------------------------------------- behaviour

#[test]
fn disable_level_and_settings() {
    let tmp = tempdir();
    write_files(tmp.path(), &[("app.yaml", APP), ("latest.yaml", LATEST)]);
    let (_, plain) = json(tmp.path(), &[&["."], RULES].concat());
    assert_eq!(
        has(&plain, "K8S010", "latest.yaml").as_deref(),
        Some("warning")
    );
    assert_eq!(
        has(&plain, "K8S010", "app.yaml"),
        None,
        "a tag is enough by default"
    );
    assert_eq!(
        has(&plain, "K8S011", "app.yaml").as_deref(),
        Some("warning")
    );

    write_files(
        tmp.path(),
        &[(
            ".infra-lint.yaml",
            "rules:\n  K8S010:\n    level: error\n    settings:\n      require_digest: true\n  K8S011:\n    enabled: false\n",
        )],
    );
    // All rules: `--rule` would turn K8S011 back on.
    let (code, report) = json(tmp.path(), &["."]);
    assert_eq!(
        has(&report, "K8S010", "app.yaml").as_deref(),
        Some("error"),
        "require_digest flags a tag-only image, at the configured level: {}",
        pretty(&report)
    );
    assert_eq!(
        has(&report, "K8S010", "latest.yaml").as_deref(),
        Some("error")
    );
    assert_eq!(has(&report, "K8S011", "app.yaml"), None, "enabled: false");
    assert_eq!(code, 1);

    write_files(
        tmp.path(),
        &[(".infra-lint.yaml", "disable: [image-pinned]\n")],
    );
    let (_, report) = json(tmp.path(), &["."]);
    assert!(
        !summary(&report).iter().any(|(r, _, _)| r == "K8S010"),
        "disabled by slug: {}",
        pretty(&report)
    );
}

#[test]
fn environment_globs_classify_files() {
    let tmp = tempdir();
    // `sandbox/` would be development by its name; the glob makes it production.
    write_files(
        tmp.path(),
        &[
            ("sandbox/app.yaml", APP),
            ("apps/app.yaml", APP),
            (
                ".infra-lint.yaml",
                "environments:\n  production: [\"sandbox/**\"]\n  development: [\"apps/**\"]\n",
            ),
        ],
    );
    let (_, report) = json(tmp.path(), &[&["."], RULES].concat());
    assert_eq!(
        has(&report, "K8S011", "sandbox/app.yaml").as_deref(),
        Some("warning"),
        "production glob: the production-only rule applies at full level: {}",
        pretty(&report)
    );
    assert_eq!(
        has(&report, "K8S011", "apps/app.yaml"),
        None,
        "development glob silences production-only rules"
    );
    // With an empty configuration, the path decides: sandbox = development.
    write_files(tmp.path(), &[("empty.yaml", "")]);
    let (_, plain) = json(
        tmp.path(),
        &[&[".", "--config", "empty.yaml"], RULES].concat(),
    );
    assert_eq!(has(&plain, "K8S011", "sandbox/app.yaml"), None);
    assert_eq!(
        has(&plain, "K8S011", "apps/app.yaml").as_deref(),
        Some("warning")
    );
}

#[test]
fn exclude_globs_are_not_scanned() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("latest.yaml", LATEST),
            ("vendor/latest.yaml", LATEST),
            ("deep/generated/latest.yaml", LATEST),
            (
                ".infra-lint.yaml",
                "exclude: [vendor, \"**/generated/**\"]\n",
            ),
        ],
    );
    let (_, report) = json(tmp.path(), &[&["."], RULES].concat());
    let files: Vec<String> = summary(&report).into_iter().map(|(_, f, _)| f).collect();
    assert_eq!(
        files,
        vec!["latest.yaml".to_string()],
        "{}",
        pretty(&report)
    );
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn fail_on_default_and_the_command_line_wins() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("latest.yaml", LATEST),
            (".infra-lint.yaml", "fail_on: error\n"),
        ],
    );
    // Only a warning: the file's `fail_on: error` passes it…
    assert_eq!(run(tmp.path(), &["."]).code(), 0);
    // …and --fail-on beats the file.
    assert_eq!(run(tmp.path(), &[".", "--fail-on", "warning"]).code(), 1);
    write_files(tmp.path(), &[(".infra-lint.yaml", "fail_on: never\n")]);
    assert_eq!(run(tmp.path(), &["."]).code(), 0);
    write_files(tmp.path(), &[(".infra-lint.yaml", "{}\n")]);
    assert_eq!(run(tmp.path(), &["."]).code(), 1, "default: warning");
}

#[test]
fn rule_on_the_command_line_beats_disable() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("latest.yaml", LATEST),
            (".infra-lint.yaml", "disable: [K8S010]\n"),
        ],
    );
    let (_, report) = json(tmp.path(), &["."]);
    assert_eq!(
        has(&report, "K8S010", "latest.yaml"),
        None,
        "{}",
        pretty(&report)
    );
    let (code, report) = json(tmp.path(), &[".", "--rule", "K8S010"]);
    assert_eq!(code, 1);
    assert_eq!(
        has(&report, "K8S010", "latest.yaml").as_deref(),
        Some("warning")
    );
}

#[test]
fn config_flag_names_the_file_and_its_folder_anchors_globs() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("manifests/latest.yaml", LATEST),
            ("manifests/vendor/latest.yaml", LATEST),
            // Not at a default name: found only through --config; its
            // globs are relative to its folder.
            (
                "lint-ci.yaml",
                "exclude: [\"manifests/vendor/**\"]\nrules:\n  K8S010: {level: error}\n",
            ),
        ],
    );
    let (_, report) = json(
        tmp.path(),
        &[&["manifests", "--config", "lint-ci.yaml"], RULES].concat(),
    );
    assert_eq!(
        summary(&report),
        vec![(
            "K8S010".to_string(),
            "latest.yaml".to_string(),
            "error".to_string()
        )],
        "{}",
        pretty(&report)
    );
    let r = run(tmp.path(), &["manifests", "--config", "ci/missing.yaml"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr.contains("ci/missing.yaml"), "{}", r.stderr);
}

#[test]
fn configuration_is_found_walking_up_from_a_nested_scan_root() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            (".infra-lint.yaml", "rules:\n  K8S010: {level: error}\n"),
            ("teams/shop/k8s/latest.yaml", LATEST),
        ],
    );
    // Scanning a nested directory from the top…
    let (_, report) = json(tmp.path(), &["teams/shop/k8s"]);
    assert_eq!(
        has(&report, "K8S010", "latest.yaml").as_deref(),
        Some("error")
    );
    // …and from inside it.
    let nested = tmp.path().join("teams/shop/k8s");
    let (_, report) = json(&nested, &["."]);
    assert_eq!(
        has(&report, "K8S010", "latest.yaml").as_deref(),
        Some("error"),
        "{}",
        pretty(&report)
    );
    // And for a file argument.
    let (_, report) = json(&nested, &["latest.yaml"]);
    assert_eq!(
        has(&report, "K8S010", "latest.yaml").as_deref(),
        Some("error")
    );
}

#[test]
fn readme_example_configuration_is_valid() {
    // The complete example in README.md ("Configuration") must load.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("```yaml\n# .infra-lint.yaml")
        .expect("README has a ```yaml block starting with `# .infra-lint.yaml`");
    let body = &readme[start + "```yaml\n".len()..];
    let example = &body[..body.find("```").expect("end of block")];
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            (".infra-lint.yaml", example),
            ("k8s/app.yaml", APP),
            ("policies/.keep", ""),
        ],
    );
    let r = run(tmp.path(), &["k8s"]);
    assert!(
        matches!(r.code(), 0 | 1),
        "exit {}:\n{}\n{example}",
        r.code(),
        r.stderr
    );
}
