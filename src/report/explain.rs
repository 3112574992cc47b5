//! A rule explained: `infra-lint explain RULE` (text for a terminal, markdown
//! or JSON) and `docs/rules.md` (`infra-lint rules --format markdown`) render
//! the same content from the registry.

use crate::rules::{Rule, Scope};

/// GitHub's reading of a `security-severity` score.
pub fn severity_name(score: &str) -> &'static str {
    match score.parse::<f64>() {
        Ok(s) if s >= 9.0 => "critical",
        Ok(s) if s >= 7.0 => "high",
        Ok(s) if s >= 4.0 => "medium",
        Ok(s) if s > 0.0 => "low",
        _ => "none",
    }
}

/// Where a rule applies, in words.
pub fn scope_text(scope: Scope) -> &'static str {
    match scope {
        Scope::All => "all environments",
        Scope::Prod => "production (one level lower in staging, not in development)",
    }
}

/// The anchor of a rule's section in `docs/rules.md` (SARIF `helpUri`).
pub fn anchor(rule: &Rule) -> String {
    rule.meta.id.to_ascii_lowercase()
}

/// How to change the rule in `.infra-lint.yaml` (level, and settings when it has some).
fn config_example(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut s = format!("rules:\n  {}:\n    level: {}\n", m.id, m.level.as_str());
    if !m.settings.is_empty() {
        s.push_str("    settings:\n");
        for setting in m.settings {
            s.push_str(&format!("      {}: {}\n", setting.name, setting.default));
        }
    }
    s
}

/// Wrap plain text at `width` columns, each line prefixed with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
                out.push_str(indent);
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// `infra-lint explain RULE` for a terminal.
pub fn text(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut s = format!("{} {}: {}\n\n", m.id, m.slug, m.title);
    let fields = [
        ("level", format!("{} (default)", m.level.as_str())),
        ("environments", scope_text(m.scope).to_string()),
        (
            "security-severity",
            format!(
                "{} ({})",
                m.security_severity,
                severity_name(m.security_severity)
            ),
        ),
        ("guide", m.guide.to_string()),
        ("engine", rule.engine().to_string()),
        ("tags", m.tags.join(", ")),
    ];
    for (name, value) in fields {
        s.push_str(&format!("  {name:<18} {value}\n"));
    }
    s.push_str("\nWhy\n");
    s.push_str(&wrap(m.rationale, 80, "  "));
    s.push_str("\nHow to fix\n");
    for line in m.help.lines() {
        if line.is_empty() {
            s.push('\n');
        } else {
            s.push_str("  ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s.push_str("\nSettings\n");
    if m.settings.is_empty() {
        s.push_str("  none\n");
    } else {
        for setting in m.settings {
            s.push_str(&format!(
                "  {} (default: {})\n",
                setting.name, setting.default
            ));
            s.push_str(&wrap(setting.help, 80, "      "));
        }
    }
    s.push_str("\nConfigure (.infra-lint.yaml)\n");
    for line in config_example(rule).lines() {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(&format!(
        "\nSuppress one finding\n  # infra-lint:ignore {} <reason>\n",
        m.id
    ));
    s
}

/// A table cell: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// One rule as a markdown section (`## ID`, so its anchor is the lowercased id).
pub fn markdown(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut s = format!("## {}\n\n**{}**: {}\n\n", m.id, m.slug, cell(m.title));
    s.push_str("| | |\n|---|---|\n");
    let tags: Vec<String> = m.tags.iter().map(|t| format!("`{t}`")).collect();
    for (name, value) in [
        ("Level", format!("{} (default)", m.level.as_str())),
        ("Environments", scope_text(m.scope).to_string()),
        (
            "Security severity",
            format!(
                "{} ({})",
                m.security_severity,
                severity_name(m.security_severity)
            ),
        ),
        ("Guide", m.guide.to_string()),
        ("Engine", rule.engine().to_string()),
        ("Tags", tags.join(", ")),
    ] {
        s.push_str(&format!("| {name} | {} |\n", cell(&value)));
    }
    s.push_str(&format!("\n{}\n\n", m.rationale.trim()));
    s.push_str(&format!("**How to fix.** {}\n\n", m.help.trim()));
    if m.settings.is_empty() {
        s.push_str("**Settings:** none.\n\n");
    } else {
        s.push_str("**Settings**\n\n| setting | default | meaning |\n|---|---|---|\n");
        for setting in m.settings {
            s.push_str(&format!(
                "| `{}` | `{}` | {} |\n",
                setting.name,
                cell(setting.default),
                cell(setting.help)
            ));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "**Configure** in `.infra-lint.yaml`:\n\n```yaml\n{}```\n\n",
        config_example(rule)
    ));
    s.push_str(&format!(
        "**Suppress** one finding: `# infra-lint:ignore {} <reason>`.\n",
        m.id
    ));
    s
}

/// One rule as JSON: every registry field, and the engine.
pub fn json(rule: &Rule) -> serde_json::Value {
    let mut v = serde_json::to_value(&rule.meta).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("engine".to_string(), serde_json::json!(rule.engine()));
        map.insert(
            "security_severity_name".to_string(),
            serde_json::json!(severity_name(rule.meta.security_severity)),
        );
    }
    v
}

/// `docs/rules.md`: an index and one section per rule.
pub fn document(rules: &[&Rule]) -> String {
    let mut s = String::from(
        "# Rules\n\n\
         <!-- Generated from the rule registry by `infra-lint rules --format markdown`: do not edit.\n     \
         Regenerate with `cargo run --quiet -- rules --format markdown > docs/rules.md`. -->\n\n\
         Every built-in rule of infra-lint. On the command line, `infra-lint explain ID` (or slug)\n\
         prints the same text; `infra-lint rules` lists the rules.\n\n\
         Rules marked *production* apply fully to production resources, one level lower to staging\n\
         and not at all to development (see the README, \"Environments\"). Levels, settings and\n\
         switches can be changed in `.infra-lint.yaml` (README, \"Configuration\").\n\n\
         | id | slug | level | environments | title |\n|---|---|---|---|---|\n",
    );
    for r in rules {
        let m = &r.meta;
        s.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            m.id,
            anchor(r),
            m.slug,
            m.level.as_str(),
            match m.scope {
                Scope::All => "all",
                Scope::Prod => "production",
            },
            cell(m.title)
        ));
    }
    for r in rules {
        s.push('\n');
        s.push_str(&markdown(r));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities() {
        assert_eq!(severity_name("9.0"), "critical");
        assert_eq!(severity_name("7.5"), "high");
        assert_eq!(severity_name("5.0"), "medium");
        assert_eq!(severity_name("3.0"), "low");
    }

    #[test]
    fn wraps_words() {
        assert_eq!(wrap("a b c", 5, "  "), "  a b\n  c\n");
    }

    #[test]
    fn every_rule_renders() {
        for r in crate::rules::builtin() {
            let t = text(r);
            assert!(t.starts_with(r.meta.id), "{t}");
            assert!(markdown(r).starts_with(&format!("## {}\n", r.meta.id)));
        }
    }
}
