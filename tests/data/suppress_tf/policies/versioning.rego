package infralint.test.versioning

metadata := {"id": "TEST001", "title": "Inline versioning stays on", "severity": "error", "resource_types": ["aws_s3_bucket"]}

deny contains {"msg": sprintf("%s turns versioning off", [input.address]), "path": ["versioning", i, "enabled"]} if {
	some i, block in input.attributes.versioning
	block.enabled == false
}
