//! Terraform plan JSON (`terraform show -json plan.out`).
//!
//! Data in `tests/data/plan/`:
//! - `mechanics/`: a configuration of built-in `terraform_data` resources
//!   (nested modules, `count`, `for_each`) and the plan the real terraform
//!   v1.11 made of it after a first apply (`gen.sh` regenerates it): one
//!   resource deleted, values unknown until apply. `policy/` has a Rego policy
//!   (TFPLAN1) that reports on `terraform_data`, so findings show which
//!   instances and values the plan yields.
//! - `aws/`: AWS resources in a configuration that static reading cannot
//!   resolve (variables without values), and a hand-written plan following
//!   the documented format: default tags only in `configuration`, an
//!   `after_unknown` value, a deletion, a replacement, a module `for_each`
//!   whose companion resources reference their bucket.
//!
//! Every scan asserts the exact (rule, file, line) set.
//!
//! `big_plan_memory` (ignored) generates a 200 MB plan and checks the peak
//! memory of a scan: `INFRA_LINT_BIN=target/release/infra-lint cargo test
//! --test plan big_plan_memory -- --ignored --nocapture` (without
//! `INFRA_LINT_BIN`, the binary of the test build).

mod support;

use std::path::Path;

use support::{data_dir, rule_file_line, run_in, tempdir};

type Found = Vec<(String, String, u64)>;

fn sorted(mut v: Found) -> Found {
    v.sort();
    v
}

fn expect(list: &[(&str, &str, u64)]) -> Found {
    sorted(
        list.iter()
            .map(|(r, f, l)| (r.to_string(), f.to_string(), *l))
            .collect(),
    )
}

/// Scan `args` in `cwd` with a JSON report: (rule, file, line) sorted, and the report.
fn scan(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> (Found, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json", "--no-progress"]);
    let run = run_in(cwd, &all, stdin);
    assert!(
        run.code() == 0 || run.code() == 1,
        "exit {}: {}",
        run.code(),
        run.stderr
    );
    let report = run.json();
    (sorted(rule_file_line(&report)), report)
}

const MECHANICS: &[&str] = &["--policy", "../policy", "--rule", "TFPLAN1"];

#[test]
fn real_plan_instances_unknowns_and_deletions_in_the_plan_file() {
    let dir = data_dir().join("plan/mechanics");
    // A FILE argument: its directory is context only, so locations stay in the plan.
    let mut args = vec!["plan.json"];
    args.extend(MECHANICS);
    let (found, _) = scan(&dir, &args, None);
    // Not reported: `each["a"]`/`each["b"]` (output unknown after apply),
    // `module.child…deep` enabled (its input comes from an unknown output),
    // `gone` (deleted), `keep` (output unknown).
    assert_eq!(
        found,
        expect(&[
            ("TFPLAN1", "plan.json", 23),  // counted[0] output
            ("TFPLAN1", "plan.json", 39),  // counted[1] output
            ("TFPLAN1", "plan.json", 97),  // gone2 input
            ("TFPLAN1", "plan.json", 98),  // gone2 output
            ("TFPLAN1", "plan.json", 141), // module.child inner enabled
            ("TFPLAN1", "plan.json", 165), // module.child.module.grand deep triggers
            ("TFPLAN1", "plan.json", 196), // module.many["one"] inner enabled
            ("TFPLAN1", "plan.json", 225), // module.many["one"]…deep enabled
            ("TFPLAN1", "plan.json", 232), // module.many["one"]…deep triggers
        ])
    );
}

#[test]
fn real_plan_findings_map_back_to_the_configuration() {
    let dir = data_dir().join("plan/mechanics");
    let mut args = vec!["."];
    args.extend(MECHANICS);
    let (found, report) = scan(&dir, &args, None);
    assert_eq!(
        found,
        expect(&[
            // Attributes the configuration does not write: the block header.
            ("TFPLAN1", "main.tf", 12), // gone2 output
            ("TFPLAN1", "main.tf", 13), // gone2 input
            ("TFPLAN1", "main.tf", 21), // counted[0] output
            ("TFPLAN1", "main.tf", 21), // counted[1] output
            // `input = var.v`: the deepest part of input.enabled written there.
            ("TFPLAN1", "mods/child/grand/main.tf", 4),
            ("TFPLAN1", "mods/child/grand/main.tf", 5),
            ("TFPLAN1", "mods/child/grand/main.tf", 5),
            ("TFPLAN1", "mods/child/main.tf", 6),
            ("TFPLAN1", "mods/child/main.tf", 6),
        ])
    );
    // The plan location is kept as a related location; module calls are the origin.
    for f in support::findings(&report) {
        assert_eq!(f["related"][0]["file"], "plan.json", "{f}");
    }
}

#[test]
fn single_line_plan_on_stdin() {
    // What `terraform show -json` writes: one line.
    let text = std::fs::read_to_string(data_dir().join("plan/mechanics/plan.json")).expect("plan");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let compact = serde_json::to_string(&value).expect("compact");
    let tmp = tempdir();
    let policy = data_dir().join("plan/policy");
    let policy = policy.to_str().expect("utf-8 path");
    let args = [
        "-",
        "--stdin-name",
        "plan.json",
        "--policy",
        policy,
        "--rule",
        "TFPLAN1",
    ];
    let (found, report) = scan(tmp.path(), &args, Some(compact.as_bytes()));
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(found.iter().all(|(_, f, l)| f == "plan.json" && *l == 1));
    // Columns tell the instances apart on that line.
    let mut columns: Vec<u64> = support::findings(&report)
        .iter()
        .map(|f| f["column"].as_u64().expect("column"))
        .collect();
    columns.dedup();
    assert_eq!(columns.len(), 9, "{report}");
}

const AWS: &[&str] = &[
    "--rule", "AWS001", "--rule", "AWS002", "--rule", "AWS021", "--rule", "AWS030", "--rule",
    "AWS071", "--rule", "AWS072",
];

#[test]
fn aws_plan_in_the_plan_file() {
    let dir = data_dir().join("plan/aws");
    let mut args = vec!["plan.json"];
    args.extend(AWS);
    let (found, _) = scan(&dir, &args, None);
    // Not reported: aws_kms_key.data (rotation unknown until apply),
    // aws_ebs_volume.old (deleted), module.storage["logs"] (versioning
    // enabled by a companion that references it), tags that `default_tags`
    // in the configuration provide.
    assert_eq!(
        found,
        expect(&[
            ("AWS001", "plan.json", 31),  // storage_encrypted = false
            ("AWS002", "plan.json", 32),  // multi_az = false
            ("AWS071", "plan.json", 42),  // ebs new: no Environment (header)
            ("AWS072", "plan.json", 81),  // ebs swap (replaced): encrypted = false
            ("AWS071", "plan.json", 82),  // ebs swap: its tags_all lacks Owner
            ("AWS030", "plan.json", 116), // kms logs rotation off
            ("AWS021", "plan.json", 198), // storage["tmp"] versioning Suspended
        ])
    );
}

#[test]
fn aws_plan_findings_at_the_configuration_lines() {
    let dir = data_dir().join("plan/aws");
    let mut args = vec!["."];
    args.extend(AWS);
    let (found, _) = scan(&dir, &args, None);
    assert_eq!(
        found,
        expect(&[
            ("AWS001", "main.tf", 26),
            ("AWS002", "main.tf", 27),
            ("AWS030", "main.tf", 48),
            ("AWS071", "main.tf", 54),
            ("AWS072", "main.tf", 63),
            ("AWS071", "main.tf", 64),
            ("AWS021", "modules/bucket/main.tf", 19),
        ])
    );
}

#[test]
fn configuration_alone_cannot_tell_what_the_plan_resolves() {
    // Without the plan, variables have no values: unknown passes.
    let tmp = tempdir();
    support::copy_dir(&data_dir().join("plan/aws"), tmp.path());
    std::fs::remove_file(tmp.path().join("plan.json")).expect("remove plan");
    let mut args = vec!["."];
    args.extend(AWS);
    let (found, _) = scan(tmp.path(), &args, None);
    assert_eq!(
        found,
        expect(&[
            ("AWS002", "main.tf", 27),
            ("AWS030", "main.tf", 48),
            ("AWS071", "main.tf", 54),
            ("AWS072", "main.tf", 63),
            // Not AWS071 on line 64: the configuration's tags_all has the
            // default Owner; the plan's own tags_all (what the provider
            // computed) has not.
        ])
    );
}

#[test]
fn plan_environment_from_its_path_or_env() {
    let plan = data_dir().join("plan/aws/plan.json");
    let tmp = tempdir();
    std::fs::copy(&plan, tmp.path().join("plan-dev.json")).expect("copy");
    let prod_only = ["--rule", "AWS002"];
    let (found, _) = scan(
        tmp.path(),
        &[&["plan-dev.json"][..], &prod_only].concat(),
        None,
    );
    assert!(found.is_empty(), "{found:?}");
    std::fs::copy(&plan, tmp.path().join("plan.json")).expect("copy");
    let (found, _) = scan(tmp.path(), &[&["plan.json"][..], &prod_only].concat(), None);
    assert_eq!(found, expect(&[("AWS002", "plan.json", 32)]));
    let (found, _) = scan(
        tmp.path(),
        &[&["plan.json", "--env", "development"][..], &prod_only].concat(),
        None,
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn malformed_plans_are_il000_at_their_line() {
    let tmp = tempdir();
    let head = "{\n  \"format_version\": \"1.2\",\n  \"planned_values\": {\n    \"root_module\": {\n      \"resources\": [\n";
    let cases: &[(&str, String, u64)] = &[
        // Cut short.
        ("cut.json", format!("{head}        {{\"address\": \"aws_s3_bucket.b\","), 6),
        // A bad token on line 7.
        (
            "token.json",
            format!("{head}        {{\"address\": \"a.b\", \"type\": \"a\", \"name\": \"b\",\n          \"values\": {{\"x\": tru}}}}\n      ]\n    }}\n  }}\n}}\n"),
            7,
        ),
        // Nesting far deeper than any plan.
        (
            "deep.json",
            format!("{head}        {{\"address\": \"a.b\", \"values\": {}{}}}]}}}}}}\n", "[".repeat(5000), "]".repeat(5000)),
            6,
        ),
        // Trailing garbage after the plan.
        ("trail.json", "{\"format_version\": \"1.2\", \"resource_changes\": []}\n\nx\n".to_string(), 3),
    ];
    for (name, text, _) in cases {
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    let (found, report) = scan(tmp.path(), &[".", "--rule", "IL000"], None);
    let want: Found = sorted(
        cases
            .iter()
            .map(|(n, _, l)| ("IL000".to_string(), n.to_string(), *l))
            .collect(),
    );
    assert_eq!(found, want, "{report}");
}

#[test]
fn other_json_is_not_a_plan() {
    let tmp = tempdir();
    support::write_files(
        tmp.path(),
        &[
            // `terraform show -json` of a state: no plan keys.
            (
                "state.json",
                "{\"format_version\": \"1.0\", \"terraform_version\": \"1.11.4\", \"values\": {\"root_module\": {}}}\n",
            ),
            // A Kubernetes object in JSON still is one.
            (
                "pod.json",
                "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"},\n \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"nginx:latest\"}]}}\n",
            ),
        ],
    );
    let (found, report) = scan(
        tmp.path(),
        &[".", "--rule", "IL000", "--rule", "K8S010"],
        None,
    );
    assert_eq!(found, expect(&[("K8S010", "pod.json", 2)]), "{report}");
}

#[test]
fn detection_by_content() {
    use infra_lint::discover::is_plan;
    assert!(is_plan(
        br#"{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{}}"#,
        true
    ));
    assert!(is_plan(
        br#"{"resource_changes":[],"format_version":"1.2"}"#,
        true
    ));
    // Cut in `variables` (the prefix of a large plan): still a plan.
    assert!(is_plan(
        br#"{"format_version":"1.2","terraform_version":"1.11.4","variables":{"x":{"value":"#,
        false
    ));
    assert!(!is_plan(br#"{"format_version":"1.0","values":{}}"#, true));
    assert!(!is_plan(br#"{"apiVersion":"v1","kind":"Pod"}"#, true));
    assert!(!is_plan(br#"[1, 2]"#, true));
    assert!(!is_plan(b"format_version: 1", true));
}

/// Bytes per module instance of [`write_big_plan`] (three resources).
const PER_MODULE: u64 = 4_150;

/// Write a plan of about `target` bytes: modules of S3 buckets with
/// versioning companions and RDS instances, as `terraform show -json` writes
/// it (one line; planned values, then changes with `after` again, then the
/// configuration).
fn write_big_plan(path: &Path, target: u64) -> u64 {
    use std::io::Write;
    let file = std::fs::File::create(path).expect("create");
    let mut w = std::io::BufWriter::new(file);
    let aws = "registry.terraform.io/hashicorp/aws";
    let mut n: u64 = 0;
    let bucket = |m: u64| {
        format!(
            r#"{{"acceleration_status":null,"bucket":"acme-data-{m}","bucket_prefix":null,"force_destroy":false,"object_lock_enabled":null,"tags":{{"Environment":"production","Owner":"team-{m}","CostCenter":"cc-{m}"}},"tags_all":{{"Environment":"production","Owner":"team-{m}","CostCenter":"cc-{m}"}},"timeouts":null}}"#
        )
    };
    let versioning = |m: u64| {
        format!(
            r#"{{"expected_bucket_owner":null,"mfa":null,"versioning_configuration":[{{"mfa_delete":null,"status":"{}"}}]}}"#,
            if m % 10 == 0 { "Suspended" } else { "Enabled" }
        )
    };
    let db = |m: u64| {
        format!(
            r#"{{"allocated_storage":20,"allow_major_version_upgrade":null,"apply_immediately":false,"auto_minor_version_upgrade":true,"backup_retention_period":{},"copy_tags_to_snapshot":false,"db_name":"app{m}","deletion_protection":true,"engine":"postgres","engine_version":"16.3","iam_database_authentication_enabled":null,"identifier":"db-{m}","instance_class":"db.t3.micro","monitoring_interval":60,"multi_az":true,"performance_insights_enabled":true,"publicly_accessible":false,"skip_final_snapshot":false,"storage_encrypted":true,"storage_type":"gp3","tags":{{"Environment":"production","Owner":"team-{m}","CostCenter":"cc-{m}"}},"tags_all":{{"Environment":"production","Owner":"team-{m}","CostCenter":"cc-{m}"}},"timeouts":null,"username":"admin"}}"#,
            if m % 7 == 0 { 1 } else { 30 }
        )
    };
    let modules = target / PER_MODULE;
    write!(w, r#"{{"format_version":"1.2","terraform_version":"1.11.4","variables":{{}},"planned_values":{{"root_module":{{"child_modules":["#).expect("write");
    for m in 0..modules {
        if m > 0 {
            write!(w, ",").expect("write");
        }
        let a = format!(r#"module.app[\"m{m}\"]"#);
        write!(w, r#"{{"address":"{a}","resources":[{{"address":"{a}.aws_s3_bucket.this","mode":"managed","type":"aws_s3_bucket","name":"this","provider_name":"{aws}","schema_version":0,"values":{},"sensitive_values":{{}}}},{{"address":"{a}.aws_s3_bucket_versioning.this","mode":"managed","type":"aws_s3_bucket_versioning","name":"this","provider_name":"{aws}","schema_version":0,"values":{},"sensitive_values":{{}}}},{{"address":"{a}.aws_db_instance.this","mode":"managed","type":"aws_db_instance","name":"this","provider_name":"{aws}","schema_version":0,"values":{},"sensitive_values":{{}}}}]}}"#, bucket(m), versioning(m), db(m)).expect("write");
        n += 3;
    }
    write!(w, r#"]}}}},"resource_changes":["#).expect("write");
    for m in 0..modules {
        let a = format!(r#"module.app[\"m{m}\"]"#);
        for (i, (ty, values, unknown)) in [
            ("aws_s3_bucket", bucket(m), r#"{"arn":true,"id":true}"#),
            (
                "aws_s3_bucket_versioning",
                versioning(m),
                r#"{"bucket":true,"id":true}"#,
            ),
            (
                "aws_db_instance",
                db(m),
                r#"{"arn":true,"endpoint":true,"id":true,"password":true}"#,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            if m > 0 || i > 0 {
                write!(w, ",").expect("write");
            }
            write!(w, r#"{{"address":"{a}.{ty}.this","module_address":"{a}","mode":"managed","type":"{ty}","name":"this","provider_name":"{aws}","change":{{"actions":["create"],"before":null,"after":{values},"after_unknown":{unknown},"before_sensitive":false,"after_sensitive":{{}}}}}}"#).expect("write");
        }
    }
    write!(w, r#"],"configuration":{{"provider_config":{{"aws":{{"name":"aws","full_name":"{aws}"}}}},"root_module":{{"module_calls":{{"app":{{"source":"./modules/app","for_each_expression":{{"references":["var.apps"]}},"module":{{"resources":[{{"address":"aws_s3_bucket.this","mode":"managed","type":"aws_s3_bucket","name":"this","provider_config_key":"aws","expressions":{{"bucket":{{"references":["each.key"]}}}},"schema_version":0}},{{"address":"aws_s3_bucket_versioning.this","mode":"managed","type":"aws_s3_bucket_versioning","name":"this","provider_config_key":"aws","expressions":{{"bucket":{{"references":["aws_s3_bucket.this.id","aws_s3_bucket.this"]}}}},"schema_version":0}},{{"address":"aws_db_instance.this","mode":"managed","type":"aws_db_instance","name":"this","provider_config_key":"aws","expressions":{{}},"schema_version":0}}]}}}}}}}}}},"timestamp":"2026-12-03T08:00:00Z","applyable":true,"complete":true,"errored":false}}"#).expect("write");
    w.flush().expect("flush");
    n
}

#[test]
fn generated_plan_is_read() {
    // A small instance of the generator: every module's findings come out.
    let tmp = tempdir();
    let path = tmp.path().join("plan.json");
    let resources = write_big_plan(&path, 40 * PER_MODULE);
    assert_eq!(resources, 120);
    let (found, report) = scan(
        tmp.path(),
        &["plan.json", "--rule", "AWS021", "--rule", "AWS003"],
        None,
    );
    assert_eq!(report["summary"]["resources"], 120, "{report}");
    let count = |rule: &str| found.iter().filter(|(r, _, _)| r == rule).count();
    assert_eq!(count("AWS021"), 4); // m0, m10, m20, m30
    assert_eq!(count("AWS003"), 6); // m0, m7, …, m35
}

/// `N rule evaluations` from the `--stats` line.
fn evaluations(stderr: &str) -> u64 {
    stderr
        .split(", ")
        .find_map(|p| p.strip_suffix(" rule evaluations"))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rule evaluations in\n{stderr}"))
}

#[test]
fn a_named_plan_does_not_read_the_plans_beside_it() {
    let tmp = tempdir();
    let plan = std::fs::read(data_dir().join("plan/aws/plan.json")).expect("plan");
    std::fs::write(tmp.path().join("a.json"), &plan).expect("write");
    let args = ["a.json", "--stats", "--format", "json", "-o", "r.json"];
    let alone = run_in(tmp.path(), args, None);
    std::fs::write(tmp.path().join("b.json"), &plan).expect("write");
    let beside = run_in(tmp.path(), args, None);
    assert_eq!(alone.code(), beside.code(), "{}", beside.stderr);
    let n = evaluations(&alone.stderr);
    assert!(n > 0, "{}", alone.stderr);
    // b.json is neither reported nor parsed and evaluated as context.
    assert_eq!(evaluations(&beside.stderr), n, "{}", beside.stderr);
}

#[test]
#[ignore = "generates a 200 MB plan; see the file's documentation"]
fn big_plan_memory() {
    let tmp = tempdir();
    let path = tmp.path().join("big.json");
    let resources = write_big_plan(&path, 200 * 1024 * 1024);
    let size = std::fs::metadata(&path).expect("size").len();
    let bin = std::env::var_os("INFRA_LINT_BIN")
        .map(std::path::PathBuf::from)
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_infra-lint").into());
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin)
        .args([
            "big.json",
            "--stats",
            "--format",
            "json",
            "--no-progress",
            "-o",
            "report.json",
        ])
        .current_dir(tmp.path())
        .output()
        .expect("/usr/bin/time runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss_kb: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in\n{stderr}"));
    let wall = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Elapsed (wall clock) time (h:mm:ss or m:ss): ")
        })
        .unwrap_or("?");
    let rss = rss_kb * 1024;
    eprintln!(
        "plan: {size} bytes, {resources} resources; wall {wall}; peak RSS {rss} bytes = {:.2} x the file\n{stderr}",
        rss as f64 / size as f64
    );
    assert!(rss <= 3 * size, "peak RSS {rss} > 3 x {size}");
}
