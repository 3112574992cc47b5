# ACME001: every workload carries the labels the platform team routes alerts by.
package infralint.acme.required_labels

metadata := {
	"id": "ACME001",
	"title": "Workloads carry team and app.kubernetes.io/name labels",
	"severity": "warning",
	"env": "all",
	"resource_types": ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"],
	"help": "Add `metadata.labels.team` and `metadata.labels[\"app.kubernetes.io/name\"]` so alerts reach the owning team.",
}

required := ["team", "app.kubernetes.io/name"]

deny contains {"msg": msg, "path": ["metadata", "labels", label]} if {
	some label in required
	not input.attributes.metadata.labels[label]
	msg := sprintf("%s has no %q label", [input.address, label])
}
