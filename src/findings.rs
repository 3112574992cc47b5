//! Findings: what rules report, in the order reports print them.

use std::fmt::Write as _;

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
        format!("{:016x}", self.fingerprint_hash(files))
    }

    /// The number [`Finding::fingerprint`] writes in hex.
    pub fn fingerprint_hash(&self, files: &[SourceFile]) -> u64 {
        let file = files
            .get(self.location.file as usize)
            .map_or("", |f| f.display.as_str());
        // Hashed as written, without building the subject string: the JSON
        // and SARIF reports fingerprint every finding.
        let mut h = Fnv::new();
        h.part(self.rule_id);
        h.part(file);
        match &self.resource {
            Some(address) => {
                // Writing to the hasher cannot fail.
                let _ = write!(h, "{address}|{}", self.path);
            }
            None => h.bytes(self.message.as_bytes()),
        }
        h.end_part();
        h.0
    }
}

/// Sort findings by file, position, rule and message, and drop exact
/// duplicates. The findings of one module's code evaluated through several
/// root modules (examples calling it alike) become one, whose related
/// locations list every module call it came through.
/// Stable and parallel (on the current rayon pool): the same order whatever
/// the thread count.
pub fn sort(findings: &mut Vec<Finding>) {
    // Indices are sorted, not the findings: a merge sort moved every
    // finding (a few hundred bytes) once per merge level, and needed a
    // buffer of them. Ties keep their order (the index decides), as a stable
    // sort would.
    let Ok(n) = u32::try_from(findings.len()) else {
        findings.par_sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        findings.dedup_by(merge_callers);
        return;
    };
    let mut order: Vec<u32> = (0..n).collect();
    order.par_sort_unstable_by(|&a, &b| {
        sort_key(&findings[a as usize])
            .cmp(&sort_key(&findings[b as usize]))
            .then(a.cmp(&b))
    });
    permute(findings, order);
    findings.dedup_by(merge_callers);
}

/// `dedup_by`: whether `later` is `kept` reached through other module calls;
/// if so its calls join `kept`'s related locations.
fn merge_callers(later: &mut Finding, kept: &mut Finding) -> bool {
    let same = later.rule_id == kept.rule_id
        && later.location == kept.location
        && later.message == kept.message
        && later.path == kept.path
        && later.level == kept.level
        && later.resource == kept.resource
        && later.template == kept.template
        && later.suppression == kept.suppression;
    if !same {
        return false;
    }
    for r in later.related.drain(..) {
        if !kept.related.contains(&r) {
            kept.related.push(r);
        }
    }
    true
}

/// What findings are sorted by.
fn sort_key(f: &Finding) -> (Location, &'static str, &str, &AttrPath) {
    (f.location, f.rule_id, &f.message, &f.path)
}

/// Reorder `items` so that `items[i]` becomes the old `items[order[i]]`,
/// moving each item once (`order` is a permutation).
fn permute<T>(items: &mut [T], mut order: Vec<u32>) {
    for start in 0..items.len() {
        // Follow the cycle through `start`; placed slots point at themselves.
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// FNV-1a: a hash that is stable across platforms, versions and runs. Parts
/// end with a 0xff byte (which UTF-8 text never holds).
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn end_part(&mut self) {
        self.bytes(&[0xff]);
    }

    fn part(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.end_part();
    }
}

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Seg;
    use crate::source::{Pos, Span};

    fn finding(line: u32, rule_id: &'static str, resource: &str) -> Finding {
        Finding {
            rule_id,
            level: Level::Error,
            message: "m".to_string(),
            location: Location {
                file: 0,
                span: Span::point(Pos::new(line, 1)),
            },
            resource: Some(resource.to_string()),
            path: AttrPath::root(),
            related: Vec::new(),
            template: None,
            suppression: None,
            origin: Vec::new(),
        }
    }

    /// Fingerprints are what code scanning matches alerts by across runs:
    /// they must stay the FNV-1a of rule, file and subject (address `|`
    /// path, or the message), each part ended by 0xff.
    #[test]
    fn fingerprints_keep_their_definition() {
        let reference = |parts: &[&str]| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for part in parts {
                for b in part.bytes().chain([0xff]) {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
            }
            format!("{h:016x}")
        };
        let files = vec![SourceFile::new(None, "k8s/app.yaml".into(), String::new())];
        let mut f = finding(3, "K8S001", "Deployment/web");
        f.path = AttrPath(vec![Seg::Key("spec".into()), Seg::Index(0)]);
        assert_eq!(
            f.fingerprint(&files),
            reference(&[
                "K8S001",
                "k8s/app.yaml",
                &format!("Deployment/web|{}", f.path)
            ])
        );
        f.resource = None;
        assert_eq!(
            f.fingerprint(&files),
            reference(&["K8S001", "k8s/app.yaml", "m"])
        );
        assert_eq!(f.fingerprint(&[]), reference(&["K8S001", "", "m"]));
    }

    #[test]
    fn permute_applies_every_cycle() {
        // Cycles (0 3 1), (2), (4 5).
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        permute(&mut items, vec![3, 0, 2, 1, 5, 4]);
        assert_eq!(items, vec!['d', 'a', 'c', 'b', 'f', 'e']);
    }

    #[test]
    fn sort_orders_by_position_keeps_ties_in_order_and_drops_duplicates() {
        // Same key (line, rule, message, path), different resources: a tie.
        let mut all = vec![
            finding(9, "K8S001", "x"),
            finding(2, "K8S002", "first"),
            finding(2, "K8S001", "y"),
            finding(2, "K8S002", "second"),
            finding(9, "K8S001", "x"),
            finding(2, "K8S002", "third"),
        ];
        sort(&mut all);
        let got: Vec<(u32, &str, &str)> = all
            .iter()
            .map(|f| {
                (
                    f.location.span.start.line,
                    f.rule_id,
                    f.resource.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "K8S001", "y"),
                (2, "K8S002", "first"),
                (2, "K8S002", "second"),
                (2, "K8S002", "third"),
                (9, "K8S001", "x"),
            ]
        );
    }
}
