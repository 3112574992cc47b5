//! K8S018 secret-literal-in-env.

use super::each_container;
use crate::model::{Node, Resource, Seg};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "K8S018",
        slug: "secret-literal-in-env",
        title: "Secrets must not be literal environment values",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "003 Helm values (secretKeyRef); \"Secrets in Vault (never in Git)\"",
        tags: &["security", "kubernetes", "secrets"],
        rationale: "A password or token written as a literal `value` is in Git, in every rendered manifest and readable by anyone who can read the workload. Reference a Secret (`valueFrom.secretKeyRef`) fed by the secret store instead. Names that only point at a secret (`*_FILE`, `*_PATH`, `*_NAME`, `*_URL`…) are not secrets, nor are values that do: an absolute file path (`GOOGLE_APPLICATION_CREDENTIALS: /var/secrets/google/key.json`, a mounted Secret), a `$(OTHER_VAR)` reference or an empty value, nor switches (`ALLOW_EMPTY_PASSWORD: \"no\"`: true/false, yes/no, on/off, enabled/disabled, 1/0).",
        help: "Use `valueFrom.secretKeyRef`.\n\n**Bad**\n\n```yaml\nenv:\n- name: DB_PASSWORD\n  value: hunter2\n```\n\n**Good**\n\n```yaml\nenv:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-credentials\n      key: password\n```",
        settings: &[Setting {
            name: "secret_name_patterns",
            default: r#"["PASSWORD","PASSWD","SECRET","TOKEN","API_KEY","APIKEY","PRIVATE_KEY","CREDENTIALS"]"#,
            help: "Substrings of an upper-cased variable name that mark it as secret.",
        }],
        applies: Applies::Workloads,
    },
    check: Check::Native(check),
};

/// Suffixes of names that hold where a secret is, not the secret itself.
const REFERENCE_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_HOST",
    "_PORT",
    "_REF",
    "_KEY_ID",
    "_ID",
    "_ENABLED",
    "_TTL",
    "_EXPIRY",
    "_EXPIRATION",
    "_HEADER",
    "_LENGTH",
    "_TYPE",
    "_MODE",
    "_VERSION",
    "_REGION",
    "_FIELD",
    "_ARN",
];

/// Top folders a path to a mounted secret starts from.
const PATH_ROOTS: &[&str] = &[
    "etc",
    "var",
    "run",
    "secrets",
    "secret",
    "vault",
    "mnt",
    "opt",
    "home",
    "tmp",
    "srv",
    "config",
    "certs",
    "usr",
    "data",
    "app",
    "workspace",
];

/// An absolute file path (`/var/secrets/google/key.json`): where a mounted
/// secret is, not the secret. At least two `/`, no whitespace, and a known
/// top folder or a file extension (`.json`), which base64 (`/h2i17M8/gToy`,
/// it has `/` but no `.`) and sentences do not have.
fn is_file_path(value: &str) -> bool {
    let Some(rest) = value.strip_prefix('/') else {
        return false;
    };
    let Some((top, _)) = rest.split_once('/') else {
        return false;
    };
    let file = rest.rsplit('/').next().unwrap_or_default();
    !rest.contains(char::is_whitespace)
        && (PATH_ROOTS.contains(&top)
            || file
                .rsplit_once('.')
                .is_some_and(|(_, ext)| !ext.is_empty()))
}

/// An on/off value (`"no"`, `"True"`, `disabled`, `1`): what a variable
/// named `ALLOW_EMPTY_PASSWORD` or `ENABLE_TOKEN_AUTH` holds.
fn is_switch(value: &str) -> bool {
    const SWITCHES: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "1", "0",
    ];
    let v = value.trim();
    SWITCHES.iter().any(|s| v.eq_ignore_ascii_case(s))
}

fn check(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let patterns = ctx.settings.strings(ctx.rule, "secret_name_patterns");
    each_container(r, |_, c| {
        let Some(env) = c.node.get("env") else { return };
        for (i, var) in env.items().iter().enumerate() {
            let Some(name) = var.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(value) = var.get("value").and_then(Node::scalar_text) else {
                continue;
            };
            let upper = name.to_ascii_uppercase();
            let looks_secret = patterns.iter().any(|p| upper.contains(p.as_str()))
                && !REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s));
            // Empty values, `$(OTHER_VAR)` references, paths to a mounted
            // secret file and switches (`ALLOW_EMPTY_PASSWORD: "no"`) carry
            // no secret.
            let literal = !value.trim().is_empty()
                && !value.trim_start().starts_with("$(")
                && !is_file_path(&value)
                && !is_switch(&value);
            if looks_secret && literal {
                out.push(Hit::new(c.at([Seg::from("env"), Seg::Index(i), Seg::from("value")]), format!(
                        "env var {name} of {} in {} has a literal value; use valueFrom.secretKeyRef",
                        c.describe(),
                        r.address
                    )));
            }
        }
    });
}
