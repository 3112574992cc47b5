package infralint.kubernetes.rbac_wildcard

# Inputs shaped like `infra-lint inspect --format json` prints a Role.
role(rules) := {
	"platform": "kubernetes",
	"kind": "Role",
	"type": "Role",
	"name": "worker",
	"namespace": "shop",
	"address": "Role/shop/worker",
	"related": {},
	"attributes": {
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind": "Role",
		"metadata": {"name": "worker", "namespace": "shop"},
		"rules": rules,
	},
}

test_wildcard_verb_denied if {
	results := deny with input as role([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "*"]}])
	count(results) == 1
	some r in results
	r.path == ["rules", 0, "verbs", 1]
	r.msg == "Role/shop/worker grants * in verbs (rule 0); list what is needed"
}

test_every_wildcard_denied if {
	results := deny with input as role([
		{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
		{"apiGroups": ["*"], "resources": ["*"], "verbs": ["list"]},
	])
	{r.path | some r in results} == {["rules", 1, "apiGroups", 0], ["rules", 1, "resources", 0]}
}

test_named_verbs_and_resources_pass if {
	count(deny) == 0 with input as role([{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}])
}

# An empty `rules:` (as Helm renders an unset block) is null: nothing granted.
test_null_rules_pass if {
	count(deny) == 0 with input as role(null)
}

# One null field does not hide the wildcard in another.
test_null_field_does_not_hide_others if {
	some r in deny with input as role([{"apiGroups": null, "resources": ["*"], "verbs": ["get"]}])
	r.path == ["rules", 0, "resources", 0]
}

test_aggregated_cluster_role_passes if {
	count(deny) == 0 with input as {"kind": "ClusterRole", "address": "ClusterRole/view", "attributes": {"aggregationRule": {"clusterRoleSelectors": []}}}
}
