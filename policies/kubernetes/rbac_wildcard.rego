# K8S021 rbac-wildcard: Roles grant named verbs on named resources.
package infralint.kubernetes.rbac_wildcard

metadata := {"id": "K8S021"}

# A list, or nothing: an empty `rules:` or `verbs:` (as Helm renders an unset
# block) is null, and one null field must not hide the other rules.
list_at(obj, key) := v if {
	v := object.get(obj, key, [])
	is_array(v)
} else := []

deny contains {"msg": msg, "path": ["rules", i, field, j]} if {
	some i, rule in list_at(input.attributes, "rules")
	is_object(rule)
	some field in ["verbs", "resources", "apiGroups"]
	some j, value in list_at(rule, field)
	value == "*"
	msg := sprintf("%s grants * in %s (rule %d); list what is needed", [input.address, field, i])
}
