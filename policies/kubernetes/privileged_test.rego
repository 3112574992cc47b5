package infralint.kubernetes.privileged

# Inputs shaped like `infra-lint inspect --format json` prints a Deployment.
pod_path := ["spec", "template", "spec"]

container(kind, label, i, name, security) := {
	"name": name,
	"type": kind,
	"label": label,
	"index": i,
	"path": array.concat(pod_path, [kind, i]),
	"spec": {"name": name, "image": "ghcr.io/acme/app:1.0.0", "securityContext": security},
}

deployment(spec, containers) := {
	"platform": "kubernetes",
	"kind": "Deployment",
	"type": "Deployment",
	"name": "web",
	"namespace": "shop",
	"address": "Deployment/shop/web",
	"pod": {"path": pod_path, "spec": spec, "containers": containers},
}

test_privileged_container_denied if {
	results := deny with input as deployment({}, [container("containers", "container", 0, "web", {"privileged": true})])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"]
	r.msg == "container \"web\" of Deployment/shop/web runs privileged"
}

test_privileged_init_container_denied if {
	results := deny with input as deployment({}, [
		container("initContainers", "init container", 0, "setup", {"privileged": true}),
		container("containers", "container", 0, "web", {}),
	])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "initContainers", 0, "securityContext", "privileged"]
	contains(r.msg, "init container \"setup\"")
}

test_host_namespaces_denied if {
	results := deny with input as deployment({"hostNetwork": true, "hostPID": true, "hostIPC": false}, [])
	paths := {r.path | some r in results}
	paths == {["spec", "template", "spec", "hostNetwork"], ["spec", "template", "spec", "hostPID"]}
}

test_host_ipc_message if {
	some r in deny with input as deployment({"hostIPC": true}, [])
	r.msg == "Deployment/shop/web shares the node's IPC namespace (hostIPC: true)"
}

test_unprivileged_pod_passes if {
	count(deny) == 0 with input as deployment(
		{"hostNetwork": false},
		[container("containers", "container", 0, "web", {"privileged": false})],
	)
}

# A YAML string "true" is not the boolean Kubernetes would require.
test_string_true_is_not_privileged if {
	count(deny) == 0 with input as deployment({}, [container("containers", "container", 0, "web", {"privileged": "true"})])
}

test_resource_without_pod_passes if {
	count(deny) == 0 with input as {"kind": "Service", "address": "Service/shop/web", "attributes": {}}
}
