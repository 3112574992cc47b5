package infralint.acme.trusted_registry

pod(image) := {"address": "Deployment/shop/api", "pod": {"containers": [{"name": "api", "label": "container", "path": ["spec", "template", "spec", "containers", 0], "spec": {"name": "api", "image": image}}]}}

test_docker_hub_image_denied if {
	some r in deny with input as pod("nginx:1.25.3")
	r.path == ["spec", "template", "spec", "containers", 0, "image"]
}

test_company_image_allowed if {
	count(deny) == 0 with input as pod("ghcr.io/acme/api:v2.4.1")
}
