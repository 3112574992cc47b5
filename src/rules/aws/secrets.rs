//! Secrets Manager rules: AWS031 secret-rotation-enabled, AWS032
//! secret-rotation-period.
//!
//! A secret and its rotation are linked by the rotation's `secret_id`: a
//! reference (`aws_secretsmanager_secret.db.id`, through locals, `for_each`
//! and local modules), or a literal equal to the secret's `name` in the same
//! root module. Provider v3/v4 configurations may still rotate inline on the
//! secret (`rotation_lambda_arn` / `rotation_rules`): that counts too.

use super::rds::{named, referenced, related_at, setting_f64, starts_with_key, str_value};
use super::vpc::of_kind;
use super::{attr, blocks, companions, number};
use crate::model::{AttrPath, Node, Platform, Resource, Seg, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

const SECRET: &str = "aws_secretsmanager_secret";
const ROTATION: &str = "aws_secretsmanager_secret_rotation";

/// AWS031. An `aws_secretsmanager_secret` that no
/// `aws_secretsmanager_secret_rotation` rotates. A rotation whose `secret_id`
/// is unknown and references nothing (a module input without a value) could
/// rotate any secret of its root module: those secrets pass.
///
/// Location: the secret's header — the fix is a new resource next to it.
pub static ROTATION_ENABLED: Rule = Rule {
    meta: RuleMeta {
        id: "AWS031",
        slug: "secret-rotation-enabled",
        title: "Secrets Manager secrets are rotated",
        level: Level::Warning,
        security_severity: "5.0",
        scope: Scope::All,
        guide: "000 Secret Rotation",
        tags: &["security", "terraform", "aws", "secrets"],
        rationale: "A secret that is never rotated stays valid for as long as it exists: one leak through a log line, a laptop or a former employee gives lasting access. Secrets Manager rotates a secret on a schedule with a rotation Lambda (or natively for RDS-managed credentials) once an `aws_secretsmanager_secret_rotation` is attached.",
        help: r#"Attach an `aws_secretsmanager_secret_rotation` with a rotation Lambda and a schedule.

**Bad**

```hcl
resource "aws_secretsmanager_secret" "db" {
  name = "prod/orders/db"
}
```

**Good**

```hcl
resource "aws_secretsmanager_secret" "db" {
  name = "prod/orders/db"
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = aws_lambda_function.rotate_postgres.arn

  rotation_rules {
    automatically_after_days = 30
  }
}
```"#,
        settings: &[],
        applies: Applies::Kinds(Platform::Terraform, &[SECRET]),
    },
    check: Check::Native(rotation_enabled),
};

fn rotation_enabled(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    // Provider v3/v4 inline rotation.
    if attr(r, "rotation_lambda_arn").is_some()
        || !blocks(&r.attributes, "rotation_rules").is_empty()
    {
        return;
    }
    if !companions(ctx, r, ROTATION, "secret_id").is_empty() {
        return;
    }
    if let Some(name) = str_value(r, "name") {
        if !named(ctx, r, ROTATION, "secret_id", name).is_empty() {
            return;
        }
    }
    let undecided = of_kind(ctx, r, ROTATION).into_iter().any(|o| {
        attr(o, "secret_id").is_some_and(Node::is_unknown)
            && !o
                .references
                .iter()
                .any(|(p, _)| starts_with_key(p, "secret_id"))
    });
    if undecided {
        return;
    }
    out.push(Hit::new(
        AttrPath::root(),
        format!(
            "{} has no aws_secretsmanager_secret_rotation: the secret is never rotated",
            r.address
        ),
    ));
}

/// AWS032. A rotation interval longer than the limit of the secret's class:
/// `rotation_rules.automatically_after_days`, or `schedule_expression`
/// `rate(N days)` (`rate(N hours)` likewise; `cron(…)` is not evaluated and
/// passes). The class comes from the rotated secret's `name`/`name_prefix`,
/// `description` and `tags` (keys and values; not provider default tags),
/// read as words (`prod/orders-db`, `ordersDbPassword`): db, database, rds,
/// postgres(ql), mysql, redis → database (30 days); api, apikey → API key
/// (90); jwt → JWT (7); else other (90). Several classes: the shortest limit.
/// When the secret is not in the scan, a literal `secret_id` (its name or
/// ARN) is read instead; an unknown one is "other".
///
/// Location: the interval attribute in the rotation (where the fix goes); the
/// secret's header is a related location naming what decided the class.
pub static ROTATION_PERIOD: Rule = Rule {
    meta: RuleMeta {
        id: "AWS032",
        slug: "secret-rotation-period",
        title: "Secrets rotate as often as their kind requires",
        level: Level::Error,
        security_severity: "7.5",
        scope: Scope::All,
        guide: "000 Secret Rotation \"Database credentials: Every 30 days; API keys: Every 90 days; JWT tokens: Every 7 days\"",
        tags: &["security", "terraform", "aws", "secrets"],
        rationale: "Rotation bounds how long a leaked secret stays useful. The guides set the bound per kind of secret: database credentials every 30 days, API keys every 90, JWT signing keys every 7 (a leaked signing key forges any identity). A schedule longer than that leaves the window open longer than the policy accepts.",
        help: r#"Rotate within the limit of the secret's kind: `automatically_after_days` (or `schedule_expression = "rate(N days)"`) of at most 30 for database credentials, 90 for API keys, 7 for JWT signing keys, 90 for other secrets.

**Bad**

```hcl
resource "aws_secretsmanager_secret" "db" {
  name = "prod/orders/db-password"
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = aws_lambda_function.rotate.arn

  rotation_rules {
    automatically_after_days = 90
  }
}
```

**Good**

```hcl
resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = aws_lambda_function.rotate.arn

  rotation_rules {
    automatically_after_days = 30
  }
}
```"#,
        settings: &[
            Setting {
                name: "database_max_days",
                default: "30",
                help: "Longest rotation interval for database credentials.",
            },
            Setting {
                name: "api_key_max_days",
                default: "90",
                help: "Longest rotation interval for API keys.",
            },
            Setting {
                name: "jwt_max_days",
                default: "7",
                help: "Longest rotation interval for JWT signing keys.",
            },
            Setting {
                name: "other_max_days",
                default: "90",
                help: "Longest rotation interval for other secrets.",
            },
        ],
        applies: Applies::Kinds(Platform::Terraform, &[ROTATION, SECRET]),
    },
    check: Check::Native(rotation_period),
};

/// A class of secret: its name in messages, setting and default limit.
#[derive(Clone, Copy)]
struct Class {
    label: &'static str,
    setting: &'static str,
    default_days: f64,
}

const DATABASE: Class = Class {
    label: "database credentials",
    setting: "database_max_days",
    default_days: 30.0,
};
const API_KEY: Class = Class {
    label: "an API key",
    setting: "api_key_max_days",
    default_days: 90.0,
};
const JWT: Class = Class {
    label: "a JWT signing key",
    setting: "jwt_max_days",
    default_days: 7.0,
};
const OTHER: Class = Class {
    label: "a secret of no specific kind",
    setting: "other_max_days",
    default_days: 90.0,
};

fn rotation_period(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    let secret = if &*r.kind == SECRET {
        // Only the legacy inline rotation of a secret has an interval.
        if blocks(&r.attributes, "rotation_rules").is_empty() {
            return;
        }
        Some(r)
    } else {
        let mut found = referenced(ctx, r, "secret_id", SECRET);
        if found.is_empty() {
            if let Some(id) = str_value(r, "secret_id") {
                found = named(ctx, r, SECRET, "name", id);
            }
        }
        found.first().copied()
    };
    let Some((days, at)) = interval(r) else {
        return;
    };
    // The texts that classify the secret, with what they are, for messages.
    let texts: Vec<(String, String)> = match secret {
        Some(s) => secret_texts(s),
        None => match str_value(r, "secret_id") {
            Some(id) => vec![("secret_id".to_string(), id.to_string())],
            None => Vec::new(),
        },
    };
    let (class, because) = classify(ctx, &texts);
    let limit = setting_f64(ctx, class.setting, class.default_days);
    if days <= limit {
        return;
    }
    let subject = match secret {
        Some(s) if !std::ptr::eq(s, r) => format!("{} rotates {}", r.address, s.address),
        _ => format!("{} rotates", r.address),
    };
    let mut hit = Hit::new(
        at,
        format!(
            "{subject} every {days} days; {} must rotate at least every {limit} days",
            class.label
        ),
    );
    if let (Some(s), Some(because)) = (secret, because) {
        if !std::ptr::eq(s, r) {
            hit.related.push(related_at(
                s,
                &AttrPath::root(),
                format!(
                    "{} is classed as {} by its {because}",
                    s.address, class.label
                ),
            ));
        }
    }
    out.push(hit);
}

/// The rotation interval in days and the attribute path it is written at;
/// `None` when unset, unknown or a `cron()` schedule.
fn interval(r: &Resource) -> Option<(f64, AttrPath)> {
    let rules = blocks(&r.attributes, "rotation_rules").first()?;
    let at = |name: &str| {
        AttrPath::root().join([Seg::from("rotation_rules"), Seg::from(0), Seg::from(name)])
    };
    if let Some(n) = rules.get("automatically_after_days") {
        if !matches!(n.value, Value::Null) {
            return match number(Some(n)) {
                Ok(Some(days)) => Some((days, at("automatically_after_days"))),
                _ => None,
            };
        }
    }
    let expr = rules.get("schedule_expression")?.as_str()?;
    let days = rate_days(expr)?;
    Some((days, at("schedule_expression")))
}

/// `rate(N days)` / `rate(N hours)` in days.
fn rate_days(expr: &str) -> Option<f64> {
    let inner = expr.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let mut words = inner.split_whitespace();
    let n: f64 = words.next()?.parse().ok()?;
    match words.next()?.to_ascii_lowercase().as_str() {
        "day" | "days" => Some(n),
        "hour" | "hours" => Some(n / 24.0),
        _ => None,
    }
}

/// (what, text) pairs a secret is classified by.
fn secret_texts(s: &Resource) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for name in ["name", "name_prefix", "description"] {
        if let Some(v) = str_value(s, name) {
            texts.push((name.replace('_', " "), v.to_string()));
        }
    }
    if let Some(tags) = attr(s, "tags") {
        for e in tags.entries() {
            let value = e.value.as_str().unwrap_or_default();
            texts.push(("tag".to_string(), format!("{} = {value}", e.key)));
        }
    }
    texts
}

/// The strictest class the texts name, and which text decided it.
fn classify(ctx: &Ctx, texts: &[(String, String)]) -> (Class, Option<String>) {
    let mut best: Option<(Class, f64, String)> = None;
    for (what, text) in texts {
        let words = words(text);
        let has = |w: &[&str]| words.iter().any(|x| w.contains(&x.as_str()));
        let pair = |a: &str, b: &str| words.windows(2).any(|p| p[0] == a && p[1] == b);
        let mut classes = Vec::new();
        if has(&[
            "db",
            "database",
            "databases",
            "rds",
            "postgres",
            "postgresql",
            "mysql",
            "redis",
        ]) {
            classes.push(DATABASE);
        }
        if has(&["api", "apikey", "apikeys"]) || pair("api", "key") {
            classes.push(API_KEY);
        }
        if has(&["jwt"]) {
            classes.push(JWT);
        }
        for c in classes {
            let limit = setting_f64(ctx, c.setting, c.default_days);
            if best.as_ref().is_none_or(|(_, l, _)| limit < *l) {
                best = Some((c, limit, format!("{what} \"{text}\"")));
            }
        }
    }
    match best {
        Some((c, _, because)) => (c, Some(because)),
        None => (OTHER, None),
    }
}

/// Lower-case words of a name: split at anything not a letter or digit, at
/// lower→upper case changes (`dbPassword`), before the last capital of a
/// capital run (`APIKey` → api, key) and between letters and digits
/// (`postgres15`).
fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_uppercase() && c.is_uppercase() && next_lower)
                || (prev.is_alphabetic() && c.is_ascii_digit())
                || (prev.is_ascii_digit() && c.is_alphabetic());
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{rate_days, words};

    #[test]
    fn words_split_names() {
        assert_eq!(
            words("prod/orders-db_password"),
            ["prod", "orders", "db", "password"]
        );
        assert_eq!(words("ordersDbPassword"), ["orders", "db", "password"]);
        assert_eq!(words("StripeAPIKey"), ["stripe", "api", "key"]);
        assert_eq!(words("postgres15-main"), ["postgres", "15", "main"]);
        assert_eq!(words("feedback rapid"), ["feedback", "rapid"]);
    }

    #[test]
    fn rates() {
        assert_eq!(rate_days("rate(10 days)"), Some(10.0));
        assert_eq!(rate_days("rate(1 day)"), Some(1.0));
        assert_eq!(rate_days("rate(48 hours)"), Some(2.0));
        assert_eq!(rate_days("cron(0 16 1,15 * ? *)"), None);
    }
}
