# K8S015 namespace-pod-security: every Namespace enforces a Pod Security Standard.
package infralint.kubernetes.namespace_pod_security

metadata := {"id": "K8S015"}

label := "pod-security.kubernetes.io/enforce"

enforced := {"baseline", "restricted"}

deny contains {"msg": msg, "path": ["metadata", "labels", label]} if {
	value := object.get(input.attributes, ["metadata", "labels", label], null)
	not value in enforced
	msg := describe(value)
}

describe(null) := sprintf("Namespace %s has no %s label; set it to baseline or restricted", [input.name, label])

describe(value) := sprintf("Namespace %s enforces the %v Pod Security Standard; use baseline or restricted", [input.name, value]) if value != null
