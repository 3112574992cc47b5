package infralint.kubernetes.storage_class

# Inputs shaped like `infra-lint inspect --format json` prints a StorageClass.
storage_class(provisioner, parameters) := {
	"platform": "kubernetes",
	"kind": "StorageClass",
	"type": "StorageClass",
	"name": "fast",
	"namespace": null,
	"address": "StorageClass/fast",
	"related": {},
	"attributes": {
		"apiVersion": "storage.k8s.io/v1",
		"kind": "StorageClass",
		"metadata": {"name": "fast"},
		"provisioner": provisioner,
		"parameters": parameters,
	},
}

test_unencrypted_ebs_denied if {
	results := deny with input as storage_class("ebs.csi.aws.com", {"type": "gp3"})
	count(results) == 1
	some r in results
	r.path == ["parameters", "encrypted"]
	startswith(r.msg, "StorageClass fast provisions unencrypted EBS volumes")
}

test_ebs_encrypted_false_denied if {
	count(deny) == 1 with input as storage_class("kubernetes.io/aws-ebs", {"encrypted": "false"})
}

test_ebs_encrypted_passes if {
	count(deny) == 0 with input as storage_class("ebs.csi.aws.com", {"encrypted": "true"})
	count(deny) == 0 with input as storage_class("ebs.csi.aws.com", {"encrypted": "True"})
	count(deny) == 0 with input as storage_class("ebs.csi.aws.com", {"encrypted": true})
}

# `parameters:` left empty (as Helm renders an unset block) is null: no parameters.
test_ebs_null_parameters_denied if {
	count(deny) == 1 with input as storage_class("ebs.csi.aws.com", null)
}

test_ebs_without_parameters_denied if {
	count(deny) == 1 with input as {"name": "fast", "attributes": {"provisioner": "ebs.csi.aws.com"}}
}

test_efs_without_transit_encryption_denied if {
	some r in deny with input as storage_class("efs.csi.aws.com", {"encryptInTransit": "false"})
	r.path == ["parameters", "encryptInTransit"]
}

test_efs_transit_encryption_passes if {
	count(deny) == 0 with input as storage_class("efs.csi.aws.com", {"encryptInTransit": "true"})
}

test_azure_disk_platform_keys_denied if {
	some r in deny with input as storage_class("disk.csi.azure.com", {"skuName": "Premium_LRS"})
	r.path == ["parameters", "diskEncryptionSetID"]
}

# Helm renders an unset value as "": no key given.
test_azure_disk_empty_key_denied if {
	count(deny) == 1 with input as storage_class("kubernetes.io/azure-disk", {"diskEncryptionSetID": " "})
}

test_azure_disk_customer_key_passes if {
	count(deny) == 0 with input as storage_class("disk.csi.azure.com", {"diskEncryptionSetID": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/diskEncryptionSets/z"})
}

test_gce_pd_google_keys_denied if {
	some r in deny with input as storage_class("pd.csi.storage.gke.io", {"type": "pd-ssd"})
	r.path == ["parameters", "disk-encryption-kms-key"]
}

test_gce_pd_kms_key_passes if {
	count(deny) == 0 with input as storage_class("kubernetes.io/gce-pd", {"disk-encryption-kms-key": "projects/p/locations/l/keyRings/r/cryptoKeys/k"})
}

test_other_provisioner_passes if {
	count(deny) == 0 with input as storage_class("rancher.io/local-path", {})
}
