# K8S020 storageclass-encrypted: volumes of cloud storage classes are encrypted.
package infralint.kubernetes.storage_class

metadata := {"id": "K8S020"}

ebs := {"kubernetes.io/aws-ebs", "ebs.csi.aws.com"}

azure_disk := {"kubernetes.io/azure-disk", "disk.csi.azure.com"}

gce_pd := {"kubernetes.io/gce-pd", "pd.csi.storage.gke.io"}

# `parameters:` left empty (as Helm renders an unset block) is null: no parameters.
params := p if {
	p := object.get(input.attributes, "parameters", {})
	is_object(p)
} else := {}

# Parameters are strings in the API; accept a YAML boolean too.
truthy(v) if v == true

truthy(v) if {
	is_string(v)
	lower(v) == "true"
}

# A parameter with a non-empty value (Helm renders an unset value as "").
given(key) if {
	v := params[key]
	is_string(v)
	trim_space(v) != ""
}

deny contains {"msg": msg, "path": ["parameters", "encrypted"]} if {
	input.attributes.provisioner in ebs
	not truthy(object.get(params, "encrypted", false))
	msg := sprintf("StorageClass %s provisions unencrypted EBS volumes; set parameters.encrypted: \"true\" (and kmsKeyId)", [input.name])
}

deny contains {"msg": msg, "path": ["parameters", "encryptInTransit"]} if {
	input.attributes.provisioner == "efs.csi.aws.com"
	v := params.encryptInTransit
	not truthy(v)
	msg := sprintf("StorageClass %s mounts EFS without encryption in transit", [input.name])
}

# Azure Disk and Persistent Disk are encrypted with platform keys at least;
# the guides ask for KMS-managed keys, which these parameters select.
deny contains {"msg": msg, "path": ["parameters", "diskEncryptionSetID"]} if {
	input.attributes.provisioner in azure_disk
	not given("diskEncryptionSetID")
	msg := sprintf("StorageClass %s uses only platform-managed keys; set parameters.diskEncryptionSetID to a customer-managed key", [input.name])
}

deny contains {"msg": msg, "path": ["parameters", "disk-encryption-kms-key"]} if {
	input.attributes.provisioner in gce_pd
	not given("disk-encryption-kms-key")
	msg := sprintf("StorageClass %s uses only Google-managed keys; set parameters.disk-encryption-kms-key to a Cloud KMS key", [input.name])
}
