//! Hostile and unusual input: alias bombs, deep nesting, malformed YAML,
//! YAML that is not Kubernetes, encodings, determinism and symbolic links.

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{
    baseline, copy_dir, data_dir, findings, findings_in, pretty, rule_file_line, run_in, tempdir,
    write_files, Run,
};

/// A Deployment with exactly three warnings: K8S008/K8S009 at line 9 and K8S010 at line 10.
const VALID: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 10m, memory: 16Mi}
";

/// `(rule, line)` of the findings VALID yields.
const VALID_FINDINGS: &[(&str, u64)] = &[("K8S008", 9), ("K8S009", 9), ("K8S010", 10)];

/// Hostile input must be refused quickly, not only eventually.
const HOSTILE_LIMIT: Duration = Duration::from_secs(30);

/// A JSON scan with the baseline rules (exact findings stay put when rules
/// are added).
fn json_scan(cwd: &Path, args: &[&str]) -> (Run, Value) {
    let mut all = baseline(args);
    all.extend(["--format", "json"]);
    let run = run_in(cwd, &all, None);
    let report = run.json();
    (run, report)
}

/// `(rule, line)` of the findings for one file.
fn rule_lines(report: &Value, file: &str) -> Vec<(String, u64)> {
    findings_in(report, file)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule_id").to_string(),
                f["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

fn valid_findings() -> Vec<(String, u64)> {
    VALID_FINDINGS
        .iter()
        .map(|(r, l)| (r.to_string(), *l))
        .collect()
}

/// The single finding for `file`, which must be an IL000.
fn parse_error<'a>(report: &'a Value, file: &str) -> &'a Value {
    let found = findings_in(report, file);
    assert_eq!(
        found.len(),
        1,
        "one finding for {file}:\n{}",
        pretty(report)
    );
    let f = found[0];
    assert_eq!(f["rule_id"], "IL000", "{f}");
    assert_eq!(f["level"], "error", "{f}");
    assert_eq!(f["resource"], Value::Null, "{f}");
    let message = f["message"].as_str().expect("message");
    assert!(message.starts_with("cannot parse: "), "{message}");
    f
}

fn line_col(f: &Value) -> (u64, u64) {
    (
        f["line"].as_u64().expect("line"),
        f["column"].as_u64().expect("column"),
    )
}

/// The classic "billion laughs": 9 levels of 9 aliases (9^9 strings).
fn billion_laughs() -> String {
    let mut text = String::from("lol0: &lol0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for level in 1..=9 {
        let refs = vec![format!("*lol{}", level - 1); 9].join(", ");
        writeln!(text, "lol{level}: &lol{level} [{refs}]").expect("write");
    }
    text
}

#[test]
fn billion_laughs_is_a_parse_error_not_a_crash() {
    let tmp = tempdir();
    // The same bomb with block mappings and merge keys, inside a ConfigMap.
    let mut merge =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n");
    merge.push_str("  a0: &a0 {k0: lol, k1: lol, k2: lol, k3: lol, k4: lol, k5: lol, k6: lol, k7: lol, k8: lol, k9: lol}\n");
    for level in 1..=8 {
        let fields: Vec<String> = (0..10).map(|i| format!("f{i}: *a{}", level - 1)).collect();
        writeln!(
            merge,
            "  a{level}: &a{level} {{<<: *a{}, {}}}",
            level - 1,
            fields.join(", ")
        )
        .expect("write");
    }
    write_files(
        tmp.path(),
        &[
            ("bomb.yaml", &billion_laughs()),
            ("merge-bomb.yaml", &merge),
            ("valid.yaml", VALID),
        ],
    );
    let started = Instant::now();
    let (run, report) = json_scan(tmp.path(), &["."]);
    assert!(
        started.elapsed() < HOSTILE_LIMIT,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        run.code(),
        1,
        "a normal exit with findings\nstderr: {}",
        run.stderr
    );
    for file in ["bomb.yaml", "merge-bomb.yaml"] {
        let f = parse_error(&report, file);
        let message = f["message"].as_str().expect("message");
        assert!(message.contains("alias"), "{file}: {message}");
    }
    // Refused where the expansion crosses the 100,000-node budget: lol1..lol4
    // (lines 2-5) already copy ~74,000 nodes, so the second *lol4 of lol5
    // (line 6) is one too many.
    assert_eq!(line_col(parse_error(&report, "bomb.yaml")).0, 6);
    assert_eq!(rule_lines(&report, "valid.yaml"), valid_findings());
    assert_eq!(report["summary"]["findings"], 5);
}

#[test]
fn deep_block_nesting_is_a_parse_error_not_a_crash() {
    let tmp = tempdir();
    let deep = "- ".repeat(5000) + "x\n";
    assert!(deep.len() > 10_000 && deep.len() < 10_100, "about 10 KB");
    let nested_in_map = "spec:\n".to_string() + &"  - ".repeat(3000) + "x\n";
    write_files(
        tmp.path(),
        &[
            ("deep.yaml", &deep),
            ("deep-in-map.yaml", &nested_in_map),
            ("valid.yaml", VALID),
        ],
    );
    for threads in ["1", "4"] {
        let started = Instant::now();
        let (run, report) = json_scan(tmp.path(), &[".", "--threads", threads]);
        assert!(
            started.elapsed() < HOSTILE_LIMIT,
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(run.code(), 1, "threads {threads}\nstderr: {}", run.stderr);
        for file in ["deep.yaml", "deep-in-map.yaml"] {
            let f = parse_error(&report, file);
            let message = f["message"].as_str().expect("message");
            assert!(
                message.contains("nesting deeper than 256 levels"),
                "{file}: {message}"
            );
        }
        assert_eq!(
            line_col(parse_error(&report, "deep.yaml")),
            (1, 2 * 256 + 1)
        );
        assert_eq!(line_col(parse_error(&report, "deep-in-map.yaml")).0, 2);
        assert_eq!(rule_lines(&report, "valid.yaml"), valid_findings());
    }
}

#[test]
fn deep_flow_nesting_is_a_parse_error_not_a_crash() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("open.yaml", &"[".repeat(10_000)),
            (
                "balanced.yaml",
                &("[".repeat(5000) + &"]".repeat(5000) + "\n"),
            ),
            (
                "maps.yaml",
                &("{a: ".repeat(3000) + &"}".repeat(3000) + "\n"),
            ),
            ("mixed.yaml", &("[{a: ".repeat(2000) + "\n")),
            ("valid.yaml", VALID),
        ],
    );
    for threads in ["1", "4"] {
        let started = Instant::now();
        let (run, report) = json_scan(tmp.path(), &[".", "--threads", threads]);
        assert!(
            started.elapsed() < HOSTILE_LIMIT,
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(run.code(), 1, "threads {threads}\nstderr: {}", run.stderr);
        for file in ["open.yaml", "balanced.yaml", "maps.yaml", "mixed.yaml"] {
            assert_eq!(line_col(parse_error(&report, file)).0, 1, "{file}");
        }
        assert_eq!(rule_lines(&report, "valid.yaml"), valid_findings());
    }
}

#[test]
fn deep_nesting_on_stdin_is_a_parse_error() {
    let tmp = tempdir();
    let deep = "- ".repeat(5000) + "x\n";
    let run = run_in(
        tmp.path(),
        [
            "-",
            "--stdin-name",
            "deep.yaml",
            "--format",
            "json",
            "--threads",
            "1",
        ],
        Some(deep.as_bytes()),
    );
    assert_eq!(run.code(), 1, "{}", run.stderr);
    assert_eq!(line_col(parse_error(&run.json(), "deep.yaml")), (1, 513));
}

/// Legitimately nested YAML (well under the limit) is not refused.
#[test]
fn moderate_nesting_is_accepted() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            ("block.yaml", &("- ".repeat(100) + "x\n")),
            ("flow.yaml", &("[".repeat(200) + &"]".repeat(200) + "\n")),
        ],
    );
    let (run, report) = json_scan(tmp.path(), &["."]);
    assert_eq!(run.code(), 0, "{}", pretty(&report));
    assert_eq!(findings(&report).len(), 0);
}

#[test]
fn malformed_yaml_is_reported_at_its_line_and_the_rest_is_scanned() {
    let tmp = tempdir();
    write_files(
        tmp.path(),
        &[
            (
                "a-indent.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n   level: \"3\"\n",
            ),
            ("b-tab.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n"),
            (
                "c-sequence.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: a\n    image: a:1\n  - name: b\n   image: b:1\n",
            ),
            ("d-alias.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: *missing\n"),
            (
                "e-multidoc.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fine\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n data: {}\n",
            ),
            ("m-valid.yaml", VALID),
            ("z-valid.yaml", VALID),
        ],
    );
    let (run, report) = json_scan(tmp.path(), &["."]);
    assert_eq!(run.code(), 1);
    let at = |file: &str| line_col(parse_error(&report, file));
    assert_eq!(
        at("a-indent.yaml"),
        (7, 9),
        "the colon after the mis-indented key"
    );
    assert_eq!(at("b-tab.yaml").0, 4, "the tab-indented line");
    assert_eq!(at("c-sequence.yaml"), (10, 4), "the mis-indented image");
    assert_eq!(at("d-alias.yaml").0, 4, "the unknown alias");
    assert_eq!(
        at("e-multidoc.yaml").0,
        10,
        "the bad line of the second document"
    );
    assert_eq!(rule_lines(&report, "m-valid.yaml"), valid_findings());
    assert_eq!(rule_lines(&report, "z-valid.yaml"), valid_findings());
    assert_eq!(report["summary"]["files_scanned"], 7);
    assert_eq!(report["summary"]["findings"], 11);
}

#[test]
fn yaml_that_is_not_kubernetes_is_skipped_silently() {
    let tmp = tempdir();
    copy_dir(&data_dir().join("robustness/not-kubernetes"), tmp.path());
    // Every rule, not only the baseline.
    let run = run_in(tmp.path(), [".", "--format", "json"], None);
    let report = run.json();
    assert_eq!(run.code(), 0, "{}", pretty(&report));
    assert_eq!(findings(&report).len(), 0, "{}", pretty(&report));
    assert_eq!(report["notes"], serde_json::json!([]));
    assert_eq!(report["summary"]["files_scanned"], 0);
    assert_eq!(report["summary"]["resources"], 0);
    // Next to a manifest, the manifest is still checked.
    write_files(tmp.path(), &[("k8s/valid.yaml", VALID)]);
    let (_, report) = json_scan(tmp.path(), &["."]);
    let files: Vec<String> = rule_file_line(&report)
        .into_iter()
        .map(|(_, f, _)| f)
        .collect();
    assert_eq!(files, ["k8s/valid.yaml"; 3]);
}

#[test]
fn invalid_utf8_is_a_parse_error() {
    let tmp = tempdir();
    let files: &[(&str, &[u8])] = &[
        (
            "latin1.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
        ),
        ("utf16.yaml", b"\xff\xfea\x00:\x00 \x001\x00\n\x00"),
        ("valid.yaml", VALID.as_bytes()),
    ];
    for (name, bytes) in files {
        std::fs::write(tmp.path().join(name), bytes).expect("write");
    }
    let (run, report) = json_scan(tmp.path(), &["."]);
    assert_eq!(run.code(), 1);
    let latin1 = parse_error(&report, "latin1.yaml");
    assert_eq!(
        line_col(latin1),
        (4, 12),
        "the first byte that is not UTF-8"
    );
    assert!(
        latin1["message"]
            .as_str()
            .unwrap_or_default()
            .contains("UTF-8"),
        "{latin1}"
    );
    assert_eq!(line_col(parse_error(&report, "utf16.yaml")), (1, 1));
    assert_eq!(rule_lines(&report, "valid.yaml"), valid_findings());
}

#[test]
fn bom_and_crlf_keep_lines_and_columns() {
    let tmp = tempdir();
    let crlf = VALID.replace('\n', "\r\n");
    let one_line = "{apiVersion: v1, kind: Namespace, metadata: {name: x}}\n";
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("lf.yaml", VALID.as_bytes().to_vec()),
        ("crlf.yaml", crlf.as_bytes().to_vec()),
        (
            "bom-crlf.yaml",
            [b"\xef\xbb\xbf".as_slice(), crlf.as_bytes()].concat(),
        ),
        ("ns.yaml", one_line.as_bytes().to_vec()),
        (
            "ns-bom.yaml",
            [b"\xef\xbb\xbf".as_slice(), one_line.as_bytes()].concat(),
        ),
        (
            "broken-bom-crlf.yaml",
            [
                b"\xef\xbb\xbf".as_slice(),
                b"apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: a\r\n   x: 1\r\n",
            ]
            .concat(),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(tmp.path().join(name), bytes).expect("write");
    }
    let (_, report) = json_scan(tmp.path(), &["."]);
    let positions = |file: &str| -> Vec<(String, u64, u64, u64, u64)> {
        findings_in(&report, file)
            .iter()
            .map(|f| {
                let n = |k: &str| f[k].as_u64().expect("position");
                (
                    f["rule_id"].as_str().expect("rule").to_string(),
                    n("line"),
                    n("column"),
                    n("end_line"),
                    n("end_column"),
                )
            })
            .collect()
    };
    let lf = positions("lf.yaml");
    assert_eq!(
        lf,
        [
            ("K8S008".to_string(), 9, 11, 9, 20),
            ("K8S009".to_string(), 9, 11, 9, 20),
            ("K8S010".to_string(), 10, 11, 10, 30),
        ],
        "`image: nginx:latest` spans columns 11 to 30"
    );
    assert_eq!(
        positions("crlf.yaml"),
        lf,
        "CRLF: same lines, no \\r in spans"
    );
    assert_eq!(positions("bom-crlf.yaml"), lf, "BOM + CRLF");
    let ns = positions("ns.yaml");
    assert_eq!(ns.len(), 1);
    assert_eq!(ns[0].1, 1);
    assert_eq!(
        positions("ns-bom.yaml"),
        ns,
        "a BOM does not shift columns of line 1"
    );
    assert_eq!(
        line_col(parse_error(&report, "broken-bom-crlf.yaml")),
        (5, 5)
    );
}

/// A varied tree of `n` files, some broken, some not Kubernetes.
fn generate_tree(root: &Path, n: usize) {
    for i in 0..n {
        let dir = format!("team-{}/app-{}", i % 7, i % 13);
        let (name, text) = match i % 10 {
            0 => (
                format!("stack-{i}.yaml"),
                format!(
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{i}\n---\n{}",
                    VALID.replacen("name: web\n", &format!("name: web-{i}\n  namespace: ns-{i}\n"), 1)
                ),
            ),
            1 => (
                format!("secret-{i}.yaml"),
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s-{i}\ndata:\n  k{i}: dmFsdWU=\n"),
            ),
            2 => (
                format!("broken-{i}.yaml"),
                format!("apiVersion: v1\nkind: Pod\n{}metadata:\n  name: p\n   x: 1\n", "# pad\n".repeat(i % 5)),
            ),
            3 => (
                format!("rbac-{i}.yaml"),
                format!(
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: {}\nmetadata:\n  name: r-{i}\nrules:\n- apiGroups: [\"*\"]\n  resources: [pods]\n  verbs: [\"{}\"]\n",
                    if i % 20 == 3 { "Role" } else { "ClusterRole" },
                    if i % 3 == 0 { "*" } else { "get" }
                ),
            ),
            4 => (
                format!("storage-{i}.yaml"),
                format!(
                    "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: sc-{i}\nprovisioner: {}\nparameters:\n  type: gp3\n",
                    ["ebs.csi.aws.com", "disk.csi.azure.com", "pd.csi.storage.gke.io", "efs.csi.aws.com"][i % 4]
                ),
            ),
            5 => (
                format!("cron-{i}.yml"),
                format!(
                    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c-{i}\nspec:\n  schedule: \"@daily\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            image: busybox{}\n            env:\n            - name: API_TOKEN\n              value: t{i}\n",
                    if i % 3 == 0 { "" } else { ":1.36" }
                ),
            ),
            6 => (
                format!("list-{i}.yaml"),
                format!(
                    "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {{name: a-{i}}}\n  spec:\n    hostPID: true\n    containers: [{{name: a, image: \"a:{i}\"}}]\n- apiVersion: v1\n  kind: Pod\n  metadata: {{name: b-{i}}}\n  spec:\n    containers: [{{name: b, image: b, securityContext: {{privileged: true, runAsUser: 0}}}}]\n"
                ),
            ),
            7 => (
                format!("deploy-{i}.json"),
                format!(
                    "{{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {{\"name\": \"j-{i}\"}},\n \"spec\": {{\"template\": {{\"spec\": {{\"containers\": [\n  {{\"name\": \"c\", \"image\": \"app:{i}\", \"securityContext\": {{\"capabilities\": {{\"add\": [\"SYS_ADMIN\"]}}}}}}\n]}}}}}}}}\n"
                ),
            ),
            8 => (format!("values-{i}.yaml"), format!("replicaCount: {i}\nimage:\n  tag: latest\n")),
            _ => {
                let flag = |bit: usize, yes: &str, no: &str| if i & (1 << bit) != 0 { yes.to_string() } else { no.to_string() };
                (
                    format!("w{i}.yaml"),
                    format!(
                        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: w-{i}\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: w\n        image: w:{i}\n        securityContext:\n          runAsNonRoot: {}\n          allowPrivilegeEscalation: {}\n          readOnlyRootFilesystem: {}\n{}",
                        flag(0, "true", "false"),
                        flag(1, "false", "true"),
                        flag(2, "true", "false"),
                        flag(3, "        livenessProbe: {exec: {command: [true]}}\n", "")
                    ),
                )
            }
        };
        write_files(root, &[(&format!("{dir}/{name}"), &text)]);
    }
}

#[test]
fn reports_do_not_depend_on_thread_count() {
    let tmp = tempdir();
    generate_tree(&tmp.path().join("tree"), 200);
    let mut reports: Vec<(String, String, String)> = Vec::new();
    for threads in ["1", "2", "8"] {
        let mut outputs = Vec::new();
        for format in ["sarif", "json"] {
            let run = run_in(
                tmp.path(),
                ["tree", "--format", format, "--threads", threads],
                None,
            );
            assert_eq!(run.code(), 1, "{}", run.stderr);
            outputs.push(run.stdout);
        }
        let json = outputs.pop().expect("json");
        let sarif = outputs.pop().expect("sarif");
        reports.push((threads.to_string(), sarif, json));
    }
    let (_, sarif1, json1) = &reports[0];
    for (threads, sarif, json) in &reports[1..] {
        assert!(
            sarif == sarif1,
            "SARIF with --threads {threads} differs from --threads 1"
        );
        assert!(
            json == json1,
            "JSON with --threads {threads} differs from --threads 1"
        );
    }
    let report: Value = serde_json::from_str(json1).expect("JSON");
    assert_eq!(
        report["summary"]["files_scanned"], 180,
        "all but the 20 values files"
    );
    let parse_errors = findings(&report)
        .iter()
        .filter(|f| f["rule_id"] == "IL000")
        .count();
    assert_eq!(parse_errors, 20);
    assert!(
        findings(&report).len() > 500,
        "a substantial report: {}",
        findings(&report).len()
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    use std::os::unix::fs::symlink;
    let tmp = tempdir();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: outside\ndata:\n  k: dg==\n";
    write_files(
        tmp.path(),
        &[
            ("outside/secret.yaml", secret),
            ("outside/dir/secret.yaml", secret),
            ("root/real.yaml", VALID),
        ],
    );
    let root = tmp.path().join("root");
    symlink("../outside/secret.yaml", root.join("relative-link.yaml")).expect("symlink");
    symlink(
        tmp.path().join("outside/secret.yaml"),
        root.join("absolute-link.yaml"),
    )
    .expect("symlink");
    symlink("../outside/dir", root.join("linked-dir")).expect("symlink");
    std::fs::create_dir(root.join("sub")).expect("mkdir");
    symlink("../../outside/secret.yaml", root.join("sub/deep-link.yaml")).expect("symlink");
    // A link that stays inside the root is followed.
    symlink("real.yaml", root.join("inside-link.yaml")).expect("symlink");
    // A loop ends the walk of that branch, not the scan.
    symlink(".", root.join("loop")).expect("symlink");

    for (cwd, arg) in [(root.clone(), "."), (tmp.path().to_path_buf(), "root")] {
        let (run, report) = json_scan(&cwd, &[arg]);
        assert_eq!(run.code(), 1, "{}", run.stderr);
        let files: Vec<String> = rule_file_line(&report)
            .into_iter()
            .map(|(_, f, _)| f)
            .collect();
        assert_eq!(
            files,
            [
                "inside-link.yaml",
                "inside-link.yaml",
                "inside-link.yaml",
                "real.yaml",
                "real.yaml",
                "real.yaml"
            ],
            "scanning {arg}: only the files inside the root\n{}",
            pretty(&report)
        );
        assert!(
            findings(&report).iter().all(|f| f["rule_id"] != "K8S019"),
            "the outside Secret is not reported"
        );
        let notes: Vec<&str> = report["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for link in [
            "relative-link.yaml",
            "absolute-link.yaml",
            "linked-dir",
            "deep-link.yaml",
        ] {
            assert!(
                notes
                    .iter()
                    .any(|n| n.contains(link) && n.contains("not followed")),
                "a note says {link} was not followed: {notes:?}"
            );
        }
    }
}
