# K8S021 rbac-wildcard: Roles grant named verbs on named resources.
package infralint.kubernetes.rbac_wildcard

metadata := {"id": "K8S021"}

# A list, or nothing: an empty `rules:` or `verbs:` (as Helm renders an unset
# block) is null, and one null field must not hide the other rules. Written
# inline, without a helper function: a function call per rule and field was
# most of this policy's time.
deny contains {"msg": msg, "path": ["rules", i, field, j]} if {
	rules := object.get(input.attributes, "rules", [])
	is_array(rules)
	some i, rule in rules
	is_object(rule)
	some field in ["verbs", "resources", "apiGroups"]
	values := object.get(rule, field, [])
	is_array(values)
	some j, value in values
	value == "*"
	msg := sprintf("%s grants * in %s (rule %d); list what is needed", [input.address, field, i])
}
