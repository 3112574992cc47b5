package infralint.kubernetes.namespace_pod_security

# Inputs shaped like `infra-lint inspect --format json` prints a Namespace.
namespace(labels) := {
	"platform": "kubernetes",
	"kind": "Namespace",
	"type": "Namespace",
	"name": "shop",
	"namespace": null,
	"address": "Namespace/shop",
	"related": {},
	"attributes": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": labels}},
}

test_missing_label_denied if {
	results := deny with input as namespace({"team": "checkout"})
	count(results) == 1
	some r in results
	r.path == ["metadata", "labels", "pod-security.kubernetes.io/enforce"]
	r.msg == "Namespace shop has no pod-security.kubernetes.io/enforce label; set it to baseline or restricted"
}

test_no_labels_at_all_denied if {
	count(deny) == 1 with input as {"name": "shop", "attributes": {"metadata": {"name": "shop"}}}
}

test_privileged_standard_denied if {
	some r in deny with input as namespace({"pod-security.kubernetes.io/enforce": "privileged"})
	r.msg == "Namespace shop enforces the privileged Pod Security Standard; use baseline or restricted"
}

test_baseline_passes if {
	count(deny) == 0 with input as namespace({"pod-security.kubernetes.io/enforce": "baseline"})
}

test_restricted_passes if {
	count(deny) == 0 with input as namespace({"pod-security.kubernetes.io/enforce": "restricted"})
}

# Only `enforce` counts: `warn` and `audit` do not stop a pod.
test_warn_mode_alone_denied if {
	count(deny) == 1 with input as namespace({"pod-security.kubernetes.io/warn": "restricted"})
}
