# ACME003 (cross-resource): a Service must select the pods of some workload in
# its namespace; uses the inventory instead of joining in a loop per resource.
package infralint.acme.service_selects_workload

metadata := {
	"id": "ACME003",
	"title": "Services select an existing workload",
	"severity": "warning",
	"env": "all",
	"resource_types": ["Service"],
	"help": "Fix `spec.selector` so it matches the pod labels of a workload in the same namespace, or delete the Service.",
}

workload_kinds := ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]

namespace_of(obj) := object.get(obj, ["metadata", "namespace"], "default")

selects(selector, labels) if {
	every key, value in selector {
		labels[key] == value
	}
}

matched if {
	some kind in workload_kinds
	some w in data.infralint.inventory[kind]
	namespace_of(w.attributes) == namespace_of(input.attributes)
	selects(input.attributes.spec.selector, w.attributes.spec.template.metadata.labels)
}

deny contains {"msg": msg, "path": ["spec", "selector"]} if {
	input.attributes.spec.selector
	not input.attributes.spec.type == "ExternalName"
	not matched
	msg := sprintf("%s selects no workload in namespace %s", [input.address, namespace_of(input.attributes)])
}
