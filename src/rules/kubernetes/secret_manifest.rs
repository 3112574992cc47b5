//! K8S019 secret-in-manifest (Rego: `policies/kubernetes/secret_manifest.rego`).

use crate::model::Platform;
use crate::rules::{Applies, Check, Level, Rule, RuleMeta, Scope};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S019",
        slug: "secret-in-manifest",
        title: "Secret values must not be committed",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 External Secrets Operator; 003 \"never in Git\"",
        tags: &["security", "kubernetes", "secrets"],
        rationale: "`data` is only base64, not encryption: a Secret with values in a manifest puts them in Git history for good. The guides deliver secrets from a store (Vault, a cloud secret manager) through External Secrets.",
        help: "Replace the Secret with an ExternalSecret (or a sealed/encrypted secret).\n\n**Bad**\n\n```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n```\n\n**Good**\n\n```yaml\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  secretStoreRef:\n    name: vault\n    kind: ClusterSecretStore\n  target:\n    name: db\n  data:\n  - secretKey: password\n    remoteRef:\n      key: shop/db\n      property: password\n```",
        settings: &[],
        applies: Applies::Kinds(Platform::Kubernetes, &["Secret"]),
    },
    check: Check::Rego {
        package: "infralint.kubernetes.secret_manifest",
        file: "policies/kubernetes/secret_manifest.rego",
        source: include_str!("../../../policies/kubernetes/secret_manifest.rego"),
    },
};
