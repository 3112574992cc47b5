# K8S002 no-privilege-escalation, written in Rego for the per-resource
# benchmark (benches/scan.rs): the same checks, paths and messages as the
# native rule in src/rules/kubernetes/security_flags.rs, on the input shape of
# policies/kubernetes/privileged.rego (input.pod.containers[*]).
package bench.no_privilege_escalation

field := "allowPrivilegeEscalation"

# Every container must set securityContext.allowPrivilegeEscalation to false itself.
deny contains {"msg": msg, "path": path} if {
	some c in input.pod.containers
	not c.spec.securityContext[field] == false
	path := array.concat(c.path, ["securityContext", field])
	msg := describe(c)
}

describe(c) := sprintf("%s %q of %s sets %s to %v", [c.label, c.name, input.address, field, c.spec.securityContext[field]])

describe(c) := sprintf("%s %q of %s does not set %s: false", [c.label, c.name, input.address, field]) if {
	not has_flag(c)
}

has_flag(c) if {
	_ = c.spec.securityContext[field]
}
