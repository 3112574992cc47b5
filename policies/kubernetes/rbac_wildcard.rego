# K8S021 rbac-wildcard: Roles grant named verbs on named resources.
package infralint.kubernetes.rbac_wildcard

metadata := {"id": "K8S021"}

deny contains {"msg": msg, "path": ["rules", i, field, j]} if {
	some i, rule in input.attributes.rules
	some field in ["verbs", "resources", "apiGroups"]
	some j, value in rule[field]
	value == "*"
	msg := sprintf("%s grants * in %s (rule %d); list what is needed", [input.address, field, i])
}
