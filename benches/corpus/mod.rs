//! A deterministic generator of a realistic infrastructure-as-code tree,
//! shared by the benchmarks (`benches/scan.rs`) and `examples/gen_corpus.rs`:
//! half Kubernetes manifests, half Terraform root modules with local modules
//! ([`terraform`]). Even corpus indices are Kubernetes files, odd ones
//! Terraform files.
//!
//! Everything derives from a seed through a small SplitMix64 generator: the
//! same `(seed, index)` always gives the same file, on every machine, and the
//! first `n` files of a larger corpus are the corpus of size `n`.
//!
//! Kubernetes files hold 1-6 documents (Deployments, StatefulSets, DaemonSets,
//! CronJobs, Jobs, Services, ConfigMaps, Namespaces, Roles, RoleBindings,
//! Secrets, StorageClasses, HorizontalPodAutoscalers, PodDisruptionBudgets,
//! NetworkPolicies, ResourceQuotas) and weigh 1-20 KB. Workloads vary in
//! container and init container counts, environment variables, probes,
//! resources, images and security contexts, good and bad, so every rule has
//! work and findings.

// Each user of the module (bench, example) needs a different part of it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::path::Path;

pub mod terraform;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 0x1f2e_3d4c_5b6a_7988;
/// Bounds of a generated file, in bytes.
pub const MIN_FILE_BYTES: usize = 1024;
pub const MAX_FILE_BYTES: usize = 20 * 1024;
/// At most this many documents per file.
pub const MAX_DOCUMENTS: usize = 6;

/// SplitMix64: tiny, fast, and good enough to vary manifests.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p` percent.
    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index into `weights`, chosen proportionally to them.
    pub fn weighted(&mut self, weights: &[usize]) -> usize {
        let total: usize = weights.iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }

    pub fn base64(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s: String = (0..len)
            .map(|_| char::from(ALPHABET[self.below(64)]))
            .collect();
        while s.len() % 4 != 0 {
            s.push('=');
        }
        s
    }
}

/// The generator for file `index` of the corpus of `seed`.
fn file_rng(seed: u64, index: usize) -> Rng {
    let mut r = Rng::new(seed ^ (index as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
    r.next_u64();
    r
}

/// One generated manifest file.
#[derive(Clone, Debug)]
pub struct GeneratedFile {
    /// Path relative to the corpus root, `/`-separated
    /// (`kubernetes/team-03/app-012/base/deployment-00042.yaml`).
    pub path: String,
    pub text: String,
    /// YAML documents (0 for Terraform files).
    pub documents: usize,
    pub terraform: bool,
}

/// What [`write`] put on disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub bytes: usize,
    pub terraform_files: usize,
    pub terraform_bytes: usize,
}

/// The first `n` files of the corpus of `seed`.
pub fn files(n: usize, seed: u64) -> Vec<GeneratedFile> {
    (0..n).map(|i| file(seed, i)).collect()
}

/// Write the first `n` files of the corpus of `seed` under `dir`.
pub fn write(dir: &Path, n: usize, seed: u64) -> io::Result<Summary> {
    let mut summary = Summary::default();
    for f in (0..n).map(|i| file(seed, i)) {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &f.text)?;
        summary.files += 1;
        summary.documents += f.documents;
        summary.bytes += f.text.len();
        if f.terraform {
            summary.terraform_files += 1;
            summary.terraform_bytes += f.text.len();
        }
    }
    Ok(summary)
}

/// The Kubernetes files of the corpus as one YAML stream (files joined by `---`).
pub fn concatenated(files: &[GeneratedFile]) -> String {
    let yaml = || files.iter().filter(|f| !f.terraform);
    let mut s = String::with_capacity(yaml().map(|f| f.text.len() + 4).sum());
    for f in yaml() {
        if !f.text.starts_with("---") {
            s.push_str("---\n");
        }
        s.push_str(&f.text);
    }
    s
}

/// A single workload manifest (Deployment, StatefulSet, DaemonSet, CronJob or
/// Job), for per-resource benchmarks.
pub fn workload(seed: u64) -> String {
    let mut rng = file_rng(seed, usize::MAX);
    let kind = *rng.pick(&WORKLOAD_KINDS);
    let app = App::new(&mut rng, (seed % 1000) as usize);
    let mut out = Out::default();
    workload_doc(&mut out, &mut rng, kind, &app);
    out.s
}

const APPS: &[&str] = &[
    "web",
    "api",
    "worker",
    "gateway",
    "billing",
    "search",
    "auth",
    "cart",
    "checkout",
    "inventory",
    "notifier",
    "scheduler",
    "ingest",
    "reporting",
    "frontend",
    "metrics",
    "ledger",
    "catalog",
    "pricing",
    "shipping",
];
const REGISTRIES: &[&str] = &[
    "registry.example.com/platform",
    "ghcr.io/acme",
    "docker.io/library",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "",
];
const SIDECARS: &[&str] = &[
    "envoy",
    "fluent-bit",
    "otel-collector",
    "vault-agent",
    "cloud-sql-proxy",
];
const INITS: &[&str] = &["migrate", "wait-for-db", "init-config", "fix-permissions"];
const ENV_NAMES: &[&str] = &[
    "LOG_LEVEL",
    "PORT",
    "HTTP_TIMEOUT",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "REDIS_URL",
    "FEATURE_FLAGS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "JAVA_OPTS",
    "GOMAXPROCS",
    "CACHE_TTL",
    "REGION",
    "SERVICE_NAME",
    "MAX_CONNECTIONS",
    "WORKERS",
    "TZ",
    "LANG",
    "UPSTREAM_URL",
    "METRICS_ENABLED",
];
const SECRET_ENV_NAMES: &[&str] = &["DB_PASSWORD", "API_TOKEN", "STRIPE_API_KEY", "JWT_SECRET"];
const SUBDIRS: &[&str] = &[
    "",
    "base",
    "k8s",
    "overlays/dev",
    "overlays/staging",
    "overlays/prod",
    "manifests",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    CronJob,
    Job,
}

const WORKLOAD_KINDS: [Kind; 5] = [
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::DaemonSet,
    Kind::CronJob,
    Kind::Job,
];

/// The application a file belongs to.
struct App {
    name: String,
    namespace: String,
    team: usize,
}

impl App {
    fn new(rng: &mut Rng, index: usize) -> App {
        let team = index / 100;
        let base = *rng.pick(APPS);
        let name = format!("{base}-{:03}", index % 1000);
        let namespace = if rng.percent(70) {
            format!("team-{team:02}")
        } else {
            format!("{base}-{}", rng.pick(&["prod", "staging", "dev", "system"]))
        };
        App {
            name,
            namespace,
            team,
        }
    }
}

/// A YAML text being written.
#[derive(Default)]
struct Out {
    s: String,
}

impl Out {
    fn line(&mut self, indent: usize, text: impl AsRef<str>) {
        for _ in 0..indent {
            self.s.push(' ');
        }
        self.s.push_str(text.as_ref());
        self.s.push('\n');
    }
}

/// File `index` of the corpus of `seed`.
pub fn file(seed: u64, index: usize) -> GeneratedFile {
    if index % 2 == 0 {
        kubernetes_file(seed, index / 2)
    } else {
        terraform::file(seed, index / 2)
    }
}

/// Kubernetes file `index` of the corpus of `seed`.
pub fn kubernetes_file(seed: u64, index: usize) -> GeneratedFile {
    let mut rng = file_rng(seed, index);
    let app = App::new(&mut rng, index);
    let subdir = *rng.pick(SUBDIRS);
    let mut docs: Vec<String> = Vec::new();
    let primary: &str;
    match rng.weighted(&[55, 15, 10, 10, 5, 5]) {
        0 => {
            // An application bundle: workload, Service, config.
            let kind = WORKLOAD_KINDS[rng.weighted(&[70, 20, 10])];
            primary = kind_name(kind);
            docs.push(doc(|o| workload_doc(o, &mut rng, kind, &app)));
            if kind != Kind::DaemonSet || rng.percent(30) {
                docs.push(doc(|o| service_doc(o, &mut rng, &app, "")));
            }
            if rng.percent(50) {
                docs.push(doc(|o| configmap_doc(o, &mut rng, &app, "config")));
            }
            if kind != Kind::DaemonSet && rng.percent(30) {
                docs.push(doc(|o| hpa_doc(o, &mut rng, kind, &app)));
            }
            if kind != Kind::DaemonSet && rng.percent(30) {
                docs.push(doc(|o| pdb_doc(o, &mut rng, &app)));
            }
            if rng.percent(25) {
                docs.push(doc(|o| secret_doc(o, &mut rng, &app)));
            }
            if rng.percent(20) {
                docs.push(doc(|o| role_doc(o, &mut rng, &app)));
                docs.push(doc(|o| rolebinding_doc(o, &app)));
            }
        }
        1 => {
            let kind = if rng.percent(60) {
                Kind::CronJob
            } else {
                Kind::Job
            };
            primary = kind_name(kind);
            docs.push(doc(|o| workload_doc(o, &mut rng, kind, &app)));
            if rng.percent(40) {
                docs.push(doc(|o| configmap_doc(o, &mut rng, &app, "job-config")));
            }
        }
        2 => {
            primary = "namespace";
            docs.push(doc(|o| namespace_doc(o, &mut rng, &app)));
            for _ in 0..rng.range(1, 2) {
                docs.push(doc(|o| role_doc(o, &mut rng, &app)));
            }
            docs.push(doc(|o| rolebinding_doc(o, &app)));
            if rng.percent(50) {
                docs.push(doc(|o| networkpolicy_doc(o, &mut rng, &app)));
            }
            if rng.percent(40) {
                docs.push(doc(|o| quota_doc(o, &mut rng, &app)));
            }
            if rng.percent(30) {
                docs.push(doc(|o| configmap_doc(o, &mut rng, &app, "defaults")));
            }
        }
        3 => {
            primary = "config";
            for i in 0..rng.range(1, 3) {
                docs.push(doc(|o| {
                    configmap_doc(o, &mut rng, &app, &format!("settings-{i}"))
                }));
            }
            if rng.percent(60) {
                docs.push(doc(|o| secret_doc(o, &mut rng, &app)));
            }
        }
        4 => {
            primary = "storage";
            for i in 0..rng.range(1, 4) {
                docs.push(doc(|o| storageclass_doc(o, &mut rng, &app, i)));
            }
        }
        _ => {
            primary = "services";
            for i in 0..rng.range(2, 5) {
                docs.push(doc(|o| service_doc(o, &mut rng, &app, &format!("-{i}"))));
            }
        }
    }
    docs.truncate(MAX_DOCUMENTS);
    // Keep the file within bounds: drop trailing documents, then pad with a ConfigMap.
    let helm = rng.percent(15);
    let leading = rng.percent(30);
    let assemble = |docs: &[String]| {
        let mut text = String::new();
        for (i, d) in docs.iter().enumerate() {
            if i > 0 || leading {
                text.push_str("---\n");
            }
            if helm {
                let _ = writeln!(text, "# Source: {}/templates/{primary}.yaml", app.name);
            }
            text.push_str(d);
        }
        text
    };
    let mut text = assemble(&docs);
    while text.len() > MAX_FILE_BYTES && docs.len() > 1 {
        docs.pop();
        text = assemble(&docs);
    }
    if text.len() < MIN_FILE_BYTES {
        let missing = MIN_FILE_BYTES - text.len();
        if docs.len() == MAX_DOCUMENTS {
            docs.pop();
        }
        docs.push(doc(|o| padding_configmap(o, &mut rng, &app, missing + 64)));
        text = assemble(&docs);
    }
    let ext = if rng.percent(10) { "yml" } else { "yaml" };
    let dir = if subdir.is_empty() {
        format!("kubernetes/team-{:02}/app-{:03}", app.team, index / 10)
    } else {
        format!(
            "kubernetes/team-{:02}/app-{:03}/{subdir}",
            app.team,
            index / 10
        )
    };
    GeneratedFile {
        path: format!("{dir}/{primary}-{index:05}.{ext}"),
        documents: docs.len(),
        text,
        terraform: false,
    }
}

fn doc(f: impl FnOnce(&mut Out)) -> String {
    let mut o = Out::default();
    f(&mut o);
    o.s
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Deployment => "deployment",
        Kind::StatefulSet => "statefulset",
        Kind::DaemonSet => "daemonset",
        Kind::CronJob => "cronjob",
        Kind::Job => "job",
    }
}

fn metadata(o: &mut Out, rng: &mut Rng, name: &str, namespace: Option<&str>, app: &App) {
    o.line(0, "metadata:");
    o.line(2, format!("name: {name}"));
    if let Some(ns) = namespace {
        o.line(2, format!("namespace: {ns}"));
    }
    o.line(2, "labels:");
    o.line(4, format!("app.kubernetes.io/name: {}", app.name));
    o.line(
        4,
        format!("app.kubernetes.io/part-of: team-{:02}", app.team),
    );
    o.line(4, "app.kubernetes.io/managed-by: kustomize");
    if rng.percent(30) {
        o.line(
            4,
            format!(
                "environment: {}",
                rng.pick(&["production", "staging", "dev"])
            ),
        );
    }
    if rng.percent(40) {
        o.line(2, "annotations:");
        o.line(4, format!("owner: team-{:02}@example.com", app.team));
        o.line(
            4,
            format!("example.com/revision: \"{}\"", rng.range(1, 400)),
        );
        if rng.percent(30) {
            o.line(
                4,
                "kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\":\"v1\"}'",
            );
        }
    }
}

fn workload_doc(o: &mut Out, rng: &mut Rng, kind: Kind, app: &App) {
    let (api, kind_text) = match kind {
        Kind::Deployment => ("apps/v1", "Deployment"),
        Kind::StatefulSet => ("apps/v1", "StatefulSet"),
        Kind::DaemonSet => ("apps/v1", "DaemonSet"),
        Kind::CronJob => ("batch/v1", "CronJob"),
        Kind::Job => ("batch/v1", "Job"),
    };
    o.line(0, format!("apiVersion: {api}"));
    o.line(0, format!("kind: {kind_text}"));
    metadata(o, rng, &app.name, Some(&app.namespace), app);
    o.line(0, "spec:");
    // Indentation of the pod template's `metadata`/`spec`.
    let template = match kind {
        Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet => {
            if kind != Kind::DaemonSet {
                o.line(2, format!("replicas: {}", rng.range(1, 6)));
            }
            if kind == Kind::StatefulSet {
                o.line(2, format!("serviceName: {}", app.name));
            }
            o.line(2, "selector:");
            o.line(4, "matchLabels:");
            o.line(6, format!("app: {}", app.name));
            if kind == Kind::DaemonSet {
                o.line(2, "updateStrategy:");
                o.line(4, "type: RollingUpdate");
            } else if kind == Kind::Deployment && rng.percent(50) {
                o.line(2, "strategy:");
                o.line(4, "rollingUpdate:");
                o.line(6, "maxSurge: 25%");
                o.line(6, "maxUnavailable: 0");
            }
            o.line(2, "template:");
            4
        }
        Kind::Job => {
            o.line(2, format!("backoffLimit: {}", rng.range(0, 6)));
            o.line(2, "ttlSecondsAfterFinished: 3600");
            o.line(2, "template:");
            4
        }
        Kind::CronJob => {
            o.line(
                2,
                format!("schedule: \"{} {} * * *\"", rng.below(60), rng.below(24)),
            );
            o.line(2, "concurrencyPolicy: Forbid");
            o.line(2, "successfulJobsHistoryLimit: 3");
            o.line(2, "jobTemplate:");
            o.line(4, "spec:");
            o.line(6, "backoffLimit: 2");
            o.line(6, "template:");
            8
        }
    };
    o.line(template, "metadata:");
    o.line(template + 2, "labels:");
    o.line(template + 4, format!("app: {}", app.name));
    if rng.percent(40) {
        o.line(template + 2, "annotations:");
        o.line(template + 4, "prometheus.io/scrape: \"true\"");
        o.line(
            template + 4,
            format!("prometheus.io/port: \"{}\"", 9000 + rng.below(100)),
        );
    }
    o.line(template, "spec:");
    pod_spec(o, rng, template + 2, kind, app);
    if kind == Kind::StatefulSet {
        o.line(2, "volumeClaimTemplates:");
        o.line(2, "- metadata:");
        o.line(4, "  name: data");
        o.line(4, "spec:");
        o.line(6, "accessModes: [\"ReadWriteOnce\"]");
        o.line(
            6,
            format!(
                "storageClassName: {}",
                rng.pick(&["gp3", "standard", "premium-rwo"])
            ),
        );
        o.line(6, "resources:");
        o.line(8, "requests:");
        o.line(10, format!("storage: {}Gi", rng.pick(&[1, 10, 50, 100])));
    }
}

fn pod_spec(o: &mut Out, rng: &mut Rng, ind: usize, kind: Kind, app: &App) {
    if matches!(kind, Kind::Job | Kind::CronJob) {
        o.line(
            ind,
            format!("restartPolicy: {}", rng.pick(&["OnFailure", "Never"])),
        );
    }
    if rng.percent(70) {
        o.line(ind, format!("serviceAccountName: {}", app.name));
    }
    if rng.percent(20) {
        o.line(ind, "automountServiceAccountToken: false");
    }
    match rng.below(10) {
        0 => o.line(ind, "hostNetwork: true"),
        1 if kind == Kind::DaemonSet => o.line(ind, "hostPID: true"),
        _ => {}
    }
    if rng.percent(50) {
        o.line(ind, "securityContext:");
        o.line(ind + 2, format!("runAsNonRoot: {}", rng.percent(85)));
        o.line(
            ind + 2,
            format!("runAsUser: {}", rng.pick(&[0, 1000, 10001, 65534])),
        );
        o.line(ind + 2, "fsGroup: 2000");
        if rng.percent(60) {
            o.line(ind + 2, "seccompProfile:");
            o.line(ind + 4, "type: RuntimeDefault");
        }
    }
    match rng.below(5) {
        0 => {
            o.line(ind, "topologySpreadConstraints:");
            o.line(ind, "- maxSkew: 1");
            o.line(ind, "  topologyKey: topology.kubernetes.io/zone");
            o.line(ind, "  whenUnsatisfiable: ScheduleAnyway");
            o.line(ind, "  labelSelector:");
            o.line(ind, "    matchLabels:");
            o.line(ind, format!("      app: {}", app.name));
        }
        1 => {
            o.line(ind, "affinity:");
            o.line(ind + 2, "podAntiAffinity:");
            o.line(ind + 4, "preferredDuringSchedulingIgnoredDuringExecution:");
            o.line(ind + 4, "- weight: 100");
            o.line(ind + 4, "  podAffinityTerm:");
            o.line(ind + 4, "    topologyKey: kubernetes.io/hostname");
            o.line(ind + 4, "    labelSelector:");
            o.line(ind + 4, "      matchExpressions:");
            o.line(ind + 4, "      - key: app");
            o.line(ind + 4, "        operator: In");
            o.line(ind + 4, format!("        values: [\"{}\"]", app.name));
        }
        _ => {}
    }
    if rng.percent(25) {
        o.line(ind, "nodeSelector:");
        o.line(ind + 2, "kubernetes.io/os: linux");
    }
    if rng.percent(20) {
        o.line(ind, "tolerations:");
        o.line(ind, "- key: dedicated");
        o.line(ind, "  operator: Equal");
        o.line(ind, format!("  value: team-{:02}", app.team));
        o.line(ind, "  effect: NoSchedule");
    }
    let inits = rng.weighted(&[60, 30, 10]);
    if inits > 0 {
        o.line(ind, "initContainers:");
        for i in 0..inits {
            let name = if i == 0 {
                *rng.pick(INITS)
            } else {
                "init-extra"
            };
            container(o, rng, ind, name, true);
        }
    }
    o.line(ind, "containers:");
    let count = 1 + rng.weighted(&[55, 30, 10, 5]);
    for i in 0..count {
        let name = if i == 0 {
            app.name.split('-').next().unwrap_or("app")
        } else {
            rng.pick(SIDECARS)
        };
        container(o, rng, ind, name, false);
    }
    o.line(ind, "volumes:");
    o.line(ind, "- name: tmp");
    o.line(ind, "  emptyDir: {}");
    if rng.percent(50) {
        o.line(ind, "- name: config");
        o.line(ind, "  configMap:");
        o.line(ind, format!("    name: {}-config", app.name));
    }
}

fn container(o: &mut Out, rng: &mut Rng, ind: usize, name: &str, init: bool) {
    let f = ind + 2;
    o.line(ind, format!("- name: {name}"));
    let registry = *rng.pick(REGISTRIES);
    let repo = if registry.is_empty() {
        name.to_string()
    } else {
        format!("{registry}/{name}")
    };
    let image = match rng.below(10) {
        0..=2 => format!("{repo}@sha256:{}", rng.hex(64)),
        3 => format!("{repo}:latest"),
        4 => repo,
        _ => format!(
            "{repo}:{}.{}.{}",
            rng.range(1, 4),
            rng.below(30),
            rng.below(10)
        ),
    };
    o.line(f, format!("image: {image}"));
    o.line(
        f,
        format!("imagePullPolicy: {}", rng.pick(&["IfNotPresent", "Always"])),
    );
    match rng.below(4) {
        0 => o.line(
            f,
            format!(
                "args: [\"--port={}\", \"--log-format=json\"]",
                8000 + rng.below(100)
            ),
        ),
        1 => {
            o.line(f, "command:");
            o.line(f, "- /bin/sh");
            o.line(f, "- -c");
            o.line(
                f,
                format!("- exec /app/{name} --config /etc/{name}/config.yaml"),
            );
        }
        _ => {}
    }
    if !init && rng.percent(80) {
        o.line(f, "ports:");
        for p in 0..rng.range(1, 3) {
            o.line(f, format!("- name: {}", ["http", "metrics", "grpc"][p % 3]));
            o.line(f, format!("  containerPort: {}", 8080 + p));
            o.line(f, "  protocol: TCP");
        }
    }
    let vars = rng.weighted(&[15, 45, 30, 10]);
    let vars = [0, rng.range(1, 6), rng.range(6, 12), rng.range(12, 20)][vars];
    if vars > 0 {
        o.line(f, "env:");
        for v in 0..vars {
            env_var(o, rng, f, v);
        }
    }
    if rng.percent(20) {
        o.line(f, "envFrom:");
        o.line(f, "- configMapRef:");
        o.line(f, format!("    name: {name}-env"));
    }
    match rng.weighted(&[40, 25, 15, 20]) {
        0 => {
            o.line(f, "resources:");
            o.line(f + 2, "requests:");
            o.line(f + 4, format!("cpu: {}m", rng.pick(&[50, 100, 250, 500])));
            o.line(
                f + 4,
                format!("memory: {}Mi", rng.pick(&[64, 128, 256, 512])),
            );
            o.line(f + 2, "limits:");
            o.line(f + 4, format!("memory: {}Mi", rng.pick(&[256, 512, 1024])));
        }
        1 => {
            o.line(f, "resources:");
            o.line(f + 2, "requests:");
            o.line(f + 4, "cpu: 100m");
            o.line(f + 4, "memory: 128Mi");
        }
        2 => o.line(f, "resources: {}"),
        _ => {}
    }
    if !init {
        for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
            let p = if probe == "startupProbe" { 15 } else { 65 };
            if rng.percent(p) {
                o.line(f, format!("{probe}:"));
                match rng.below(3) {
                    0 => {
                        o.line(f + 2, "httpGet:");
                        o.line(
                            f + 4,
                            format!("path: /{}", rng.pick(&["healthz", "ready", "livez"])),
                        );
                        o.line(f + 4, "port: http");
                    }
                    1 => {
                        o.line(f + 2, "tcpSocket:");
                        o.line(f + 4, "port: 8080");
                    }
                    _ => {
                        o.line(f + 2, "exec:");
                        o.line(
                            f + 4,
                            "command: [\"/bin/grpc_health_probe\", \"-addr=:8080\"]",
                        );
                    }
                }
                o.line(
                    f + 2,
                    format!("initialDelaySeconds: {}", rng.pick(&[0, 5, 10, 30])),
                );
                o.line(f + 2, format!("periodSeconds: {}", rng.pick(&[5, 10, 15])));
                o.line(f + 2, "failureThreshold: 3");
            }
        }
    }
    security_context(o, rng, f);
    if rng.percent(60) {
        o.line(f, "volumeMounts:");
        o.line(f, "- name: tmp");
        o.line(f, "  mountPath: /tmp");
        if rng.percent(40) {
            o.line(f, "- name: config");
            o.line(f, format!("  mountPath: /etc/{name}"));
            o.line(f, "  readOnly: true");
        }
    }
}

fn env_var(o: &mut Out, rng: &mut Rng, f: usize, v: usize) {
    match rng.weighted(&[60, 12, 10, 8, 10]) {
        0 => {
            let name = ENV_NAMES[(v + rng.below(3)) % ENV_NAMES.len()];
            o.line(f, format!("- name: {name}"));
            let value = match rng.below(4) {
                0 => format!("\"{}\"", rng.range(1, 65535)),
                1 => format!(
                    "\"{}\"",
                    rng.pick(&["info", "debug", "warn", "true", "false"])
                ),
                2 => format!("http://{}.svc.cluster.local:{}", rng.pick(APPS), 8080),
                _ => format!("\"{}\"", rng.hex(12)),
            };
            o.line(f, format!("  value: {value}"));
        }
        1 => {
            o.line(f, format!("- name: {}", rng.pick(SECRET_ENV_NAMES)));
            o.line(f, "  valueFrom:");
            o.line(f, "    secretKeyRef:");
            o.line(f, "      name: app-credentials");
            o.line(
                f,
                format!("      key: {}", rng.pick(&["password", "token", "api-key"])),
            );
        }
        2 => {
            o.line(f, format!("- name: {}", rng.pick(SECRET_ENV_NAMES)));
            o.line(f, format!("  value: {}", rng.base64(16)));
        }
        3 => {
            o.line(
                f,
                format!("- name: {}", rng.pick(&["POD_NAME", "POD_IP", "NODE_NAME"])),
            );
            o.line(f, "  valueFrom:");
            o.line(f, "    fieldRef:");
            o.line(
                f,
                format!(
                    "      fieldPath: {}",
                    rng.pick(&["metadata.name", "status.podIP", "spec.nodeName"])
                ),
            );
        }
        _ => {
            o.line(f, format!("- name: {}", rng.pick(ENV_NAMES)));
            o.line(f, "  valueFrom:");
            o.line(f, "    configMapKeyRef:");
            o.line(f, "      name: shared-settings");
            o.line(f, "      key: value");
        }
    }
}

/// Container securityContexts from exemplary to dangerous.
fn security_context(o: &mut Out, rng: &mut Rng, f: usize) {
    match rng.weighted(&[35, 15, 20, 10, 12, 4, 4]) {
        0 => {
            o.line(f, "securityContext:");
            o.line(f + 2, "allowPrivilegeEscalation: false");
            o.line(f + 2, "readOnlyRootFilesystem: true");
            o.line(f + 2, "runAsNonRoot: true");
            o.line(f + 2, "capabilities:");
            o.line(f + 4, "drop: [\"ALL\"]");
        }
        1 => {
            o.line(f, "securityContext:");
            o.line(f + 2, "runAsNonRoot: true");
            o.line(f + 2, "readOnlyRootFilesystem: false");
        }
        2 => {}
        3 => {
            o.line(f, "securityContext:");
            o.line(f + 2, "privileged: true");
            o.line(f + 2, "allowPrivilegeEscalation: true");
            o.line(f + 2, "capabilities:");
            o.line(f + 4, "add:");
            o.line(f + 4, "- NET_ADMIN");
            o.line(f + 4, "- SYS_ADMIN");
        }
        4 => {
            o.line(f, "securityContext:");
            o.line(f + 2, "allowPrivilegeEscalation: false");
        }
        5 => {
            // A classic mistake: a string, not a boolean.
            o.line(f, "securityContext:");
            o.line(f + 2, "allowPrivilegeEscalation: \"false\"");
            o.line(f + 2, "runAsUser: 0");
        }
        _ => o.line(f, "securityContext: {}"),
    }
}

fn service_doc(o: &mut Out, rng: &mut Rng, app: &App, suffix: &str) {
    o.line(0, "apiVersion: v1");
    o.line(0, "kind: Service");
    metadata(
        o,
        rng,
        &format!("{}{suffix}", app.name),
        Some(&app.namespace),
        app,
    );
    o.line(0, "spec:");
    let ty = *rng.pick(&[
        "ClusterIP",
        "ClusterIP",
        "ClusterIP",
        "NodePort",
        "LoadBalancer",
    ]);
    o.line(2, format!("type: {ty}"));
    o.line(2, "selector:");
    o.line(4, format!("app: {}", app.name));
    o.line(2, "ports:");
    for (i, name) in ["http", "metrics", "grpc"]
        .iter()
        .take(rng.range(1, 3))
        .enumerate()
    {
        o.line(2, format!("- name: {name}"));
        o.line(2, format!("  port: {}", [80, 9090, 50051][i]));
        o.line(2, format!("  targetPort: {name}"));
        o.line(2, "  protocol: TCP");
        if ty == "NodePort" {
            o.line(2, format!("  nodePort: {}", 30000 + rng.below(2767)));
        }
    }
}

fn configmap_doc(o: &mut Out, rng: &mut Rng, app: &App, name: &str) {
    o.line(0, "apiVersion: v1");
    o.line(0, "kind: ConfigMap");
    metadata(
        o,
        rng,
        &format!("{}-{name}", app.name),
        Some(&app.namespace),
        app,
    );
    o.line(0, "data:");
    for i in 0..rng.range(2, 8) {
        o.line(
            2,
            format!(
                "{}_{i}: \"{}\"",
                rng.pick(&["timeout", "retries", "mode", "url"]),
                rng.hex(8)
            ),
        );
    }
    if rng.percent(70) {
        o.line(2, "application.yaml: |");
        for i in 0..rng.range(5, 60) {
            o.line(4, format!("section{}:", i));
            o.line(6, format!("enabled: {}", rng.percent(50)));
            o.line(
                6,
                format!(
                    "endpoint: https://{}.example.com/v{}",
                    rng.pick(APPS),
                    rng.range(1, 3)
                ),
            );
        }
    }
    if rng.percent(30) {
        o.line(2, "nginx.conf: |-");
        o.line(4, "server {");
        o.line(6, "listen 8080;");
        for _ in 0..rng.range(2, 20) {
            let a = *rng.pick(APPS);
            o.line(
                6,
                format!("location /{a}/ {{ proxy_pass http://{a}:8080; }}"),
            );
        }
        o.line(4, "}");
    }
}

fn padding_configmap(o: &mut Out, rng: &mut Rng, app: &App, bytes: usize) {
    o.line(0, "apiVersion: v1");
    o.line(0, "kind: ConfigMap");
    metadata(
        o,
        rng,
        &format!("{}-extra", app.name),
        Some(&app.namespace),
        app,
    );
    o.line(0, "data:");
    let start = o.s.len();
    let mut i = 0;
    while o.s.len() - start < bytes {
        o.line(2, format!("key-{i}: \"{}\"", rng.hex(32)));
        i += 1;
    }
}

fn secret_doc(o: &mut Out, rng: &mut Rng, app: &App) {
    o.line(0, "apiVersion: v1");
    o.line(0, "kind: Secret");
    let tls = rng.percent(30);
    metadata(
        o,
        rng,
        &format!("{}-{}", app.name, if tls { "tls" } else { "credentials" }),
        Some(&app.namespace),
        app,
    );
    if tls {
        o.line(0, "type: kubernetes.io/tls");
        o.line(0, "data:");
        o.line(2, format!("tls.crt: {}", rng.base64(1600)));
        o.line(2, format!("tls.key: {}", rng.base64(1200)));
    } else if rng.percent(20) {
        // Placeholder filled by a secret operator: no values committed.
        o.line(0, "type: Opaque");
        o.line(0, "data: {}");
    } else {
        o.line(0, "type: Opaque");
        o.line(
            0,
            if rng.percent(50) {
                "data:"
            } else {
                "stringData:"
            },
        );
        for k in ["username", "password", "api-key"]
            .iter()
            .take(rng.range(1, 3))
        {
            o.line(2, format!("{k}: {}", rng.base64(24)));
        }
    }
}

fn namespace_doc(o: &mut Out, rng: &mut Rng, app: &App) {
    o.line(0, "apiVersion: v1");
    o.line(0, "kind: Namespace");
    o.line(0, "metadata:");
    o.line(2, format!("name: {}", app.namespace));
    o.line(2, "labels:");
    o.line(4, format!("team: team-{:02}", app.team));
    match rng.below(4) {
        0 => o.line(4, "pod-security.kubernetes.io/enforce: restricted"),
        1 => o.line(4, "pod-security.kubernetes.io/enforce: baseline"),
        2 => o.line(4, "pod-security.kubernetes.io/enforce: privileged"),
        _ => {}
    }
    o.line(4, "pod-security.kubernetes.io/warn: restricted");
}

fn role_doc(o: &mut Out, rng: &mut Rng, app: &App) {
    o.line(0, "apiVersion: rbac.authorization.k8s.io/v1");
    let cluster = rng.percent(25);
    o.line(
        0,
        if cluster {
            "kind: ClusterRole"
        } else {
            "kind: Role"
        },
    );
    let ns = (!cluster).then_some(app.namespace.as_str());
    metadata(o, rng, &app.name, ns, app);
    o.line(0, "rules:");
    for _ in 0..rng.range(1, 5) {
        let wildcard = rng.percent(10);
        o.line(
            0,
            format!(
                "- apiGroups: [\"{}\"]",
                if wildcard {
                    "*"
                } else {
                    rng.pick(&["", "apps", "batch"])
                }
            ),
        );
        o.line(0, "  resources:");
        for r in ["pods", "configmaps", "secrets", "deployments", "jobs"]
            .iter()
            .take(rng.range(1, 4))
        {
            o.line(0, format!("  - {r}"));
        }
        if rng.percent(10) {
            o.line(0, "  verbs: [\"*\"]");
        } else {
            o.line(0, "  verbs: [\"get\", \"list\", \"watch\"]");
        }
    }
}

fn rolebinding_doc(o: &mut Out, app: &App) {
    o.line(0, "apiVersion: rbac.authorization.k8s.io/v1");
    o.line(0, "kind: RoleBinding");
    o.line(0, "metadata:");
    o.line(2, format!("name: {}", app.name));
    o.line(2, format!("namespace: {}", app.namespace));
    o.line(0, "subjects:");
    o.line(0, "- kind: ServiceAccount");
    o.line(0, format!("  name: {}", app.name));
    o.line(0, format!("  namespace: {}", app.namespace));
    o.line(0, "roleRef:");
    o.line(2, "apiGroup: rbac.authorization.k8s.io");
    o.line(2, "kind: Role");
    o.line(2, format!("name: {}", app.name));
}

fn storageclass_doc(o: &mut Out, rng: &mut Rng, app: &App, i: usize) {
    o.line(0, "apiVersion: storage.k8s.io/v1");
    o.line(0, "kind: StorageClass");
    metadata(o, rng, &format!("{}-sc-{i}", app.name), None, app);
    let (provisioner, params): (&str, &[&str]) = match rng.below(6) {
        0 => (
            "ebs.csi.aws.com",
            &["type: gp3", "encrypted: \"true\"", "kmsKeyId: alias/ebs"],
        ),
        1 => ("ebs.csi.aws.com", &["type: gp3"]),
        2 => (
            "efs.csi.aws.com",
            &["provisioningMode: efs-ap", "encryptInTransit: \"false\""],
        ),
        3 => ("disk.csi.azure.com", &["skuName: Premium_LRS"]),
        4 => (
            "pd.csi.storage.gke.io",
            &[
                "type: pd-ssd",
                "disk-encryption-kms-key: projects/p/locations/l/keyRings/r/cryptoKeys/k",
            ],
        ),
        _ => ("kubernetes.io/no-provisioner", &[]),
    };
    o.line(0, format!("provisioner: {provisioner}"));
    if !params.is_empty() {
        o.line(0, "parameters:");
        for p in params {
            o.line(2, *p);
        }
    }
    o.line(
        0,
        format!("reclaimPolicy: {}", rng.pick(&["Delete", "Retain"])),
    );
    o.line(0, "volumeBindingMode: WaitForFirstConsumer");
    o.line(0, "allowVolumeExpansion: true");
}

fn hpa_doc(o: &mut Out, rng: &mut Rng, kind: Kind, app: &App) {
    o.line(0, "apiVersion: autoscaling/v2");
    o.line(0, "kind: HorizontalPodAutoscaler");
    metadata(o, rng, &app.name, Some(&app.namespace), app);
    o.line(0, "spec:");
    o.line(2, "scaleTargetRef:");
    o.line(4, "apiVersion: apps/v1");
    o.line(
        4,
        format!(
            "kind: {}",
            if kind == Kind::StatefulSet {
                "StatefulSet"
            } else {
                "Deployment"
            }
        ),
    );
    o.line(4, format!("name: {}", app.name));
    o.line(2, format!("minReplicas: {}", rng.range(1, 3)));
    o.line(2, format!("maxReplicas: {}", rng.range(4, 20)));
    o.line(2, "metrics:");
    o.line(2, "- type: Resource");
    o.line(2, "  resource:");
    o.line(2, "    name: cpu");
    o.line(2, "    target:");
    o.line(2, "      type: Utilization");
    o.line(
        2,
        format!("      averageUtilization: {}", rng.pick(&[60, 70, 80])),
    );
}

fn pdb_doc(o: &mut Out, rng: &mut Rng, app: &App) {
    o.line(0, "apiVersion: policy/v1");
    o.line(0, "kind: PodDisruptionBudget");
    metadata(o, rng, &app.name, Some(&app.namespace), app);
    o.line(0, "spec:");
    if rng.percent(50) {
        o.line(2, "minAvailable: 1");
    } else {
        o.line(2, "maxUnavailable: 25%");
    }
    o.line(2, "selector:");
    o.line(4, "matchLabels:");
    o.line(6, format!("app: {}", app.name));
}

fn networkpolicy_doc(o: &mut Out, rng: &mut Rng, app: &App) {
    o.line(0, "apiVersion: networking.k8s.io/v1");
    o.line(0, "kind: NetworkPolicy");
    metadata(o, rng, "default-deny", Some(&app.namespace), app);
    o.line(0, "spec:");
    o.line(2, "podSelector: {}");
    if rng.percent(70) {
        o.line(2, "policyTypes: [\"Ingress\", \"Egress\"]");
    } else {
        o.line(2, "policyTypes:");
        o.line(2, "- Ingress");
        o.line(2, "ingress:");
        o.line(2, "- from:");
        o.line(2, "  - namespaceSelector:");
        o.line(2, "      matchLabels:");
        o.line(2, "        kubernetes.io/metadata.name: ingress-nginx");
    }
}

fn quota_doc(o: &mut Out, rng: &mut Rng, app: &App) {
    o.line(0, "apiVersion: v1");
    o.line(0, "kind: ResourceQuota");
    metadata(o, rng, "compute", Some(&app.namespace), app);
    o.line(0, "spec:");
    o.line(2, "hard:");
    o.line(4, format!("requests.cpu: \"{}\"", rng.range(2, 32)));
    o.line(4, format!("requests.memory: {}Gi", rng.range(4, 64)));
    o.line(4, format!("limits.memory: {}Gi", rng.range(8, 128)));
    o.line(4, "pods: \"50\"");
}
