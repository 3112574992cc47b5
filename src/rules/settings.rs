//! Rule settings: defaults from the registry, overridable per rule.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{Rule, RuleMeta};

#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Overrides by rule id, then setting name.
    pub overrides: BTreeMap<String, BTreeMap<String, Value>>,
    /// Parsed defaults by rule id, with their setting names, filled by
    /// [`Settings::parse_defaults`]: rules read their settings once per
    /// resource, and parsing the JSON default each time showed in profiles.
    defaults: HashMap<&'static str, Vec<(&'static str, Value)>>,
}

impl Settings {
    /// Parse the defaults of `rules` once, for every later [`Settings::get`].
    pub fn parse_defaults(&mut self, rules: &[&'static Rule]) {
        for rule in rules {
            for s in rule.meta.settings {
                if let Ok(v) = serde_json::from_str(s.default) {
                    self.defaults
                        .entry(rule.meta.id)
                        .or_default()
                        .push((s.name, v));
                }
            }
        }
    }

    /// The value of setting `name` of `rule`: the override, else the default.
    pub fn get(&self, rule: &RuleMeta, name: &str) -> Cow<'_, Value> {
        if let Some(v) = self.overrides.get(rule.id).and_then(|m| m.get(name)) {
            return Cow::Borrowed(v);
        }
        let mut parsed = self.defaults.get(rule.id).into_iter().flatten();
        if let Some((_, v)) = parsed.find(|(n, _)| *n == name) {
            return Cow::Borrowed(v);
        }
        Cow::Owned(
            rule.settings
                .iter()
                .find(|s| s.name == name)
                .and_then(|s| serde_json::from_str(s.default).ok())
                .unwrap_or(Value::Null),
        )
    }

    pub fn bool(&self, rule: &RuleMeta, name: &str) -> bool {
        self.get(rule, name).as_bool().unwrap_or(false)
    }

    pub fn strings(&self, rule: &RuleMeta, name: &str) -> Vec<String> {
        match &*self.get(rule, name) {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_defaults_and_overrides_agree_with_the_registry() {
        let rule = crate::rules::find("AWS071").expect("AWS071 is registered");
        let fresh = Settings::default();
        let mut parsed = Settings::default();
        parsed.parse_defaults(&[rule]);
        let want = vec!["Environment", "Owner", "CostCenter"];
        assert_eq!(fresh.strings(&rule.meta, "required_tags"), want);
        assert_eq!(parsed.strings(&rule.meta, "required_tags"), want);
        assert!(!parsed.bool(&rule.meta, "exact_case"));
        parsed.overrides.insert(
            "AWS071".into(),
            BTreeMap::from([("exact_case".to_string(), Value::Bool(true))]),
        );
        assert!(parsed.bool(&rule.meta, "exact_case"));
        assert_eq!(*parsed.get(&rule.meta, "no_such_setting"), Value::Null);
    }
}
