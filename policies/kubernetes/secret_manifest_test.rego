package infralint.kubernetes.secret_manifest

# Inputs shaped like `infra-lint inspect --format json` prints a Secret.
secret(fields) := {
	"platform": "kubernetes",
	"kind": "Secret",
	"type": "Secret",
	"name": "db",
	"namespace": "shop",
	"address": "Secret/shop/db",
	"related": {},
	"attributes": object.union({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"}}, fields),
}

test_data_denied if {
	results := deny with input as secret({"data": {"user": "YWRtaW4=", "password": "czNjcjN0"}})
	count(results) == 1
	some r in results
	r.path == ["data"]
	r.msg == "Secret/shop/db commits 2 value(s) in data; deliver them with ExternalSecret or a secret store"
}

test_data_and_string_data_denied if {
	results := deny with input as secret({"data": {"a": "YQ=="}, "stringData": {"b": "b"}})
	{r.path | some r in results} == {["data"], ["stringData"]}
}

test_empty_data_passes if {
	count(deny) == 0 with input as secret({"data": {}})
}

# `data:` left empty (as Helm renders an unset block) is null.
test_null_data_passes if {
	count(deny) == 0 with input as secret({"data": null})
}

test_secret_without_values_passes if {
	count(deny) == 0 with input as secret({"type": "kubernetes.io/service-account-token"})
}
