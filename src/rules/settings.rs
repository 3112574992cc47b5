//! Rule settings: defaults from the registry, overridable per rule.

use std::collections::BTreeMap;

use serde_json::Value;

use super::RuleMeta;

#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Overrides by rule id, then setting name.
    pub overrides: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Settings {
    /// The value of setting `name` of `rule`: the override, else the default.
    pub fn get(&self, rule: &RuleMeta, name: &str) -> Value {
        if let Some(v) = self.overrides.get(rule.id).and_then(|m| m.get(name)) {
            return v.clone();
        }
        rule.settings
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| serde_json::from_str(s.default).ok())
            .unwrap_or(Value::Null)
    }

    pub fn bool(&self, rule: &RuleMeta, name: &str) -> bool {
        self.get(rule, name).as_bool().unwrap_or(false)
    }

    pub fn strings(&self, rule: &RuleMeta, name: &str) -> Vec<String> {
        match self.get(rule, name) {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
}
