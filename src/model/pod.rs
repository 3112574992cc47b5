//! One pod-spec view over every workload kind, so rules are written once.

use super::{AttrPath, Node, Resource, Seg, Value};

/// Kinds with a pod template, and where the pod spec sits in each.
pub fn pod_spec_path(kind: &str) -> Option<AttrPath> {
    let keys: &[&str] = match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "PodTemplate" => &["template", "spec"],
        _ => return None,
    };
    Some(AttrPath::root().join(keys.iter().copied()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Container,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContainerKind::Container => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// A container of a pod spec, with its path inside the resource (built
/// when asked for: most checks of most containers report nothing).
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub node: &'a Node,
    pub name: &'a str,
    pod_path: &'a AttrPath,
    index: usize,
}

impl Container<'_> {
    /// Its path inside the resource: `spec.template.spec.containers[0]`.
    pub fn path(&self) -> AttrPath {
        self.at(std::iter::empty::<Seg>())
    }

    /// The path of `segs` below the container.
    pub fn at<I, S>(&self, segs: I) -> AttrPath
    where
        I: IntoIterator<Item = S>,
        S: Into<Seg>,
    {
        let mut path = self
            .pod_path
            .join([Seg::from(self.kind.field()), Seg::Index(self.index)]);
        path.0.extend(segs.into_iter().map(Into::into));
        path
    }

    /// Its index in its list (`containers`, `initContainers`, …).
    pub fn index(&self) -> usize {
        self.index
    }

    /// A native sidecar: an init container that keeps running with the pod.
    pub fn is_sidecar(&self) -> bool {
        self.kind == ContainerKind::Init
            && self.node.get("restartPolicy").and_then(Node::as_str) == Some("Always")
    }

    /// Describes the container for messages: `container "web"`.
    pub fn describe(&self) -> String {
        format!("{} \"{}\"", self.kind.label(), self.name)
    }
}

/// The pod spec of a workload.
pub struct PodView<'a> {
    pub spec: &'a Node,
    pub path: &'a AttrPath,
    pub resource: &'a Resource,
}

impl<'a> PodView<'a> {
    pub fn of(resource: &'a Resource) -> Option<PodView<'a>> {
        let path = resource.pod_spec.as_ref()?;
        let spec = resource.attributes.at(&path.0)?;
        Some(PodView {
            spec,
            path,
            resource,
        })
    }

    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for kind in [
            ContainerKind::Init,
            ContainerKind::Container,
            ContainerKind::Ephemeral,
        ] {
            let Some(list) = self.spec.get(kind.field()) else {
                continue;
            };
            for (i, node) in list.items().iter().enumerate() {
                out.push(Container {
                    kind,
                    node,
                    name: node.get("name").and_then(Node::as_str).unwrap_or("?"),
                    pod_path: self.path,
                    index: i,
                });
            }
        }
        out
    }

    /// The pod template's metadata (a Pod's own): beside its spec.
    pub fn metadata(&self) -> Option<&'a Node> {
        let parent = &self.path.0[..self.path.0.len().saturating_sub(1)];
        self.resource.attributes.at(parent)?.get("metadata")
    }

    /// Whether Istio's injector fills the pod in (`sidecar.istio.io/inject`
    /// true, or an `inject.istio.io/templates` annotation): it replaces
    /// `image: auto` with the proxy image when the pod is created.
    pub fn istio_injected(&self) -> bool {
        let Some(meta) = self.metadata() else {
            return false;
        };
        let field = |group: &str, key: &str| meta.get(group).and_then(|m| m.get(key));
        field("annotations", "inject.istio.io/templates").is_some()
            || ["labels", "annotations"].iter().any(|g| {
                field(g, "sidecar.istio.io/inject")
                    .and_then(Node::scalar_text)
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            })
    }

    /// Whether the workload runs until stopped (not a Job, CronJob or run-once Pod).
    pub fn is_long_running(&self) -> bool {
        match &*self.resource.kind {
            "Job" | "CronJob" => false,
            "Pod" => !matches!(
                self.spec.get("restartPolicy").and_then(Node::as_str),
                Some("Never" | "OnFailure")
            ),
            _ => true,
        }
    }

    /// A securityContext field as the container sees it: its own setting,
    /// else the pod's. Returns the node and its path. A `null` is unset, as
    /// Kubernetes reads it: a container's `null` falls back to the pod.
    pub fn effective_security(
        &self,
        container: &Container<'a>,
        field: &str,
    ) -> Option<(&'a Node, AttrPath)> {
        let set = |n: &&Node| !matches!(n.value, Value::Null);
        if let Some(n) = container
            .node
            .get_path(&["securityContext", field])
            .filter(set)
        {
            return Some((n, container.at(["securityContext", field])));
        }
        let n = self
            .spec
            .get_path(&["securityContext", field])
            .filter(set)?;
        Some((n, self.path.join(["securityContext", field])))
    }
}
