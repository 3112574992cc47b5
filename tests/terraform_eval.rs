//! Terraform ingestion through the library API (`scan::scan`): the resources
//! produced from the module fixtures under `tests/data/terraform/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use infra_lint::model::{AttrPath, Environment, Node, Resource, Seg, Value};
use infra_lint::scan::{self, Scan, ScanOptions};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/terraform")
        .join(name)
}

struct Opts<'a> {
    vars: &'a [(&'a str, &'a str)],
    var_files: &'a [PathBuf],
}

const NONE: Opts = Opts {
    vars: &[],
    var_files: &[],
};

/// Scan one fixture directory without rules: the model is what we look at.
fn scan_with(name: &str, o: Opts) -> Scan {
    let opts = ScanOptions {
        paths: vec![fixture(name)],
        threads: 2,
        rules: Vec::new(),
        vars: o
            .vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        var_files: o.var_files.to_vec(),
        ..ScanOptions::default()
    };
    match scan::scan(opts) {
        Ok(s) => s,
        Err(e) => panic!("scan of {name} failed: {e}"),
    }
}

fn scan_dir(name: &str) -> Scan {
    scan_with(name, NONE)
}

fn addresses(s: &Scan) -> Vec<&str> {
    let mut a: Vec<&str> = s.resources.iter().map(|r| r.address.as_str()).collect();
    a.sort();
    a
}

fn resource<'a>(s: &'a Scan, address: &str) -> &'a Resource {
    s.resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("no resource {address}; have {:?}", addresses(s)))
}

/// `a.b[0].c` as a path.
fn path(p: &str) -> AttrPath {
    let mut out = Vec::new();
    for part in p.split('.') {
        let (key, idx) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        out.push(Seg::Key(key.into()));
        if let Some(i) = idx {
            out.push(Seg::Index(i));
        }
    }
    AttrPath(out)
}

fn attr<'a>(r: &'a Resource, p: &str) -> &'a Node {
    r.attributes
        .at(&path(p).0)
        .unwrap_or_else(|| panic!("{} has no {p}: {:?}", r.address, r.attributes))
}

fn text(r: &Resource, p: &str) -> String {
    attr(r, p)
        .scalar_text()
        .unwrap_or_else(|| panic!("{}.{p} is not a scalar: {:?}", r.address, attr(r, p).value))
}

fn file<'a>(s: &'a Scan, r: &Resource) -> &'a str {
    &s.files[r.file as usize].display
}

fn refs(r: &Resource, p: &str) -> Vec<String> {
    let want = path(p);
    r.references
        .iter()
        .filter(|(at, _)| *at == want)
        .map(|(_, a)| a.clone())
        .collect()
}

fn has_note(s: &Scan, needle: &str) -> bool {
    s.notes.iter().any(|n| n.contains(needle))
}

#[test]
fn variables_from_defaults_tfvars_and_auto_tfvars() {
    let s = scan_dir("vars");
    let r = resource(&s, "aws_s3_bucket.this");
    assert_eq!(file(&s, r), "main.tf");
    assert_eq!(text(r, "bucket"), "from-default-us-east-1");
    // `bucket = local.prefix` is located where it is used, not at the local.
    assert_eq!(attr(r, "bucket").span.start.line, 10);
    assert_eq!(r.locate(&path("bucket")).start.line, 10);
    assert_eq!(
        attr(r, "replicas").value,
        Value::Int(2),
        "\"2\" converted to the declared number"
    );
    assert_eq!(text(r, "from_tfvars"), "tfvars");
    assert_eq!(
        text(r, "from_auto"),
        "auto",
        "*.auto.tfvars wins over terraform.tfvars"
    );
    assert!(
        attr(r, "secret").is_unknown(),
        "a variable without a value is unknown"
    );
    assert_eq!(
        attr(r, "versioning").value,
        Value::Bool(true),
        "optional() default"
    );
    assert_eq!(text(r, "tags.Name"), "from-default-us-east-1");
    assert_eq!(
        attr(r, "tags.Name").span.start.line,
        11,
        "a computed map sits at its expression"
    );
    // The path says nothing; the Environment tag does.
    assert_eq!(r.environment, Environment::Development);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn cli_variables_override_files() {
    let var_file = fixture("vars").join("../vars-extra.tfvars.json");
    let s = scan_with(
        "vars",
        Opts {
            vars: &[
                ("name", "cli"),
                ("cli_list", "[\"a\", \"b\"]"),
                ("from_auto", "cli"),
            ],
            var_files: std::slice::from_ref(&var_file),
        },
    );
    let r = resource(&s, "aws_s3_bucket.this");
    assert_eq!(text(r, "bucket"), "cli-us-east-1");
    assert_eq!(text(r, "from_auto"), "cli", "--var wins over --var-file");
    assert_eq!(text(r, "secret"), "from-var-file");
    assert_eq!(
        text(r, "cli_list[1]"),
        "b",
        "a list variable parses its value"
    );
}

#[test]
fn count_and_for_each() {
    let s = scan_dir("expand");
    let all = addresses(&s);
    assert!(
        !all.iter().any(|a| a.starts_with("aws_s3_bucket.never")),
        "count = 0: {all:?}"
    );
    assert!(
        !all.iter().any(|a| a.starts_with("aws_s3_bucket.maybe")),
        "count = false ? 1 : 0"
    );
    let web1 = resource(&s, "aws_instance.web[1]");
    assert_eq!(text(web1, "tags.Name"), "web-1");
    assert_eq!(
        text(resource(&s, "aws_s3_bucket.map[\"audit\"]"), "bucket"),
        "b-audit"
    );
    assert_eq!(
        text(resource(&s, "aws_iam_user.set[\"alice\"]"), "name"),
        "alice"
    );
    let v = resource(&s, "aws_s3_bucket_versioning.map[\"logs\"]");
    assert_eq!(text(v, "versioning_configuration[0].status"), "Suspended");
    assert_eq!(
        attr(v, "versioning_configuration[0].status")
            .span
            .start
            .line,
        41
    );
    assert_eq!(
        refs(v, "bucket"),
        ["aws_s3_bucket.map[\"logs\"]"],
        "through each.value"
    );

    let s = scan_with(
        "expand",
        Opts {
            vars: &[("enabled", "true")],
            var_files: &[],
        },
    );
    assert_eq!(
        text(resource(&s, "aws_s3_bucket.maybe[0]"), "bucket"),
        "maybe"
    );
}

#[test]
fn unknown_count_gives_one_instance_with_unknowns() {
    let s = scan_dir("expand");
    let sub = resource(&s, "aws_subnet.unknown_count");
    assert!(attr(sub, "availability_zone").is_unknown());
    assert!(
        attr(sub, "cidr_block").is_unknown(),
        "cidrsubnet of an unknown count.index"
    );
    assert_eq!(
        refs(sub, "availability_zone"),
        ["data.aws_availability_zones.all"]
    );
    let data = resource(&s, "data.aws_availability_zones.all");
    assert_eq!(&*data.kind, "data.aws_availability_zones");
}

/// `keyed` names the top-level arguments that read `count` or `each`: rules
/// learn from it that unknown values may still differ between instances.
#[test]
fn keyed_arguments_read_the_instance_key() {
    let s = scan_dir("expand");
    let keyed = |address: &str| -> Vec<String> {
        let mut k: Vec<String> = resource(&s, address)
            .keyed
            .iter()
            .map(|a| a.to_string())
            .collect();
        k.sort();
        k
    };
    assert_eq!(keyed("aws_instance.web[1]"), ["tags"]);
    assert_eq!(keyed("aws_s3_bucket.map[\"audit\"]"), ["bucket"]);
    // Top-level arguments only: `versioning_configuration` reads `each.key`.
    assert_eq!(keyed("aws_s3_bucket_versioning.map[\"logs\"]"), ["bucket"]);
    assert_eq!(
        keyed("aws_subnet.unknown_count"),
        ["availability_zone", "cidr_block"],
        "an unknown count still binds count.index"
    );
    assert!(keyed("data.aws_availability_zones.all").is_empty());
}

#[test]
fn dynamic_blocks_expand() {
    let s = scan_dir("expand");
    let sg = resource(&s, "aws_security_group.sg");
    let ingress = attr(sg, "ingress").items();
    assert_eq!(ingress.len(), 3);
    assert_eq!(attr(sg, "ingress[1].from_port").value, Value::Int(443));
    assert_eq!(attr(sg, "ingress[1].from_port").span.start.line, 65);
    assert_eq!(text(sg, "ingress[1].cidr_blocks[0]"), "0.0.0.0/0");
    assert_eq!(attr(sg, "ingress[2].from_port").value, Value::Int(8080));
    assert_eq!(text(sg, "egress[0].description"), "all");
    assert_eq!(text(sg, "egress[0].cidr_blocks[0]"), "0.0.0.0/0");
}

#[test]
fn references_and_headers() {
    let s = scan_dir("expand");
    let p = resource(&s, "aws_s3_bucket_policy.ref");
    assert_eq!(refs(p, "bucket"), ["aws_s3_bucket.map[\"audit\"]"]);
    assert_eq!(refs(p, "policy"), ["aws_instance.web[0]"]);
    let missing = resource(&s, "aws_s3_bucket_public_access_block.missing");
    assert_eq!(missing.header().start.line, 90);
    assert_eq!(missing.locate(&path("block_public_acls")).start.line, 90);
    assert_eq!(missing.header().start.col, 1);
    let web = resource(&s, "aws_instance.web[0]");
    // A missing attribute of a resource with attributes still points at the header.
    assert_eq!(web.locate(&path("monitoring")).start.line, 23);
    assert_eq!(web.locate(&path("tags.Owner")).start.line, 26);
}

#[test]
fn local_modules_called_twice() {
    let s = scan_dir("modules");
    let a = resource(&s, "module.a.aws_s3_bucket.b");
    let b = resource(&s, "module.b.aws_s3_bucket.b");
    assert_eq!(text(a, "bucket"), "acme-alpha");
    assert_eq!(text(b, "bucket"), "acme-beta");
    assert_eq!(file(&s, a), "modules/bucket/main.tf");
    assert_eq!(attr(a, "bucket").span.start.line, 7);
    let va = resource(&s, "module.a.aws_s3_bucket_versioning.b");
    let vb = resource(&s, "module.b.aws_s3_bucket_versioning.b");
    assert_eq!(text(va, "versioning_configuration[0].status"), "Enabled");
    assert_eq!(text(vb, "versioning_configuration[0].status"), "Disabled");
    assert_eq!(refs(vb, "bucket"), ["module.b.aws_s3_bucket.b"]);
    // Each instance records the module call it came through.
    assert_eq!(a.origin.len(), 1);
    assert_eq!(s.files[a.origin[0].file as usize].display, "main.tf");
    assert_eq!(a.origin[0].span.start.line, 1);
    assert_eq!(b.origin[0].span.start.line, 7);
    let x = resource(&s, "module.many[\"x\"].aws_s3_bucket.b");
    assert_eq!(text(x, "bucket"), "acme-many-x");
    assert!(addresses(&s).iter().all(|a| !a.starts_with("module.off")));
    // The module directory is not a root of its own: no unprefixed copies.
    assert!(addresses(&s)
        .iter()
        .all(|a| a.starts_with("module.") || a.starts_with("aws_s3_bucket_policy")));
    let p = resource(&s, "aws_s3_bucket_policy.uses_output");
    assert_eq!(text(p, "bucket"), "acme-alpha", "a module output");
    assert!(attr(p, "policy").is_unknown());
    assert_eq!(refs(p, "policy"), ["module.b.aws_s3_bucket.b"]);
    assert!(s.notes.is_empty(), "{:?}", s.notes);
}

#[test]
fn remote_modules_from_init_or_as_calls() {
    let s = scan_dir("remote");
    let vpc = resource(&s, "module.vpc.aws_vpc.this");
    assert_eq!(text(vpc, "cidr_block"), "10.0.0.0/16");
    assert_eq!(file(&s, vpc), ".terraform/modules/vpc/main.tf");
    let call = resource(&s, "module.vpc_flow");
    assert_eq!(&*call.kind, "module");
    assert_eq!(text(call, "source"), "git::https://example.com/flow.git");
    assert!(attr(call, "vpc_id").is_unknown());
    assert_eq!(refs(call, "vpc_id"), ["module.vpc.aws_vpc.this"]);
    assert!(
        has_note(
            &s,
            "module.vpc_flow (git::https://example.com/flow.git) not resolved"
        ),
        "{:?}",
        s.notes
    );
    let f = resource(&s, "aws_flow_log.f");
    assert_eq!(refs(f, "vpc_id"), ["module.vpc.aws_vpc.this"]);
}

#[test]
fn unresolved_registry_module_is_a_resource() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.0.0\"\n  enable_flow_log = false\n}\n",
    )
    .expect("write");
    let s = scan::scan(ScanOptions {
        paths: vec![dir.path().to_path_buf()],
        rules: Vec::new(),
        ..ScanOptions::default()
    })
    .expect("scans");
    let call = resource(&s, "module.vpc");
    assert_eq!(text(call, "version"), "5.0.0");
    assert_eq!(attr(call, "enable_flow_log").value, Value::Bool(false));
    assert_eq!(attr(call, "enable_flow_log").span.start.line, 4);
    assert!(has_note(
        &s,
        "module.vpc (terraform-aws-modules/vpc/aws) not resolved"
    ));
}

#[test]
fn cycles_and_runaway_expansion_stop() {
    let started = Instant::now();
    let s = scan_dir("cycles");
    assert!(started.elapsed() < Duration::from_secs(60));
    let c = resource(&s, "aws_s3_bucket.c");
    assert!(
        attr(c, "bucket").is_unknown(),
        "a cycle between locals is unknown"
    );
    assert_eq!(text(c, "other"), "fine");
    assert!(has_note(&s, "a cycle between locals"), "{:?}", s.notes);
    let huge = s
        .resources
        .iter()
        .filter(|r| r.address.starts_with("aws_instance.huge["))
        .count();
    assert_eq!(huge, 10_000);
    assert!(has_note(&s, "count is 1000000; only the first 10000"));
    let many = s
        .resources
        .iter()
        .filter(|r| r.address.starts_with("aws_iam_user.many["))
        .count();
    assert_eq!(many, 1000);
    resource(&s, "aws_instance.self");
    assert!(has_note(&s, "refers to itself"));
    // `source = "."` and two modules calling each other: noted, not followed.
    resource(&s, "aws_s3_bucket.s");
    assert!(
        has_note(&s, "module module.me (.) calls itself"),
        "{:?}",
        s.notes
    );
    resource(&s, "aws_s3_bucket.a");
    resource(&s, "module.b.aws_s3_bucket.b");
    assert!(
        has_note(&s, "module module.b.module.a (../a) calls itself"),
        "{:?}",
        s.notes
    );
}

#[test]
fn json_syntax() {
    let s = scan_dir("json");
    let j = resource(&s, "aws_s3_bucket.j");
    assert_eq!(
        text(j, "bucket"),
        "json-staging",
        "from vars.auto.tfvars.json"
    );
    assert_eq!(attr(j, "bucket").span.start.line, 8);
    assert_eq!(text(j, "tags.Environment"), "staging");
    assert_eq!(attr(j, "versioning[0].enabled").value, Value::Bool(true));
    assert_eq!(j.header().start.line, 7);
}

#[test]
fn syntax_error_next_to_a_valid_file() {
    let s = scan_dir("broken");
    let il000: Vec<_> = s.findings.iter().filter(|f| f.rule_id == "IL000").collect();
    assert_eq!(il000.len(), 1, "{:?}", s.findings);
    assert_eq!(s.files[il000[0].location.file as usize].display, "bad.tf");
    assert!(
        il000[0].location.span.start.line >= 4,
        "{:?}",
        il000[0].location
    );
    assert_eq!(text(resource(&s, "aws_s3_bucket.good"), "bucket"), "good");
    assert_eq!(addresses(&s), ["aws_s3_bucket.good"]);
}

#[test]
fn default_tags_and_environment() {
    let s = scan_dir("tags");
    let t = resource(&s, "aws_s3_bucket.tagged");
    assert_eq!(text(t, "tags.Team"), "override");
    assert_eq!(text(t, "tags_all.Team"), "override");
    assert_eq!(text(t, "tags_all.Env"), "staging");
    assert_eq!(text(t, "tags_all.Name"), "tagged");
    assert!(
        attr(t, "tags").get("Env").is_none(),
        "tags stays as written"
    );
    let u = resource(&s, "aws_s3_bucket.untagged");
    assert_eq!(text(u, "tags_all.Team"), "platform");
    assert!(u.attributes.get("tags").is_none());
    let q = resource(&s, "module.svc.aws_sqs_queue.q");
    assert_eq!(
        text(q, "tags_all.Team"),
        "platform",
        "inherited by child modules"
    );
    assert_eq!(file(&s, q), "modules/svc/main.tf");
    assert_eq!(t.environment, Environment::Staging);
    // The module's own path says nothing: the root module's path decides
    // before the resource's tags do.
    let m = resource(&s, "module.svc.aws_s3_bucket.marked");
    assert_eq!(m.environment, Environment::Staging);
}

#[test]
fn findings_point_at_attributes_or_headers_and_name_the_module_call() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_infra-lint"))
        .arg(fixture("modules"))
        .args(["--format", "json", "--fail-on", "never", "--policy"])
        .arg(fixture("../terraform_policies"))
        .output()
        .expect("infra-lint runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "JSON report ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings = report["findings"].as_array().expect("findings");
    let find = |resource: &str, path: &str| {
        findings
            .iter()
            .find(|f| f["resource"] == resource && f["attribute_path"] == path)
            .unwrap_or_else(|| panic!("no finding on {resource} {path}: {findings:#?}"))
    };
    // A missing attribute: the resource header, in the module's file.
    let missing = find("module.a.aws_s3_bucket.b", "logging");
    assert_eq!(missing["file"], "modules/bucket/main.tf");
    assert_eq!(missing["line"], 6);
    // A present attribute: its own line, though the value came from a module output.
    let named = find("module.b.aws_s3_bucket.b", "bucket");
    assert_eq!(named["line"], 7);
    let related = named["related"].as_array().expect("related");
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0]["file"], "main.tf");
    assert_eq!(related[0]["line"], 7, "the module \"b\" call");
}

#[test]
fn hostile_modules_are_bounded() {
    let started = Instant::now();
    let s = scan_dir("runaway");
    assert!(started.elapsed() < Duration::from_secs(60));
    let sg = resource(&s, "aws_security_group.blocks");
    let blocks: usize = attr(sg, "ingress")
        .items()
        .iter()
        .map(|b| 1 + b.get("nested").map_or(0, |n| n.items().len()))
        .sum();
    assert!(blocks <= 10_001, "{blocks} blocks");
    assert!(
        has_note(&s, "more than 10000 dynamic blocks"),
        "{:?}",
        s.notes
    );
    let cube = resource(&s, "aws_s3_bucket.cube");
    assert!(
        attr(cube, "bucket").is_unknown(),
        "the evaluation budget ran out"
    );
    assert!(
        attr(cube, "big").is_unknown(),
        "a string past the size limit is unknown"
    );
    assert!(has_note(&s, "evaluation stopped after"), "{:?}", s.notes);
}

#[test]
fn root_module_backends_are_resources() {
    let s = scan_dir("backend");
    let backends: Vec<&Resource> = s
        .resources
        .iter()
        .filter(|r| &*r.kind == "terraform_backend")
        .collect();
    assert_eq!(
        backends.len(),
        2,
        "only root modules' backends: {:?}",
        addresses(&s)
    );

    // The override file's backend replaces the original one entirely.
    let hcl = backends
        .iter()
        .find(|r| file(&s, r) == "hcl/backend_override.tf")
        .expect("the overriding backend");
    assert_eq!(hcl.address, "terraform.backend.s3");
    assert_eq!(&*hcl.name, "s3");
    assert_eq!(attr(hcl, "encrypt").value, Value::Bool(true));
    assert_eq!(text(hcl, "dynamodb_table"), "terraform-locks");
    assert!(hcl.attributes.get("role_arn").is_none());
    assert_eq!(hcl.header().start.line, 2);
    assert!(hcl.origin.is_empty() && hcl.references.is_empty());

    // `.tf.json`; a reference (not allowed in a backend) is unknown, not evaluated.
    let json = backends
        .iter()
        .find(|r| file(&s, r) == "json/main.tf.json")
        .expect("the JSON backend");
    assert_eq!(attr(json, "use_lockfile").value, Value::Bool(true));
    assert_eq!(attr(json, "role_arn").value, Value::Unknown);
    assert_eq!(json.header().start.line, 8);
}

#[test]
fn comparing_known_collections_that_hold_unknowns() {
    let s = scan_dir("nested-unknown");
    // `var.groups != null` is known although one group holds an unknown id:
    // for_each expands to both keys.
    let small = resource(&s, "module.groups.aws_eks_node_group.this[\"small\"]");
    let large = resource(&s, "module.groups.aws_eks_node_group.this[\"large\"]");
    assert_eq!(
        attr(small, "scaling_config[0].min_size").value,
        Value::Int(1)
    );
    assert_eq!(
        attr(large, "scaling_config[0].min_size").value,
        Value::Int(3)
    );
    let c = resource(&s, "aws_s3_bucket.compare");
    assert_eq!(text(c, "bucket"), "known-not-null");
    assert_eq!(text(c, "bucket_prefix"), "not-null");
    assert!(attr(c, "acl").is_unknown(), "an element is unknown");
}
