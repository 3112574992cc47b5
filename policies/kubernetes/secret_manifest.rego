# K8S019 secret-in-manifest: Secret values do not belong in Git.
package infralint.kubernetes.secret_manifest

metadata := {"id": "K8S019"}

deny contains {"msg": msg, "path": [field]} if {
	some field in ["data", "stringData"]
	values := input.attributes[field]
	is_object(values)
	count(values) > 0
	msg := sprintf("%s commits %d value(s) in %s; deliver them with ExternalSecret or a secret store", [input.address, count(values), field])
}
