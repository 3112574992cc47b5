package infralint.terraform.state_backend

# Shaped like `infra-lint inspect --format json` prints a backend.
backend(attributes, unknown) := {
	"platform": "terraform",
	"type": "terraform_backend",
	"kind": "terraform_backend",
	"name": "s3",
	"address": "terraform.backend.s3",
	"attributes": attributes,
	"unknown": unknown,
	"references": [],
	"related": {},
}

base := {"bucket": "acme-tfstate", "key": "network/terraform.tfstate", "region": "eu-west-1"}

test_encrypted_and_locked_passes if {
	count(deny) == 0 with input as backend(object.union(base, {"encrypt": true, "dynamodb_table": "tf-locks"}), [])
}

test_lockfile_locks if {
	count(deny) == 0 with input as backend(object.union(base, {"encrypt": "true", "use_lockfile": true}), [])
}

test_unencrypted_denied_at_encrypt if {
	results := deny with input as backend(object.union(base, {"encrypt": false, "dynamodb_table": "tf-locks"}), [])
	count(results) == 1
	some r in results
	r.path == ["encrypt"]
	r.msg == "terraform.backend.s3 does not set encrypt = true: the state (with every secret it holds) is stored unencrypted"
}

test_missing_everything_denied_twice if {
	results := deny with input as backend(base, [])
	{r.path | some r in results} == {["encrypt"], ["dynamodb_table"]}
}

test_lockfile_false_denied_there if {
	some r in deny with input as backend(object.union(base, {"encrypt": true, "use_lockfile": false}), [])
	r.path == ["use_lockfile"]
	contains(r.msg, "no state locking")
}

test_empty_table_is_no_lock if {
	count(deny) == 1 with input as backend(object.union(base, {"encrypt": true, "dynamodb_table": ""}), [])
}

test_unknown_values_are_not_judged if {
	count(deny) == 0 with input as backend(
		object.union(base, {"encrypt": null, "dynamodb_table": null}),
		[["encrypt"], ["dynamodb_table"]],
	)
}

test_partial_configuration_is_not_judged if {
	count(deny) == 0 with input as backend({}, [])
}

test_other_backends_pass if {
	count(deny) == 0 with input as object.union(backend({"path": "terraform.tfstate"}, []), {"name": "local"})
}

test_other_resources_pass if {
	count(deny) == 0 with input as {"type": "aws_s3_bucket", "name": "s3", "address": "aws_s3_bucket.s3", "attributes": {"bucket": "x"}, "unknown": []}
}
