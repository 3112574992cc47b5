package infralint.acme.required_labels

test_missing_team_label if {
	results := deny with input as {"address": "Deployment/shop/api", "attributes": {"metadata": {"labels": {"app.kubernetes.io/name": "api"}}}}
	count(results) == 1
	some r in results
	r.path == ["metadata", "labels", "team"]
}

test_all_labels_present if {
	count(deny) == 0 with input as {"address": "Deployment/shop/api", "attributes": {"metadata": {"labels": {"team": "checkout", "app.kubernetes.io/name": "api"}}}}
}
