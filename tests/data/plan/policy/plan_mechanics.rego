package infralint.test_plan_mechanics

import rego.v1

# Findings on built-in `terraform_data` resources, for the plan tests: they
# show which instances a plan yields and which values are known.
metadata := {
	"id": "TFPLAN1",
	"title": "terraform_data instances, for plan tests",
	"severity": "warning",
	"resource_types": ["terraform_data"],
}

# Known only after apply for `each["a"]`/`each["b"]` (their input changes).
deny contains {"msg": sprintf("%s has a known output", [input.address]), "path": ["output"]} if {
	is_string(input.attributes.output)
}

deny contains {"msg": sprintf("%s is enabled", [input.address]), "path": ["input", "enabled"]} if {
	input.attributes.input.enabled == true
}

deny contains {"msg": sprintf("%s has two triggers", [input.address]), "path": ["triggers_replace"]} if {
	count(input.attributes.triggers_replace) == 2
}

deny contains {"msg": sprintf("%s says bye", [input.address]), "path": ["input"]} if {
	input.attributes.input == "bye"
}
