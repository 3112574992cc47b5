//! Kubernetes manifests (and Helm output) to model resources.

use crate::environment::Classifier;
use crate::ingest::helm;
use crate::ingest::kustomize::Builds;
use crate::ingest::yaml::{self, YamlError};
use crate::model::{pod, EnvSource, Environment, HelmOrigin, Node, Platform, Resource, Value};
use crate::source::{FileId, SourceFile};

/// Kinds that live outside namespaces (their address carries no namespace).
pub const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PersistentVolume",
    "CustomResourceDefinition",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "Node",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "PodSecurityPolicy",
    "VolumeSnapshotClass",
];

/// What a YAML file yields.
pub enum Outcome {
    Resources(Vec<Resource>),
    /// Valid YAML without any Kubernetes object: skipped silently.
    NotKubernetes,
    /// A Helm template or similar that is not YAML until rendered: skipped.
    Template,
    Invalid(YamlError),
}

/// Go-template actions that only Helm charts use: such a file is a chart
/// template even when it happens to parse as YAML (`image: "{{ .Values.x }}"`).
/// Bare `{{ $labels.x }}` (Prometheus rules in ConfigMaps) does not count, and
/// the markers count only inside an action: a rendered stream may hold
/// `{{ duration }}` in one ConfigMap and `include "` in a CRD description.
/// Returns the byte offsets of such actions.
fn helm_actions(text: &str) -> Vec<usize> {
    const MARKERS: &[&str] = &[
        ".Values.",
        ".Release.",
        ".Chart.",
        "include \"",
        "template \"",
        "toYaml",
        ".Capabilities.",
    ];
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{") {
        let at = from + open;
        let action = &text[at + 2..];
        let Some(close) = action.find("}}") else {
            break;
        };
        if MARKERS.iter().any(|m| action[..close].contains(m)) {
            found.push(at);
        }
        from = at + 2 + close + 2;
    }
    found
}

/// Whether every Helm action at `actions` is text inside a multi-line string
/// (a block scalar below its `|` line), as in rendered output that carries
/// templates as data (istio's sidecar injector ConfigMap). In a chart
/// template an action sits where its value goes.
fn actions_are_data(file: &SourceFile, actions: &[usize], docs: &[yaml::Document]) -> bool {
    let mut blocks: Vec<(u32, u32)> = Vec::new();
    for doc in docs {
        multi_line_strings(&doc.root, doc.root.span.start.line, &mut blocks);
    }
    actions.iter().all(|&at| {
        let line = file.pos_of_offset(at).line;
        blocks
            .iter()
            .any(|&(start, end)| start < line && line <= end)
    })
}

/// The lines of strings under `node` that hold text below where they start:
/// (after, last) for a string whose lines `after + 1 ..= last` are such text
/// (a block scalar below its key at `key_line`, a quoted string's
/// continuation lines).
fn multi_line_strings(node: &Node, key_line: u32, out: &mut Vec<(u32, u32)>) {
    match &node.value {
        Value::Str(_) => {
            // A block scalar's node starts at its first content line, below
            // the key's `|` line.
            let after = key_line.min(node.span.start.line);
            if node.span.end.line > after {
                out.push((after, node.span.end.line));
            }
        }
        Value::Seq(items) => items
            .iter()
            .for_each(|n| multi_line_strings(n, n.span.start.line, out)),
        Value::Map(entries) => entries
            .iter()
            .for_each(|e| multi_line_strings(&e.value, e.key_span.start.line, out)),
        _ => {}
    }
}

/// `builds`: what the kustomizations listing the file do to its objects.
pub fn ingest(
    file: &SourceFile,
    id: FileId,
    classifier: &Classifier,
    builds: Option<&Builds>,
) -> Outcome {
    let actions = helm_actions(&file.text);
    let docs = match yaml::parse_stream(&file.text) {
        Ok(d) => d,
        // Go templates (`{{ … }}`) are not YAML before rendering.
        Err(_) if file.text.contains("{{") => return Outcome::Template,
        Err(e) => return Outcome::Invalid(e),
    };
    if !actions.is_empty() && !actions_are_data(file, &actions, &docs) {
        return Outcome::Template;
    }
    let mut resources = Vec::new();
    let comments = if file.text.contains("Source:") {
        helm::source_comments(&file.text)
    } else {
        Vec::new()
    };
    let mut prev_end = 0;
    for doc in docs {
        let start = doc.root.span.start.line;
        let end = doc.root.span.end.line;
        let first = resources.len();
        collect(doc.root, file, id, classifier, builds, &mut resources);
        if let Some(source) = helm::source_for(&comments, prev_end, start) {
            for r in &mut resources[first..] {
                r.helm = Some(HelmOrigin {
                    source: source.clone(),
                    template: None,
                });
            }
        }
        prev_end = end;
    }
    if resources.is_empty() {
        Outcome::NotKubernetes
    } else {
        Outcome::Resources(resources)
    }
}

fn is_object(node: &Node) -> bool {
    node.get("apiVersion").and_then(Node::as_str).is_some()
        && node.get("kind").and_then(Node::as_str).is_some()
}

/// Add `node` as a resource, or its items when it is a `List`.
fn collect(
    node: Node,
    file: &SourceFile,
    id: FileId,
    classifier: &Classifier,
    builds: Option<&Builds>,
    out: &mut Vec<Resource>,
) {
    // A `$patch` directive (`$patch: delete`) makes the document a
    // strategic-merge patch, whatever file it sits in.
    if !is_object(&node) || node.get("$patch").is_some() {
        return;
    }
    let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
    if kind == "List" || (kind.ends_with("List") && node.get("items").is_some()) {
        let Value::Map(entries) = node.value else {
            return;
        };
        for entry in entries {
            if &*entry.key == "items" {
                if let Value::Seq(items) = entry.value.value {
                    for item in items {
                        collect(item, file, id, classifier, builds, out);
                    }
                }
            }
        }
        return;
    }
    out.push(resource(node, file, id, classifier, builds));
}

fn resource(
    mut node: Node,
    file: &SourceFile,
    id: FileId,
    classifier: &Classifier,
    builds: Option<&Builds>,
) -> Resource {
    if let Some(b) = builds {
        b.rewrite_images(&mut node);
    }
    let text = |path: &[&str]| node.get_path(path).and_then(Node::scalar_text);
    let kind: Box<str> = text(&["kind"]).unwrap_or_default().into();
    let api_version = text(&["apiVersion"]).map(Into::into);
    let built_namespace = builds.and_then(Builds::namespace);
    // kustomize's namespace renames the Namespace objects it builds.
    let name: Box<str> = match built_namespace {
        Some(ns) if &*kind == "Namespace" => ns.into(),
        _ => text(&["metadata", "name"])
            .or_else(|| text(&["metadata", "generateName"]))
            .unwrap_or_else(|| "<unnamed>".to_string())
            .into(),
    };
    let cluster_scoped = CLUSTER_SCOPED.contains(&&*kind);
    // kustomize's namespace replaces the written one.
    let namespace: Option<Box<str>> = match built_namespace {
        Some(ns) if !cluster_scoped => Some(ns.into()),
        _ => text(&["metadata", "namespace"]).map(Into::into),
    };
    let address = if cluster_scoped {
        format!("{kind}/{name}")
    } else {
        format!(
            "{kind}/{}/{name}",
            namespace.as_deref().unwrap_or("default")
        )
    };
    let label = |k: &str| text(&["metadata", "labels", k]);
    let own_name = (kind.as_ref() == "Namespace").then(|| name.to_string());
    let markers = [
        label("environment"),
        label("env"),
        namespace.as_deref().map(str::to_string),
        own_name,
    ];
    let marker_refs: Vec<Option<&str>> = markers.iter().map(Option::as_deref).collect();
    let (environment, env_source): (Environment, EnvSource) =
        classifier.classify(file_class_path(file), &marker_refs);
    let pod_spec = pod::pod_spec_path(&kind);
    Resource {
        platform: Platform::Kubernetes,
        file: id,
        kind,
        api_version,
        name,
        namespace,
        address,
        environment,
        env_source,
        attributes: node,
        pod_spec,
        helm: None,
        header_span: None,
        origin: Vec::new(),
        references: Vec::new(),
        keyed: Vec::new(),
        count_unknown: false,
    }
}

fn file_class_path(file: &SourceFile) -> &str {
    file.class_path.as_deref().unwrap_or(&file.display)
}

/// Give a namespaced object without `metadata.namespace` the namespace it
/// will be applied to (`--namespace`), as `kubectl apply -n` would.
pub fn apply_default_namespace(r: &mut Resource, namespace: &str) {
    if r.platform != Platform::Kubernetes
        || r.namespace.is_some()
        || CLUSTER_SCOPED.contains(&&*r.kind)
    {
        return;
    }
    r.namespace = Some(namespace.into());
    r.address = format!("{}/{namespace}/{}", r.kind, r.name);
}
