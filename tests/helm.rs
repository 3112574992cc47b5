//! Helm: rendered streams mapped back to chart templates, and chart
//! directories rendered with `helm template` (a fake helm written at test
//! time stands in for the real one and records how it was called).
//!
//! Data: `tests/data/helm/charts/{web,worker}` are two small charts, and
//! `tests/data/helm/rendered.yaml` is what `helm template` prints for them
//! (with `# Source:` comments), plus an object of a subchart that is not in
//! the tree.

mod support;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{data_dir, findings, pretty, run_with_env, tempdir, write_files, Run};

fn helm_data() -> PathBuf {
    data_dir().join("helm")
}

fn rendered_stream() -> Vec<u8> {
    std::fs::read(helm_data().join("rendered.yaml")).expect("rendered.yaml")
}

/// Writing an executable while another thread forks can leave the file open
/// for writing in the child for a moment, and exec then fails with "text
/// file busy". Scripts are written under the write lock; runs hold a read lock.
static EXEC: RwLock<()> = RwLock::new(());

fn run(cwd: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, Option<&str>)]) -> Run {
    let _guard = EXEC.read().unwrap_or_else(|e| e.into_inner());
    run_with_env(cwd, args, stdin, env)
}

/// 1-based line of the first line of `file` (under `root`) that contains
/// `needle` after the first line containing `after`.
fn line_of(root: &Path, file: &str, after: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(root.join(file)).expect("read data file");
    let start = text
        .lines()
        .position(|l| l.contains(after))
        .unwrap_or_else(|| panic!("{after:?} not in {file}"));
    let at = text
        .lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {file} after {after:?}"))
        .0;
    at as u64 + 1
}

// ---------------------------------------------------------------------------
// A rendered stream on stdin

fn sarif_results(report: &Value) -> &Vec<Value> {
    report["runs"][0]["results"]
        .as_array()
        .expect("results is an array")
}

fn uri(loc: &Value) -> &str {
    loc["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_default()
}

fn start_line(loc: &Value) -> u64 {
    loc["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .expect("startLine")
}

/// The one result of `rule` whose helmTemplate is `source`.
fn result_for<'a>(report: &'a Value, rule: &str, source: &str) -> &'a Value {
    let found: Vec<&Value> = sarif_results(report)
        .iter()
        .filter(|r| r["ruleId"] == rule && r["properties"]["helmTemplate"] == source)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {rule} result from {source}:\n{}",
        pretty(report)
    );
    found[0]
}

/// The related location that names the rendered object.
fn rendered_from<'a>(result: &'a Value, source: &str) -> &'a Value {
    result["relatedLocations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["message"]["text"] == format!("rendered from {source}").as_str())
        .unwrap_or_else(|| {
            panic!(
                "no `rendered from {source}` related location:\n{}",
                pretty(result)
            )
        })
}

#[test]
fn rendered_stream_on_stdin_points_sarif_at_chart_templates() {
    let dir = helm_data();
    let out = run(
        &dir,
        &["-", "--format", "sarif"],
        Some(&rendered_stream()),
        &[],
    );
    assert_eq!(out.code(), 1, "findings expected\n{}", out.stderr);
    let report = out.json();
    let stdin_uri = "%3Cstdin%3E";

    // K8S011 on `replicas: 1`: the template line that renders `replicas`.
    let web = "web/templates/deployment.yaml";
    let template = "charts/web/templates/deployment.yaml";
    let r = result_for(&report, "K8S011", web);
    let primary = &r["locations"][0];
    assert_eq!(uri(primary), template);
    assert_eq!(
        primary["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(
        start_line(primary),
        line_of(&dir, template, "", "replicas:")
    );
    let rel = rendered_from(r, web);
    assert_eq!(uri(rel), stdin_uri);
    assert_eq!(
        start_line(rel),
        line_of(&dir, "rendered.yaml", web, "replicas: 1")
    );

    // K8S010 on the image line.
    let r = result_for(&report, "K8S010", web);
    assert_eq!(uri(&r["locations"][0]), template);
    assert_eq!(
        start_line(&r["locations"][0]),
        line_of(&dir, template, "", "image:")
    );
    assert_eq!(
        start_line(rendered_from(r, web)),
        line_of(&dir, "rendered.yaml", web, "image:")
    );

    // The second chart: K8S012 on the HPA's minReplicas.
    let hpa = "worker/templates/hpa.yaml";
    let r = result_for(&report, "K8S012", hpa);
    assert_eq!(uri(&r["locations"][0]), "charts/worker/templates/hpa.yaml");
    assert_eq!(
        start_line(&r["locations"][0]),
        line_of(&dir, "charts/worker/templates/hpa.yaml", "", "minReplicas:")
    );
    assert_eq!(
        start_line(rendered_from(r, hpa)),
        line_of(&dir, "rendered.yaml", hpa, "minReplicas: 2")
    );

    // K8S013 is about the whole object: the template's first line. K8S011 on
    // the worker (replicas unset): the object's `spec:`, where they belong,
    // not the pod template's `spec:` below it.
    let worker = "worker/templates/deployment.yaml";
    let worker_template = "charts/worker/templates/deployment.yaml";
    for (rule, line) in [
        ("K8S013", 1),
        ("K8S011", line_of(&dir, worker_template, "", "spec:")),
    ] {
        let r = result_for(&report, rule, worker);
        assert_eq!(uri(&r["locations"][0]), worker_template);
        assert_eq!(start_line(&r["locations"][0]), line, "{rule}");
        assert_eq!(uri(rendered_from(r, worker)), stdin_uri);
    }
    // …and K8S011 still names the HPA that scales the worker too little.
    let r = result_for(&report, "K8S011", worker);
    assert!(r["relatedLocations"]
        .as_array()
        .expect("related")
        .iter()
        .any(|l| uri(l) == stdin_uri
            && start_line(l) == line_of(&dir, "rendered.yaml", hpa, "minReplicas: 2")));

    // A subchart whose templates are not in the tree: the rendered line is
    // the primary location.
    let redis = "web/charts/redis/templates/master.yaml";
    let r = result_for(&report, "K8S011", redis);
    assert_eq!(uri(&r["locations"][0]), stdin_uri);
    assert_eq!(
        start_line(&r["locations"][0]),
        line_of(&dir, "rendered.yaml", redis, "replicas: 1")
    );

    // Every result of a chart that is in the tree points into its templates,
    // and the templates themselves are not scanned as manifests (no IL000).
    for r in sarif_results(&report) {
        assert_ne!(r["ruleId"], "IL000", "{}", pretty(r));
        let source = r["properties"]["helmTemplate"].as_str().unwrap_or_default();
        if let Some(rest) = source
            .strip_prefix("web/templates/")
            .or_else(|| source.strip_prefix("worker/templates/"))
        {
            let chart = source.split('/').next().unwrap_or_default();
            assert_eq!(
                uri(&r["locations"][0]),
                format!("charts/{chart}/templates/{rest}"),
                "{}",
                pretty(r)
            );
            rendered_from(r, source);
        }
    }
}

#[test]
fn rendered_stream_json_carries_the_template() {
    let dir = helm_data();
    let out = run(
        &dir,
        &["-", "--format", "json", "--rule", "K8S011"],
        Some(&rendered_stream()),
        &[],
    );
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let report = out.json();
    let all = findings(&report);
    let web = all
        .iter()
        .find(|f| f["template"]["source"] == "web/templates/deployment.yaml")
        .unwrap_or_else(|| panic!("no K8S011 finding of web:\n{}", pretty(&report)));
    // The finding itself stays on the rendered stream…
    assert_eq!(web["file"], "<stdin>");
    assert_eq!(
        web["line"].as_u64(),
        Some(line_of(
            &dir,
            "rendered.yaml",
            "web/templates/deployment.yaml",
            "replicas: 1"
        ))
    );
    // …and names the template line that renders it.
    let template = "charts/web/templates/deployment.yaml";
    assert_eq!(web["template"]["file"], template);
    assert_eq!(
        web["template"]["line"].as_u64(),
        Some(line_of(&dir, template, "", "replicas:"))
    );
    let worker = all
        .iter()
        .find(|f| f["template"]["source"] == "worker/templates/deployment.yaml")
        .expect("K8S011 finding of worker");
    assert_eq!(
        worker["template"]["file"],
        "charts/worker/templates/deployment.yaml"
    );
    // The worker template writes no replicas: the `spec:` they belong under.
    assert_eq!(
        worker["template"]["line"].as_u64(),
        Some(line_of(
            &dir,
            "charts/worker/templates/deployment.yaml",
            "",
            "spec:"
        ))
    );
    let redis = all
        .iter()
        .find(|f| f["template"]["source"] == "web/charts/redis/templates/master.yaml")
        .expect("K8S011 finding of the redis subchart");
    assert!(redis["template"]["file"].is_null());
    assert!(redis["template"]["line"].is_null());
}

// ---------------------------------------------------------------------------
// Chart directories

/// `web` copied into a new tree as `<tmp>/charts/web`.
fn tree_with_web_chart() -> tempfile::TempDir {
    let tmp = tempdir();
    support::copy_dir(
        &helm_data().join("charts").join("web"),
        &tmp.path().join("charts").join("web"),
    );
    tmp
}

fn assert_il001(out: &Run, chart_yaml: &str, message_part: &str) {
    assert_eq!(
        out.code(),
        1,
        "IL001 fails the default gate\n{}",
        out.stderr
    );
    let report = out.json();
    let il001: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["rule_id"] == "IL001")
        .collect();
    assert!(!il001.is_empty(), "no IL001:\n{}", pretty(&report));
    for f in &il001 {
        assert_eq!(f["file"], chart_yaml, "{}", pretty(f));
        assert_eq!(f["line"], 1);
        let message = f["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(message_part),
            "IL001 message {message:?} lacks {message_part:?}"
        );
    }
    // Nothing in the chart was scanned: no other findings, no parse errors
    // from templates.
    assert!(
        findings(&report).iter().all(|f| f["rule_id"] == "IL001"),
        "{}",
        pretty(&report)
    );
}

#[test]
fn chart_without_helm_is_il001() {
    let tmp = tree_with_web_chart();
    let out = run(
        tmp.path(),
        &[".", "--helm", "/nonexistent/helm", "--format", "json"],
        None,
        &[],
    );
    assert_il001(&out, "charts/web/Chart.yaml", "/nonexistent/helm");

    // No --helm and no helm on PATH.
    let empty = tempdir();
    let path = empty.path().to_str().expect("UTF-8 path");
    let out = run(
        tmp.path(),
        &[".", "--format", "json"],
        None,
        &[("PATH", Some(path))],
    );
    assert_il001(&out, "charts/web/Chart.yaml", "helm is not installed");

    // The chart folder scanned itself is named by its chart name.
    let out = run(
        &tmp.path().join("charts").join("web"),
        &[".", "--helm", "/nonexistent/helm", "--format", "json"],
        None,
        &[],
    );
    assert_il001(&out, "Chart.yaml", "chart web was not scanned");
}

// ---------------------------------------------------------------------------
// A fake helm (a shell script: Unix only)

/// A fake `helm` in its own folder: it appends its arguments (tab-separated,
/// one invocation a line) to `helm.log` beside it, then runs `body`.
#[cfg(unix)]
struct FakeHelm {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    log: PathBuf,
}

#[cfg(unix)]
impl FakeHelm {
    fn new(body: &str) -> FakeHelm {
        let dir = tempdir();
        let bin = dir.path().join("helm");
        let log = dir.path().join("helm.log");
        let script = format!(
            "#!/bin/sh\nline=\"\"\nfor a in \"$@\"; do line=\"$line$a\t\"; done\nprintf '%s\\n' \"$line\" >> '{}'\n{body}\n",
            log.display()
        );
        {
            let _guard = EXEC.write().unwrap_or_else(|e| e.into_inner());
            std::fs::write(&bin, script).expect("write fake helm");
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755))
                .expect("chmod fake helm");
        }
        FakeHelm {
            _dir: dir,
            bin,
            log,
        }
    }

    /// A helm that prints `stream` for `template` and succeeds for anything else.
    fn printing(stream: &str) -> FakeHelm {
        FakeHelm::new(&format!(
            "if [ \"$1\" = template ]; then\ncat <<'__RENDERED__'\n{stream}__RENDERED__\nfi\nexit 0"
        ))
    }

    fn path(&self) -> &str {
        self.bin.to_str().expect("UTF-8 path")
    }

    /// Every invocation's arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                l.strip_suffix('\t')
                    .unwrap_or(l)
                    .split('\t')
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }
}

#[cfg(unix)]
const SHOP_CHART: &[(&str, &str)] = &[
    (
        "shop/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    ),
    ("shop/values.yaml", "replicaCount: 1\n"),
    (
        "shop/templates/deployment.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: registry.example.com/shop:1.0.0
",
    ),
];

/// What the fake helm prints: the chart's deployment, without a namespace.
#[cfg(unix)]
const SHOP_RENDERED: &str = "---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: registry.example.com/shop:1.0.0
";

#[cfg(unix)]
fn same_dir(cwd: &Path, arg: &str, expected: &Path) -> bool {
    let canon = |p: &Path| p.canonicalize().ok();
    let got = cwd.join(arg);
    canon(&got).is_some() && canon(&got) == canon(expected)
}

#[cfg(unix)]
#[test]
fn fake_helm_gets_template_release_chart_and_the_options() {
    let tmp = tempdir();
    write_files(tmp.path(), SHOP_CHART);
    write_files(tmp.path(), &[("ci-values.yaml", "replicaCount: 1\n")]);
    let helm = FakeHelm::printing(SHOP_RENDERED);
    let out = run(
        tmp.path(),
        &[
            ".",
            "--helm",
            helm.path(),
            "--helm-values",
            "ci-values.yaml",
            "--helm-set",
            "image.tag=1.2.3",
            "--helm-set",
            "replicaCount=1",
            "--namespace",
            "storefront",
            "--rule",
            "K8S011",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let calls = helm.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.len(), 11, "{call:?}");
    assert_eq!(&call[..2], ["template", "shop"]);
    assert!(
        same_dir(tmp.path(), &call[2], &tmp.path().join("shop")),
        "{call:?}"
    );
    assert_eq!(
        &call[3..],
        [
            "--values",
            "ci-values.yaml",
            "--set",
            "image.tag=1.2.3",
            "--set",
            "replicaCount=1",
            "--namespace",
            "storefront",
        ]
    );

    // The rendered objects get the namespace; findings map to the template.
    let report = out.json();
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{}", pretty(&report));
    let f = &all[0];
    assert_eq!(f["rule_id"], "K8S011");
    assert_eq!(f["resource"], "Deployment/storefront/shop");
    assert_eq!(f["file"], "shop/values.yaml (rendered)");
    assert_eq!(f["template"]["file"], "shop/templates/deployment.yaml");
    assert_eq!(f["template"]["line"], 6);
}

#[cfg(unix)]
#[test]
fn environment_values_files_render_separately() {
    let tmp = tempdir();
    write_files(tmp.path(), SHOP_CHART);
    write_files(
        tmp.path(),
        &[
            ("shop/values-prod.yaml", "replicaCount: 1\n"),
            ("shop/values-dev.yaml", "replicaCount: 1\n"),
            // Not an environment: rendered only when passed with --helm-values.
            ("shop/values-ci.yaml", "replicaCount: 1\n"),
        ],
    );
    let helm = FakeHelm::printing(SHOP_RENDERED);
    let out = run(
        tmp.path(),
        &[
            ".",
            "--helm",
            helm.path(),
            "--rule",
            "K8S011",
            "--rule",
            "K8S016",
            "--rule",
            "K8S017",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(out.code(), 1, "{}", out.stderr);

    // Three renderings: default, prod, dev, each with its own values file.
    let mut calls = helm.calls();
    calls.sort();
    assert_eq!(calls.len(), 3, "{calls:?}");
    let mut extra: Vec<Option<String>> = Vec::new();
    for call in &calls {
        assert_eq!(&call[..2], ["template", "shop"], "{call:?}");
        assert!(same_dir(tmp.path(), &call[2], &tmp.path().join("shop")));
        match &call[3..] {
            [] => extra.push(None),
            [flag, file] => {
                assert_eq!(flag, "--values", "{call:?}");
                let name = Path::new(file)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("file name")
                    .to_string();
                assert!(same_dir(
                    tmp.path(),
                    file,
                    &tmp.path().join("shop").join(&name)
                ));
                extra.push(Some(name));
            }
            other => panic!("unexpected arguments {other:?}"),
        }
    }
    extra.sort();
    assert_eq!(
        extra,
        [
            None,
            Some("values-dev.yaml".to_string()),
            Some("values-prod.yaml".to_string())
        ]
    );

    // Prod-only rules fire on the default (unclassified = production) and the
    // prod rendering, not on the dev one; K8S016 applies everywhere.
    let report = out.json();
    let files_of = |rule: &str| {
        let mut files: Vec<String> = findings(&report)
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .map(|f| f["file"].as_str().expect("file").to_string())
            .collect();
        files.sort();
        files
    };
    let prod = [
        "shop/values-prod.yaml (rendered)",
        "shop/values.yaml (rendered)",
    ];
    assert_eq!(files_of("K8S011"), prod, "{}", pretty(&report));
    // The renderings are separate deployments: the dev rendering's workload
    // (first in path order) does not swallow the namespace-level findings of
    // the others.
    assert_eq!(files_of("K8S017"), prod, "{}", pretty(&report));
    assert_eq!(
        files_of("K8S016"),
        [
            "shop/values-dev.yaml (rendered)",
            "shop/values-prod.yaml (rendered)",
            "shop/values.yaml (rendered)"
        ]
    );
    for f in findings(&report) {
        assert_eq!(f["template"]["file"], "shop/templates/deployment.yaml");
    }
}

/// Files of a chart folder that helm does not render (`crds/`, a
/// pre-rendered manifest beside `Chart.yaml`) are plain manifests and are
/// scanned; `templates/` and subcharts under `charts/` are only seen
/// rendered; values files, `Chart.yaml` and the like stay quiet.
#[cfg(unix)]
#[test]
fn chart_files_outside_templates_are_plain_manifests() {
    let tmp = tempdir();
    write_files(tmp.path(), SHOP_CHART);
    // Privileged, to be reported wherever it is scanned as a manifest.
    let privileged = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: {name}\n    image: registry.example.com/{name}:1.0.0\n    securityContext:\n      privileged: true\n"
        )
    };
    let upstream = format!(
        "# Pre-rendered, applied with kustomize.\n---\n{}",
        privileged("upstream")
    );
    let subchart = privileged("subchart");
    let in_templates = privileged("template");
    write_files(
        tmp.path(),
        &[
            ("shop/upstream.yaml", &upstream),
            (
                "shop/crds/widgets.yaml",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: []\n",
            ),
            ("shop/values-prod.yaml", "replicaCount: 3\nimage: {tag: 1.0.0}\n"),
            ("shop/ci/test-values.yaml", "replicaCount: 1\n"),
            ("shop/values.schema.json", "{\"type\": \"object\"}\n"),
            (
                "shop/requirements.yaml",
                "dependencies:\n- name: redis\n  version: 1.0.0\n",
            ),
            ("shop/templates/plain.yaml", &in_templates),
            ("shop/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
            ("shop/charts/sub/templates/pod.yaml", &subchart),
            ("shop/charts/sub/static.yaml", &subchart),
        ],
    );
    let helm = FakeHelm::printing(SHOP_RENDERED);
    let out = run(
        tmp.path(),
        &[
            ".",
            "--helm",
            helm.path(),
            "--rule",
            "K8S005",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(out.code(), 1, "{}", out.stderr);
    let report = out.json();
    let found: Vec<(&str, &str, u64)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default(),
                f["file"].as_str().unwrap_or_default(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("K8S005", "shop/upstream.yaml", 12)],
        "{}",
        pretty(&report)
    );
    assert_eq!(
        report["notes"],
        serde_json::json!([]),
        "{}",
        pretty(&report)
    );
    // The rendered deployment (values.yaml and values-prod.yaml), the
    // pre-rendered pod and the CRD.
    assert_eq!(report["summary"]["resources"], 4, "{}", pretty(&report));
}

#[cfg(unix)]
#[test]
fn failing_helm_is_il001_with_its_error_text() {
    let tmp = tempdir();
    write_files(tmp.path(), SHOP_CHART);
    let error = "Error: template: shop/templates/deployment.yaml:6:24: executing \"shop/templates/deployment.yaml\" at <.Values.replicaCount>: nil pointer evaluating interface {}.replicaCount";
    let helm = FakeHelm::new(&format!("echo '{error}' >&2\nexit 1"));
    let out = run(
        tmp.path(),
        &[".", "--helm", helm.path(), "--format", "json"],
        None,
        &[],
    );
    assert_il001(&out, "shop/Chart.yaml", error);
    assert_eq!(helm.calls().len(), 1);
}

#[cfg(unix)]
#[test]
fn slow_helm_times_out_as_il001() {
    let tmp = tempdir();
    write_files(tmp.path(), SHOP_CHART);
    let helm = FakeHelm::new("exec sleep 30");
    let started = Instant::now();
    let out = run(
        tmp.path(),
        &[
            ".",
            "--helm",
            helm.path(),
            "--helm-timeout",
            "1",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the time limit was not enforced: {:?}",
        started.elapsed()
    );
    assert_il001(&out, "shop/Chart.yaml", "timed out");
    let report = out.json();
    let message = findings(&report)[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("1s"), "{message}");
}

#[cfg(unix)]
#[test]
fn only_template_and_dependency_build_are_run() {
    let tmp = tempdir();
    write_files(tmp.path(), SHOP_CHART);
    write_files(
        tmp.path(),
        &[
            ("shop/values-prod.yaml", "replicaCount: 3\n"),
            ("shop/values-staging.yaml", "replicaCount: 2\n"),
        ],
    );
    // A second chart, nested in a folder.
    let cart: Vec<(String, &str)> = SHOP_CHART
        .iter()
        .map(|(p, t)| (p.replacen("shop/", "apps/cart/", 1), *t))
        .collect();
    let cart: Vec<(&str, &str)> = cart.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    write_files(tmp.path(), &cart);
    let helm = FakeHelm::printing(SHOP_RENDERED);
    let out = run(
        tmp.path(),
        &[".", "--helm", helm.path(), "--format", "json"],
        None,
        &[],
    );
    assert!(matches!(out.code(), 0 | 1), "{}", out.stderr);
    let calls = helm.calls();
    // shop: default, prod, staging; cart: default.
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(calls.iter().all(|c| c[0] == "template"), "{calls:?}");

    let helm = FakeHelm::printing(SHOP_RENDERED);
    let out = run(
        tmp.path(),
        &[
            ".",
            "--helm",
            helm.path(),
            "--helm-dependency-build",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert!(matches!(out.code(), 0 | 1), "{}", out.stderr);
    let calls = helm.calls();
    let (deps, templates): (Vec<_>, Vec<_>) = calls.iter().partition(|c| c[0] == "dependency");
    assert_eq!(templates.len(), 4, "{calls:?}");
    assert!(templates.iter().all(|c| c[0] == "template"), "{calls:?}");
    // Once per chart, before its renderings (not once per rendering).
    assert_eq!(deps.len(), 2, "{calls:?}");
    for dep in &deps {
        assert_eq!(dep.len(), 3, "{dep:?}");
        assert_eq!(dep[1], "build");
    }
    for chart in ["shop", "apps/cart"] {
        let dir = tmp.path().join(chart);
        let dep_at = calls
            .iter()
            .position(|c| c[0] == "dependency" && same_dir(tmp.path(), &c[2], &dir))
            .expect("dependency build");
        let first_template = calls
            .iter()
            .position(|c| c[0] == "template" && same_dir(tmp.path(), &c[2], &dir))
            .expect("template");
        assert!(dep_at < first_template, "{calls:?}");
    }

    // A failing dependency build: IL001 for every rendering, no template run.
    let helm = FakeHelm::new(
        "if [ \"$1\" = dependency ]; then echo 'Error: no repository definition for https://charts.example.com' >&2; exit 1; fi\nexit 0",
    );
    let out = run(
        tmp.path(),
        &[
            "shop",
            "--helm",
            helm.path(),
            "--helm-dependency-build",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_il001(&out, "Chart.yaml", "no repository definition");
    let report = out.json();
    assert_eq!(findings(&report).len(), 3, "{}", pretty(&report));
    assert!(helm.calls().iter().all(|c| c[0] == "dependency"));
}
