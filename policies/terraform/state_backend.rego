# AWS080 state-backend-secure: an S3 state backend encrypts the state and locks it.
#
# Input: a `terraform_backend` resource (a root module's `backend "s3" { … }`),
# its arguments in `input.attributes`. A value listed in `input.unknown` cannot
# be judged and never reports. A backend block with no arguments at all is a
# partial configuration completed at `terraform init` (`-backend-config`): it
# is not judged either.
package infralint.terraform.state_backend

metadata := {"id": "AWS080"}

# `encrypt = true`, or the string "true" Terraform converts.
on(v) if v == true

on(v) if {
	is_string(v)
	lower(v) == "true"
}

unknown(key) if {
	some p in input.unknown
	p[0] == key
}

judged if {
	input.type == "terraform_backend"
	input.name == "s3"
	count(object.keys(object.get(input, "attributes", {}))) > 0
}

encrypted if on(input.attributes.encrypt)

locked if {
	table := input.attributes.dynamodb_table
	is_string(table)
	table != ""
}

locked if on(input.attributes.use_lockfile)

deny contains {"msg": msg, "path": ["encrypt"]} if {
	judged
	not unknown("encrypt")
	not encrypted
	msg := sprintf("%s does not set encrypt = true: the state (with every secret it holds) is stored unencrypted", [input.address])
}

deny contains {"msg": msg, "path": path} if {
	judged
	not unknown("dynamodb_table")
	not unknown("use_lockfile")
	not locked
	path := lock_path
	msg := sprintf("%s has no state locking (dynamodb_table or use_lockfile = true): concurrent runs can corrupt the state", [input.address])
}

# At `use_lockfile = false` when it is there, else at the block (the header).
lock_path := ["use_lockfile"] if {
	"use_lockfile" in object.keys(input.attributes)
} else := ["dynamodb_table"]
