# K8S005 privileged-or-host-namespaces: no privileged containers, no host namespaces.
package infralint.kubernetes.privileged

metadata := {"id": "K8S005"}

host_fields := {"hostNetwork": "network", "hostPID": "process", "hostIPC": "IPC"}

deny contains {"msg": msg, "path": path} if {
	some c in input.pod.containers
	c.spec.securityContext.privileged == true
	path := array.concat(c.path, ["securityContext", "privileged"])
	msg := sprintf("%s %q of %s runs privileged", [c.label, c.name, input.address])
}

deny contains {"msg": msg, "path": path} if {
	some field, what in host_fields
	input.pod.spec[field] == true
	path := array.concat(input.pod.path, [field])
	msg := sprintf("%s shares the node's %s namespace (%s: true)", [input.address, what, field])
}
