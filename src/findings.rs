//! Findings: what rules report, in the order reports print them.

use rayon::slice::ParallelSliceMut;

use crate::model::AttrPath;
use crate::rules::Level;
use crate::source::{Location, SourceFile};
use crate::suppress::Suppression;

#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule_id: &'static str,
    pub level: Level,
    pub message: String,
    pub location: Location,
    /// Address of the resource (`Deployment/shop/web`); `None` for file-level findings.
    pub resource: Option<String>,
    /// Attribute path inside the resource the finding is about.
    pub path: AttrPath,
    pub related: Vec<Related>,
    /// For Helm-rendered objects: the chart template that produced it.
    pub template: Option<TemplateRef>,
    /// Set when an inline directive, an annotation or a baseline suppresses it.
    pub suppression: Option<Suppression>,
    /// Terraform: the module calls the resource came through (outermost
    /// first), so a directive above a `module` block covers its findings.
    pub origin: Vec<Location>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateRef {
    /// The `# Source:` path, e.g. `shop/templates/deployment.yaml`.
    pub source: Box<str>,
    /// The best line of the template file, when the file is in the scan.
    pub location: Option<Location>,
}

impl Finding {
    /// Identity that survives unrelated edits (no line numbers): rule, file,
    /// resource and attribute path. File-level findings add their message.
    pub fn fingerprint(&self, files: &[SourceFile]) -> String {
        let file = files
            .get(self.location.file as usize)
            .map_or("", |f| f.display.as_str());
        let subject = match &self.resource {
            Some(address) => format!("{address}|{}", self.path),
            None => self.message.clone(),
        };
        format!("{:016x}", fnv1a(&[self.rule_id, file, &subject]))
    }
}

/// Sort findings by file, position, rule and message, and drop exact duplicates.
/// Stable and parallel (on the current rayon pool): the same order whatever
/// the thread count.
pub fn sort(findings: &mut Vec<Finding>) {
    findings.par_sort_by(|a, b| {
        (a.location, a.rule_id, &a.message, &a.path)
            .cmp(&(b.location, b.rule_id, &b.message, &b.path))
    });
    findings.dedup();
}

/// FNV-1a: a hash that is stable across platforms, versions and runs.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
