//! Scanner benchmarks (criterion). See benches/README.md for what each group
//! measures, how to run it and the figures measured so far.
//!
//! Groups:
//! - `parse`: YAML throughput of `ingest::yaml::parse_stream` and HCL
//!   throughput of `ingest::terraform::parse::parse_file` (and of the
//!   libraries underneath alone).
//! - `floor`: walk + read + parse of the on-disk corpus (YAML and HCL), no
//!   ingestion, no evaluation, no output: the least any scan of that corpus
//!   can cost with this walker and these parsers.
//! - `end_to_end`: `scan::scan` with every rule on the same corpus.
//! - `module_eval`: Terraform loading and module evaluation of one
//!   for_each/count-heavy root module.
//! - `per_resource`: native K8S002 against the same rule in Rego, per resource.
//! - `per_rule`: every built-in rule alone, per resource it applies to.
//! - `evaluate`: `Evaluator::run` alone (all / native / Rego rules, 1-2 threads).
//! - `setup`: fixed costs of one scan (policy compilation, engine clones).

mod corpus;
mod floor;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use regorus::utils::limits::ExecutionTimerConfig;

use infra_lint::discover::{self, FileClass};
use infra_lint::environment::Classifier;
use infra_lint::evaluate::Evaluator;
use infra_lint::ingest::kubernetes::{self, Outcome};
use infra_lint::ingest::terraform::{self, parse, project};
use infra_lint::ingest::yaml;
use infra_lint::model::relations::Relations;
use infra_lint::model::{AttrPath, Resource, Seg};
use infra_lint::policy::Policies;
use infra_lint::rego::{self, RegoRules};
use infra_lint::rules::{Check, Ctx, Hit, Rule, Settings};
use infra_lint::run::select_rules;
use infra_lint::scan::{self, ScanOptions};
use infra_lint::source::SourceFile;

/// Files in the on-disk corpus of `floor`, `end_to_end`, `per_rule` and
/// `evaluate`: half Kubernetes, half Terraform.
const CORPUS_FILES: usize = 10_000;
/// Workload resources in the `per_resource` batch.
const WORKLOADS: usize = 256;
const REGO_POLICY: &str = include_str!("policies/no_privilege_escalation.rego");
const REGO_QUERY: &str = "data.bench.no_privilege_escalation.deny";

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

fn bench_dir(name: &str) -> PathBuf {
    let base = option_env!("CARGO_TARGET_TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
    base.join(name)
}

/// The on-disk corpus, regenerated once per run so it always matches the
/// generator (it takes about a second).
fn corpus_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = bench_dir(&format!(
            "bench-corpus-{CORPUS_FILES}-{:x}",
            corpus::DEFAULT_SEED
        ));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clearing the bench corpus");
        }
        let summary = corpus::write(&dir, CORPUS_FILES, corpus::DEFAULT_SEED)
            .expect("writing the bench corpus");
        eprintln!(
            "bench corpus: {} files ({} Terraform), {} YAML documents, {:.2} MB ({:.2} MB Terraform) in {}",
            summary.files,
            summary.terraform_files,
            summary.documents,
            summary.bytes as f64 / 1e6,
            summary.terraform_bytes as f64 / 1e6,
            dir.display()
        );
        dir
    })
}

/// The files and resources of a full scan of the corpus (Kubernetes and
/// Terraform alike), for the benchmarks of evaluation alone.
fn scanned_corpus() -> &'static (Vec<SourceFile>, Vec<Resource>) {
    static SCANNED: OnceLock<(Vec<SourceFile>, Vec<Resource>)> = OnceLock::new();
    SCANNED.get_or_init(|| {
        let s = scan::scan(scan_options(corpus_dir(), 2)).expect("scan");
        (s.files, s.resources)
    })
}

fn source_files(files: &[corpus::GeneratedFile]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|f| {
            let mut s = SourceFile::new(None, f.path.clone(), f.text.clone());
            s.class_path = Some(f.path.clone());
            s
        })
        .collect()
}

/// Ingest in-memory Kubernetes files, as `scan` does.
fn resources_of(files: &[SourceFile]) -> Vec<Resource> {
    let classifier = Classifier::default();
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        match kubernetes::ingest(f, i as u32, &classifier, None) {
            Outcome::Resources(r) => out.extend(r),
            Outcome::Invalid(e) => panic!("{}: generated YAML does not parse: {e:?}", f.display),
            Outcome::NotKubernetes | Outcome::Template => {}
        }
    }
    out
}

fn all_rules() -> Vec<&'static Rule> {
    select_rules(&[], &[]).expect("built-in rules")
}

fn native_check(rule: &'static Rule) -> fn(&Ctx, &Resource, &mut Vec<Hit>) {
    match rule.check {
        Check::Native(f) => f,
        _ => panic!("{} is not a native rule", rule.meta.id),
    }
}

fn bench_parse(c: &mut Criterion) {
    let all = corpus::files(CORPUS_FILES, corpus::DEFAULT_SEED);
    let (tf, files): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| f.terraform);
    let stream = corpus::concatenated(&files);
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let docs = yaml::parse_stream(&stream).expect("corpus parses").len();
    let expected: usize = files.iter().map(|f| f.documents).sum();
    assert_eq!(docs, expected, "every generated document parses");

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("parse_stream/concatenated", |b| {
        b.iter(|| yaml::parse_stream(black_box(&stream)).map(|d| d.len()))
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse_stream/per_file", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| yaml::parse_stream(black_box(&f.text)).map_or(0, |d| d.len()))
                .sum::<usize>()
        })
    });
    // What the tree building adds: saphyr-parser's events alone.
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("saphyr_events_only/concatenated", |b| {
        b.iter(|| {
            saphyr_parser::Parser::new_from_str(black_box(&stream))
                .map(|e| e.is_ok() as usize)
                .sum::<usize>()
        })
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("saphyr_events_only/per_file", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| {
                    saphyr_parser::Parser::new_from_str(black_box(&f.text))
                        .map(|e| e.is_ok() as usize)
                        .sum::<usize>()
                })
                .sum::<usize>()
        })
    });

    // HCL: each Terraform file through the scan's parser (hcl-edit, then the
    // located IR), and through hcl-edit alone.
    let tf_files = source_files(&tf);
    for f in &tf_files {
        assert!(parse::parse_file(f).is_ok(), "{} does not parse", f.display);
    }
    g.throughput(Throughput::Bytes(
        tf.iter().map(|f| f.text.len()).sum::<usize>() as u64,
    ));
    g.bench_function("hcl_parse_file/per_file", |b| {
        b.iter(|| {
            tf_files
                .iter()
                .map(|f| parse::parse_file(black_box(f)).map_or(0, |b| b.blocks.len()))
                .sum::<usize>()
        })
    });
    g.bench_function("hcl_edit_only/per_file", |b| {
        b.iter(|| {
            tf.iter()
                .map(|f| hcl_edit::parser::parse_body(black_box(&f.text)).map_or(0, |b| b.len()))
                .sum::<usize>()
        })
    });
    g.finish();
}

/// The YAML part of the floor plus the model: `SourceFile` (line index) and
/// Kubernetes ingestion (resource identity, environment). Returns the number
/// of resources.
fn floor_ingest(pool: &rayon::ThreadPool, dir: &Path) -> usize {
    let classifier = Classifier::default();
    let threads = pool.current_num_threads();
    pool.install(|| {
        let (candidates, _) = discover::walk(&[dir.to_path_buf()], dir, threads);
        let yaml: Vec<_> = candidates
            .into_iter()
            .filter(|c| c.class == FileClass::Yaml)
            .collect();
        yaml.par_iter()
            .enumerate()
            .map(|(i, c)| {
                let text = std::fs::read_to_string(&c.path).expect("readable");
                let mut file = SourceFile::new(Some(c.path.clone()), c.display.clone(), text);
                file.class_path = Some(c.class_path.clone());
                match kubernetes::ingest(&file, i as u32, &classifier, None) {
                    Outcome::Resources(r) => r.len(),
                    _ => 0,
                }
            })
            .sum()
    })
}

fn scan_options(dir: &Path, threads: usize) -> ScanOptions {
    ScanOptions {
        paths: vec![dir.to_path_buf()],
        threads,
        classifier: Classifier::default(),
        rules: all_rules(),
        settings: Settings::default(),
        ..ScanOptions::default()
    }
}

fn bench_scans(c: &mut Criterion) {
    let dir = corpus_dir();
    let generated = corpus::files(CORPUS_FILES, corpus::DEFAULT_SEED);
    let expected_docs: usize = generated.iter().map(|f| f.documents).sum();
    let expected_tf = generated.iter().filter(|f| f.terraform).count();
    let pools = [floor::pool(1), floor::pool(2)];
    let counts = floor::floor(&pools[0], dir);
    assert_eq!(counts.yaml_documents, expected_docs);
    assert_eq!(counts.terraform_files, expected_tf);
    assert_eq!(
        counts.terraform_bodies, expected_tf,
        "every Terraform file parses"
    );
    assert_eq!(floor::floor(&pools[1], dir), counts);
    assert_eq!(floor_ingest(&pools[1], dir), expected_docs);

    // One scan per thread count outside the measurement, for its own stage
    // timings; both must find exactly the same.
    let mut first = None;
    for threads in [1, 2] {
        let s = scan::scan(scan_options(dir, threads)).expect("scan");
        assert!(s.resources.len() > expected_docs, "Terraform resources");
        assert!(s.notes.is_empty(), "unexpected notes: {:?}", s.notes);
        assert!(
            s.findings.iter().all(|f| !f.rule_id.starts_with("IL")),
            "the generated corpus has no parse or internal errors"
        );
        eprintln!(
            "scan stats, {threads} thread(s): {} files, {} resources, {} rule evaluations, \
             {} findings; walk {:?}, read+parse+ingest {:?}, evaluate {:?}",
            s.stats.files_scanned,
            s.stats.resources,
            s.stats.rule_evaluations,
            s.findings.len(),
            s.stats.walk,
            s.stats.parse,
            s.stats.evaluate
        );
        let seen = (s.resources.len(), s.findings.len());
        assert_eq!(*first.get_or_insert(seen), seen, "thread counts agree");
    }

    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Elements(CORPUS_FILES as u64));
    for (pool, threads) in pools.iter().zip([1, 2]) {
        g.bench_with_input(
            BenchmarkId::new("walk_read_parse", threads),
            &threads,
            |b, _| b.iter(|| floor::floor(pool, dir)),
        );
    }
    for (pool, threads) in pools.iter().zip([1, 2]) {
        g.bench_with_input(
            BenchmarkId::new("walk_read_ingest_yaml", threads),
            &threads,
            |b, _| b.iter(|| floor_ingest(pool, dir)),
        );
    }
    g.bench_function("walk_only/1", |b| {
        b.iter(|| discover::walk(&[dir.to_path_buf()], dir, 1).0.len())
    });
    g.finish();

    let mut g = c.benchmark_group("end_to_end");
    g.throughput(Throughput::Elements(CORPUS_FILES as u64));
    for threads in [1, 2] {
        g.bench_with_input(
            BenchmarkId::new("scan_all_rules", threads),
            &threads,
            |b, &t| {
                b.iter(|| {
                    scan::scan(scan_options(dir, t))
                        .map(|s| s.findings.len())
                        .ok()
                })
            },
        );
        // As the CLI scans: the model freed stage by stage, texts once parsed.
        g.bench_with_input(
            BenchmarkId::new("scan_all_rules_staged", threads),
            &threads,
            |b, &t| {
                b.iter(|| {
                    scan::scan(ScanOptions {
                        free_model_early: true,
                        keep_texts: false,
                        ..scan_options(dir, t)
                    })
                    .map(|s| s.findings.len())
                    .ok()
                })
            },
        );
    }
    g.finish();
}

/// The for_each/count-heavy root module of `module_eval`: one generated stack
/// whose maps and counts are large (every bucket, service and database is a
/// `for_each` key of a module call or resource; services call a nested
/// module; instances and volumes are `count`).
const HEAVY: corpus::terraform::Shape = corpus::terraform::Shape {
    zones: 3,
    buckets: 120,
    services: 40,
    databases: 12,
    instances: 60,
    ingress_cidrs: 24,
};

fn bench_module_eval(c: &mut Criterion) {
    let dir = bench_dir("bench-heavy-module");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clearing the heavy module");
    }
    let files = corpus::terraform::stack(corpus::DEFAULT_SEED, 0, &HEAVY);
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    for f in &files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("module dir");
        std::fs::write(&path, &f.text).expect("module file");
    }
    let (walked, _) = discover::walk(std::slice::from_ref(&dir), &dir, 1);
    let candidates = terraform::Candidate::from_walk(&walked);
    assert_eq!(candidates.len(), files.len());
    let classifier = Classifier::default();
    let cwd = std::env::current_dir().expect("cwd");
    let opts = terraform::Options {
        classifier: &classifier,
        var_files: &[],
        vars: &[],
        display_base: &dir,
        class_base: &cwd,
        max_file_size: scan::DEFAULT_MAX_FILE_SIZE,
        keep_texts: true,
    };
    let paths = project::Paths {
        display_base: &dir,
        class_base: &cwd,
        max_size: scan::DEFAULT_MAX_FILE_SIZE,
        release_texts: false,
    };
    let out = terraform::ingest(&candidates, &opts);
    assert!(out.notes.is_empty(), "unexpected notes: {:?}", out.notes);
    assert!(out.syntax_errors.is_empty() && out.internal_errors.is_empty());
    let instances = out.resources.len();
    let modules = out
        .resources
        .iter()
        .filter(|r| !r.origin.is_empty())
        .count();
    eprintln!(
        "module_eval: {} files, {bytes} bytes, {instances} resource instances ({modules} inside module instances)",
        files.len()
    );

    let mut g = c.benchmark_group("module_eval");
    g.throughput(Throughput::Elements(instances as u64));
    // Reading and parsing the root module and the modules it calls.
    g.bench_function("load", |b| {
        b.iter(|| {
            project::load(black_box(&candidates), &[], &paths)
                .files
                .len()
        })
    });
    // The above plus evaluating every instance: the difference is evaluation.
    g.bench_function("load_and_evaluate", |b| {
        b.iter(|| {
            terraform::ingest(black_box(&candidates), &opts)
                .resources
                .len()
        })
    });
    g.finish();
}

/// A Rego `deny` result as comparable `(path, message)` pairs.
fn rego_hits(v: &regorus::Value) -> Vec<(String, String)> {
    let set = v.as_set().expect("deny is a set");
    let mut out: Vec<(String, String)> = set
        .iter()
        .map(|item| {
            let obj = item.as_object().expect("deny item is an object");
            let msg = obj
                .get(&regorus::Value::from("msg"))
                .and_then(|m| m.as_string().ok())
                .expect("msg")
                .to_string();
            let path = obj
                .get(&regorus::Value::from("path"))
                .and_then(|p| p.as_array().ok())
                .expect("path")
                .iter()
                .map(|s| match s {
                    regorus::Value::String(k) => Seg::Key(k.as_ref().into()),
                    regorus::Value::Number(n) => Seg::Index(n.as_u64().expect("index") as usize),
                    other => panic!("unexpected path segment {other:?}"),
                })
                .collect();
            (AttrPath(path).to_string(), msg)
        })
        .collect();
    out.sort();
    out
}

fn native_hits(ctx: &Ctx, rule: &'static Rule, r: &Resource) -> Vec<(String, String)> {
    let mut hits = Vec::new();
    native_check(rule)(ctx, r, &mut hits);
    let mut out: Vec<(String, String)> = hits
        .into_iter()
        .map(|h| (h.path.to_string(), h.message))
        .collect();
    out.sort();
    out
}

/// The evaluator of a scan with the default options.
fn evaluator(rules: Vec<&'static Rule>) -> Evaluator {
    Evaluator::new(
        rules,
        Settings::default(),
        &Policies::default(),
        Some(scan::DEFAULT_POLICY_TIMEOUT),
        BTreeMap::new(),
    )
    .expect("evaluator")
}

/// An engine holding only the Rego K8S002, with the scan's execution timer
/// (`RegoRules::new` sets the same) when `timeout` is given.
fn rego_engine(timeout: Option<Duration>) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    if let Some(limit) = timeout {
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit,
            check_interval: NonZeroU32::MIN,
        });
    }
    engine
        .add_policy(
            "benches/policies/no_privilege_escalation.rego".to_string(),
            REGO_POLICY.to_string(),
        )
        .expect("policy compiles");
    engine
}

fn bench_per_resource(c: &mut Criterion) {
    let k8s002 = infra_lint::rules::find("K8S002").expect("K8S002");
    let check = native_check(k8s002);
    let workload_files: Vec<corpus::GeneratedFile> = (0..WORKLOADS as u64)
        .map(|seed| corpus::GeneratedFile {
            path: format!("workloads/w{seed:04}.yaml"),
            text: corpus::workload(seed),
            documents: 1,
            terraform: false,
        })
        .collect();
    let files = source_files(&workload_files);
    let resources = resources_of(&files);
    assert_eq!(resources.len(), WORKLOADS);
    let pairs: Vec<(&Resource, &SourceFile)> = resources
        .iter()
        .map(|r| (r, &files[r.file as usize]))
        .collect();

    let settings = Settings::default();
    let relations = Relations::build(&resources);
    let ctx = Ctx {
        settings: &settings,
        rule: &k8s002.meta,
        resources: &resources,
        relations: &relations,
    };

    // Fairness: both engines report exactly the same hits (paths and messages),
    // on the batch and on every workload of the full corpus.
    let mut engine = rego_engine(None);
    let kubernetes: Vec<corpus::GeneratedFile> = corpus::files(CORPUS_FILES, corpus::DEFAULT_SEED)
        .into_iter()
        .filter(|f| !f.terraform)
        .collect();
    let corpus_files = source_files(&kubernetes);
    let corpus_resources = resources_of(&corpus_files);
    let corpus_relations = Relations::build(&corpus_resources);
    let corpus_ctx = Ctx {
        resources: &corpus_resources,
        relations: &corpus_relations,
        ..ctx
    };
    let (mut checked, mut total_hits) = (0, 0);
    for (files, ctx) in [(&files, &ctx), (&corpus_files, &corpus_ctx)] {
        for r in ctx
            .resources
            .iter()
            .filter(|r| k8s002.meta.applies.matches(r))
        {
            let file = &files[r.file as usize];
            engine.set_input(rego::input(r, file, ctx.resources, ctx.relations));
            let rego = rego_hits(&engine.eval_rule(REGO_QUERY.to_string()).expect("evaluates"));
            let native = native_hits(ctx, k8s002, r);
            assert_eq!(
                native, rego,
                "native and Rego K8S002 differ on {}",
                r.address
            );
            checked += 1;
            total_hits += native.len();
        }
    }
    eprintln!(
        "per_resource: native and Rego K8S002 agree on {checked} workloads ({total_hits} hits)"
    );

    let input = |r: &Resource, f: &SourceFile| rego::input(r, f, &resources, &relations);
    let inputs: Vec<regorus::Value> = pairs.iter().map(|(r, f)| input(r, f)).collect();

    let mut g = c.benchmark_group("per_resource");
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("k8s002_native", |b| {
        b.iter(|| {
            let mut n = 0;
            for (r, _) in &pairs {
                let mut hits = Vec::new();
                check(&ctx, black_box(r), &mut hits);
                n += hits.len();
            }
            n
        })
    });
    g.bench_function("rego_input_conversion", |b| {
        b.iter(|| {
            pairs
                .iter()
                .map(|(r, f)| input(black_box(r), f))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("k8s002_rego_eval_only", |b| {
        let mut engine = rego_engine(None);
        b.iter(|| {
            let mut n = 0;
            for input in &inputs {
                engine.set_input(input.clone());
                let v = engine.eval_rule(REGO_QUERY.to_string()).expect("evaluates");
                n += v.as_set().map_or(0, |s| s.len());
            }
            n
        })
    });
    // The same with the execution timer every scan sets (checked at every step).
    g.bench_function("k8s002_rego_eval_only_with_timer", |b| {
        let mut engine = rego_engine(Some(scan::DEFAULT_POLICY_TIMEOUT));
        b.iter(|| {
            let mut n = 0;
            for input in &inputs {
                engine.set_input(input.clone());
                let v = engine.eval_rule(REGO_QUERY.to_string()).expect("evaluates");
                n += v.as_set().map_or(0, |s| s.len());
            }
            n
        })
    });
    g.bench_function("k8s002_rego_with_conversion", |b| {
        let mut engine = rego_engine(None);
        b.iter(|| {
            let mut n = 0;
            for (r, f) in &pairs {
                engine.set_input(input(r, f));
                let v = engine.eval_rule(REGO_QUERY.to_string()).expect("evaluates");
                n += v.as_set().map_or(0, |s| s.len());
            }
            n
        })
    });
    // The fixed cost of one `eval_rule` call: a policy that never matches.
    g.bench_function("rego_eval_trivial_policy", |b| {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy(
                "trivial.rego".to_string(),
                "package bench.trivial\n\ndeny contains \"x\" if false\n".to_string(),
            )
            .expect("policy compiles");
        b.iter(|| {
            let mut n = 0;
            for input in &inputs {
                engine.set_input(input.clone());
                let v = engine
                    .eval_rule("data.bench.trivial.deny".to_string())
                    .expect("evaluates");
                n += v.as_set().map_or(0, |s| s.len());
            }
            n
        })
    });
    // Every built-in rule through the engine's evaluator, on one thread.
    let evaluator = evaluator(all_rules());
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    g.bench_function("all_rules_evaluator", |b| {
        b.iter(|| one_thread.install(|| evaluator.run(black_box(&resources), &files).0.len()))
    });
    g.finish();
}

/// Each rule alone over the resources of the whole corpus, on one thread;
/// throughput counts the resources the rule applies to.
fn bench_per_rule(c: &mut Criterion) {
    let (files, resources) = scanned_corpus();
    let relations = Relations::build(resources);
    let settings = Settings::default();
    let mut g = c.benchmark_group("per_rule");
    for rule in all_rules() {
        let applicable: Vec<&Resource> = resources
            .iter()
            .filter(|r| rule.meta.applies.matches(r))
            .collect();
        if applicable.is_empty() {
            continue;
        }
        g.throughput(Throughput::Elements(applicable.len() as u64));
        let name = format!("{}_{}", rule.meta.id, rule.engine());
        match rule.check {
            Check::Native(check) => {
                let ctx = Ctx {
                    settings: &settings,
                    rule: &rule.meta,
                    resources,
                    relations: &relations,
                };
                g.bench_function(name, |b| {
                    b.iter(|| {
                        let mut n = 0;
                        for r in &applicable {
                            let mut hits = Vec::new();
                            check(&ctx, r, &mut hits);
                            n += hits.len();
                        }
                        n
                    })
                });
            }
            Check::Rego { .. } => {
                let mut engine = RegoRules::new(&[rule], &[], Some(scan::DEFAULT_POLICY_TIMEOUT))
                    .expect("policy compiles")
                    .expect("a Rego rule");
                g.bench_function(name, |b| {
                    b.iter(|| {
                        let mut n = 0;
                        for r in &applicable {
                            let file = &files[r.file as usize];
                            for (_, hits) in
                                engine.eval(rego::input(r, file, resources, &relations), &[rule])
                            {
                                n += hits.map_or(0, |h| h.len());
                            }
                        }
                        n
                    })
                });
            }
            Check::Builtin => {}
        }
    }
    g.finish();
}

/// The evaluation stage alone (`Evaluator::run`) over the resources of the
/// whole corpus: all rules, native rules only and Rego rules only, on 1 and 2
/// threads.
fn bench_evaluate(c: &mut Criterion) {
    let (files, resources) = scanned_corpus();
    let rules = all_rules();
    let sets: [(&str, Vec<&'static Rule>); 3] = [
        ("all", rules.clone()),
        (
            "native",
            rules
                .iter()
                .copied()
                .filter(|r| r.engine() == "native")
                .collect(),
        ),
        (
            "rego",
            rules
                .iter()
                .copied()
                .filter(|r| r.engine() == "rego")
                .collect(),
        ),
    ];
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(resources.len() as u64));
    for (name, set) in &sets {
        let evaluator = evaluator(set.clone());
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            g.bench_with_input(BenchmarkId::new(*name, threads), &threads, |b, _| {
                b.iter(|| pool.install(|| evaluator.run(black_box(resources), files).0.len()))
            });
        }
    }
    g.finish();
}

/// Fixed costs paid once per scan (or per worker job).
fn bench_setup(c: &mut Criterion) {
    let rules = all_rules();
    let mut g = c.benchmark_group("setup");
    g.bench_function("evaluator_new_all_rules", |b| {
        b.iter(|| evaluator(black_box(rules.clone())))
    });
    let prepared = RegoRules::new(&rules, &[], Some(scan::DEFAULT_POLICY_TIMEOUT))
        .expect("policies")
        .expect("Rego rules");
    g.bench_function("rego_rules_clone", |b| {
        b.iter(|| black_box(&prepared).clone())
    });
    // What K8S018 pays on every workload: its default setting is JSON text.
    let k8s018 = infra_lint::rules::find("K8S018").expect("K8S018");
    let settings = Settings::default();
    g.bench_function("settings_strings_k8s018_default", |b| {
        b.iter(|| settings.strings(black_box(&k8s018.meta), "secret_name_patterns"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_parse, bench_scans, bench_module_eval, bench_per_resource, bench_per_rule, bench_evaluate, bench_setup
}
criterion_main!(benches);
