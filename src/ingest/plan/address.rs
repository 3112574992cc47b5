//! Terraform addresses and references as text: `module.a["x"].aws_s3_bucket.b[0]`,
//! `aws_s3_bucket.b.id`, `each.value`, `module.m.bucket_id`.

/// One `.`-separated step with the first `[…]` index after it, as written
/// (`["x"]`, `[0]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub key: Option<String>,
}

/// Split a traversal into steps; `None` when it is not one.
pub fn steps(s: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    let mut name = String::new();
    let mut key: Option<String> = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '.' => {
                out.push(Step {
                    name: std::mem::take(&mut name),
                    key: key.take(),
                });
            }
            '[' => {
                let start = i;
                let mut end = None;
                let mut in_str = false;
                let mut escaped = false;
                for (j, d) in chars.by_ref() {
                    if in_str {
                        if escaped {
                            escaped = false;
                        } else if d == '\\' {
                            escaped = true;
                        } else if d == '"' {
                            in_str = false;
                        }
                    } else if d == '"' {
                        in_str = true;
                    } else if d == ']' {
                        end = Some(j);
                        break;
                    }
                }
                let end = end?;
                if key.is_none() {
                    key = Some(s[start..=end].to_string());
                }
            }
            _ => {
                if key.is_some() {
                    // `x[0]y` is not a traversal.
                    return None;
                }
                name.push(c);
            }
        }
    }
    out.push(Step { name, key });
    if out.iter().any(|s| s.name.is_empty()) {
        return None;
    }
    Some(out)
}

/// A resource instance address, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// Module calls, outermost first: (`a`, `Some("[\"x\"]")`).
    pub module: Vec<Step>,
    pub data: bool,
    pub ty: String,
    pub name: String,
    pub key: Option<String>,
}

impl Address {
    pub fn parse(s: &str) -> Option<Address> {
        let steps = steps(s)?;
        let mut i = 0;
        let mut module = Vec::new();
        while steps
            .get(i)
            .is_some_and(|s| s.name == "module" && s.key.is_none())
            && steps.len() > i + 2
        {
            module.push(steps[i + 1].clone());
            i += 2;
        }
        let data = steps
            .get(i)
            .is_some_and(|s| s.name == "data" && s.key.is_none());
        if data {
            i += 1;
        }
        let ty = steps.get(i)?;
        let name = steps.get(i + 1)?;
        if ty.key.is_some() || steps.len() != i + 2 {
            return None;
        }
        Some(Address {
            module,
            data,
            ty: ty.name.clone(),
            name: name.name.clone(),
            key: name.key.clone(),
        })
    }

    /// `module.a["x"].module.b` (empty in the root module).
    pub fn module_prefix(&self) -> String {
        module_prefix(&self.module)
    }

    /// The module call names, outermost first (the configuration's path).
    pub fn module_names(&self) -> Vec<String> {
        self.module.iter().map(|s| s.name.clone()).collect()
    }

    /// `aws_s3_bucket.b` or `data.aws_iam_policy_document.p`: the address
    /// inside its module, without index.
    pub fn local(&self) -> String {
        if self.data {
            format!("data.{}.{}", self.ty, self.name)
        } else {
            format!("{}.{}", self.ty, self.name)
        }
    }

    /// The full address without the resource's own index.
    pub fn base(&self) -> String {
        join(&self.module_prefix(), &self.local())
    }
}

/// `module.a["x"].module.b` from module steps.
pub fn module_prefix(module: &[Step]) -> String {
    let mut out = String::new();
    for m in module {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str("module.");
        out.push_str(&m.name);
        if let Some(k) = &m.key {
            out.push_str(k);
        }
    }
    out
}

/// `prefix.rest`, or `rest` when the prefix is empty.
pub fn join(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{prefix}.{rest}")
    }
}

/// The address with every index removed: `module.a.aws_s3_bucket.b` for
/// `module.a["x"].aws_s3_bucket.b[0]` (what a configuration block is called).
pub fn strip_keys(s: &str) -> String {
    match steps(s) {
        Some(steps) => steps
            .into_iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join("."),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = Address::parse(r#"module.a["x.y]"].module.b.aws_s3_bucket.c[0]"#).unwrap();
        assert_eq!(a.module_prefix(), r#"module.a["x.y]"].module.b"#);
        assert_eq!(a.module_names(), vec!["a", "b"]);
        assert_eq!(a.local(), "aws_s3_bucket.c");
        assert_eq!(a.key.as_deref(), Some("[0]"));
        assert_eq!(a.base(), r#"module.a["x.y]"].module.b.aws_s3_bucket.c"#);
        let d = Address::parse("data.aws_iam_policy_document.p").unwrap();
        assert!(d.data);
        assert_eq!(d.base(), "data.aws_iam_policy_document.p");
        assert_eq!(
            strip_keys(r#"module.a["k"].aws_s3_bucket.b["x"]"#),
            "module.a.aws_s3_bucket.b"
        );
        assert!(Address::parse("aws_s3_bucket").is_none());
        assert!(Address::parse("aws_s3_bucket.b.id").is_none());
        // A resource type called `module` is not a module call.
        assert_eq!(
            Address::parse("module.m").map(|a| a.ty),
            Some("module".into())
        );
    }

    #[test]
    fn references() {
        let s = steps(r#"aws_s3_bucket.b["k"].id"#).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].key.as_deref(), Some(r#"["k"]"#));
        assert_eq!(steps("each.value").unwrap()[1].name, "value");
        assert!(steps("a..b").is_none());
        assert!(steps("a[0").is_none());
    }
}
