# ACME002: images come from the company registry only.
package infralint.acme.trusted_registry

metadata := {
	"id": "ACME002",
	"title": "Images come from the trusted registry",
	"severity": "error",
	"env": "all",
	"resource_types": ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"],
	"help": "Mirror the image into `ghcr.io/acme/` and reference it from there.",
}

trusted_prefixes := ["ghcr.io/acme/", "registry.acme.internal/"]

trusted(image) if {
	some prefix in trusted_prefixes
	startswith(image, prefix)
}

deny contains {"msg": msg, "path": array.concat(c.path, ["image"])} if {
	some c in input.pod.containers
	not trusted(c.spec.image)
	msg := sprintf("%s %q of %s uses %s, outside the trusted registries", [c.label, c.name, input.address, c.spec.image])
}
