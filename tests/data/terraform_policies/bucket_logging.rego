package infralint.test_bucket_logging

import rego.v1

metadata := {
	"id": "TFTEST1",
	"title": "S3 buckets log access",
	"severity": "warning",
	"resource_types": ["aws_s3_bucket"],
}

deny contains {"msg": sprintf("%s has no logging", [input.address]), "path": ["logging"]} if {
	not input.attributes.logging
}

deny contains {"msg": sprintf("%s is named %s", [input.address, input.attributes.bucket]), "path": ["bucket"]} if {
	startswith(input.attributes.bucket, "acme-")
}
