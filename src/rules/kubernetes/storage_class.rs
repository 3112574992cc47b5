//! K8S020 storageclass-encrypted (Rego: `policies/kubernetes/storage_class.rego`).

use crate::model::Platform;
use crate::rules::{Applies, Check, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S020",
        slug: "storageclass-encrypted",
        title: "Cloud storage classes must encrypt volumes",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "003 Storage Classes; 000 encryption at rest",
        tags: &["security", "kubernetes", "encryption"],
        rationale: "Every persistent volume a StorageClass provisions inherits its encryption. EBS volumes are unencrypted unless `encrypted: \"true\"`; EFS mounts can turn off TLS with `encryptInTransit: \"false\"`; Azure Disk and Persistent Disk use platform keys unless a customer-managed key (`diskEncryptionSetID`, `disk-encryption-kms-key`) is given, and the guides require KMS-managed keys.",
        help: "Turn on encryption in the provisioner's parameters.\n\n**Bad**\n\n```yaml\nkind: StorageClass\nprovisioner: ebs.csi.aws.com\nparameters:\n  type: gp3\n```\n\n**Good**\n\n```yaml\nkind: StorageClass\nprovisioner: ebs.csi.aws.com\nparameters:\n  type: gp3\n  encrypted: \"true\"\n  kmsKeyId: arn:aws:kms:eu-west-1:111122223333:key/example\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, &["StorageClass"]),
    },
    check: Check::Rego {
        package: "infralint.kubernetes.storage_class",
        file: "policies/kubernetes/storage_class.rego",
        source: include_str!("../../../policies/kubernetes/storage_class.rego"),
    },
};
