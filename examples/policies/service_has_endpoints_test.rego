package infralint.acme.service_selects_workload

svc := {"address": "Service/shop/api", "attributes": {"metadata": {"namespace": "shop"}, "spec": {"selector": {"app": "api"}}}}

deploy(ns, app) := {"attributes": {"metadata": {"namespace": ns}, "spec": {"template": {"metadata": {"labels": {"app": app}}}}}}

test_orphan_service if {
	count(deny) == 1 with input as svc with data.infralint.inventory as {"Deployment": [deploy("shop", "web")]}
}

test_workload_in_other_namespace_does_not_count if {
	count(deny) == 1 with input as svc with data.infralint.inventory as {"Deployment": [deploy("other", "api")]}
}

test_selected_workload if {
	count(deny) == 0 with input as svc with data.infralint.inventory as {"Deployment": [deploy("shop", "api")]}
}
