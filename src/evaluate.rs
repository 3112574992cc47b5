//! Running the active rules over the model, in parallel.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Result;
use rayon::prelude::*;

use crate::findings::{Finding, Related, TemplateRef};
use crate::ingest::template_lines;
use crate::model::relations::Relations;
use crate::model::{AttrPath, Environment, Resource};
use crate::policy::Policies;
use crate::rego::{self, RegoRules};
use crate::rules::{Check, Ctx, Hit, Level, Rule, Scope, Settings};
use crate::source::{Location, Pos, SourceFile, Span};

/// The resources of a scan with their relations, as rules see them.
struct Model<'a> {
    resources: &'a [Resource],
    relations: &'a Relations,
    files: &'a [SourceFile],
}

pub struct Evaluator {
    pub rules: Vec<&'static Rule>,
    rego: Option<RegoRules>,
    settings: Settings,
    /// Whether policies read `data.infralint.inventory` (built only then).
    inventory: bool,
    /// Levels the configuration sets per rule id.
    levels: BTreeMap<String, Level>,
    /// Counts evaluated resources, for a progress display.
    pub progress: Option<std::sync::Arc<crate::scan::Progress>>,
}

/// What one chunk of the resources produced.
#[derive(Default)]
struct Part {
    findings: Vec<Finding>,
    errors: Vec<EvalError>,
    evaluations: usize,
}

/// A rule that failed to evaluate on a resource (a policy error, not a finding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EvalError {
    pub rule: &'static str,
    pub address: String,
    pub message: String,
}

/// The level of a rule's findings on a resource of `env`, or `None` when the
/// rule does not apply there (prod-only rules on development resources).
pub fn level_for(rule: &Rule, env: Environment, base: Level) -> Option<Level> {
    match (rule.meta.scope, env) {
        (Scope::All, _) | (Scope::Prod, Environment::Production) => Some(base),
        (Scope::Prod, Environment::Staging) => Some(base.lowered()),
        (Scope::Prod, Environment::Development) => None,
    }
}

/// Which checks an evaluation runs: the scan evaluates Terraform root
/// modules a batch at a time, and the few checks that read other root
/// modules once at the end ([`crate::rules::reads_other_roots`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    All,
    WithinRoot,
    AcrossRoots,
}

impl Checks {
    fn wants(self, rule: &Rule, r: &Resource) -> bool {
        match self {
            Checks::All => true,
            Checks::WithinRoot => !crate::rules::reads_other_roots(rule, r),
            Checks::AcrossRoots => crate::rules::reads_other_roots(rule, r),
        }
    }
}

impl Evaluator {
    pub fn new(
        rules: Vec<&'static Rule>,
        mut settings: Settings,
        policies: &Policies,
        timeout: Option<Duration>,
        levels: BTreeMap<String, Level>,
    ) -> Result<Self> {
        settings.parse_defaults(&rules);
        let rego = RegoRules::new(&rules, &policies.files, timeout)?;
        let inventory = policies.uses_inventory();
        Ok(Evaluator {
            rules,
            rego,
            settings,
            inventory,
            levels,
            progress: None,
        })
    }

    /// Whether rules must see every resource of the scan at once: policies
    /// that read the inventory see Terraform and Kubernetes resources together.
    pub fn needs_whole_model(&self) -> bool {
        self.inventory
    }

    pub fn run(
        &self,
        resources: &[Resource],
        files: &[SourceFile],
    ) -> (Vec<Finding>, Vec<EvalError>, usize) {
        self.run_checks(resources, files, Checks::All)
    }

    /// [`Evaluator::run`] with only the checks `which` selects.
    pub fn run_checks(
        &self,
        resources: &[Resource],
        files: &[SourceFile],
        which: Checks,
    ) -> (Vec<Finding>, Vec<EvalError>, usize) {
        let relations = Relations::build_with_files(resources, files);
        let model = Model {
            resources,
            relations: &relations,
            files,
        };
        let mut base = self.rego.clone();
        let mut errors = Vec::new();
        if let (Some(engine), true) = (base.as_mut(), self.inventory) {
            if let Err(e) = engine.add_data(rego::inventory(resources, files)) {
                errors.push(EvalError {
                    rule: "IL000",
                    address: String::new(),
                    message: format!("cannot build the policy inventory: {e}"),
                });
            }
        }
        // Findings accumulate per chunk of resources, not per resource: a Vec
        // per resource (capacity 4 at its first push) cost a large plan more
        // memory than its findings. Chunks keep both threads busy to the end
        // (`crate::parallel`); the engine is cloned per rayon job and dropped
        // with it (one kept per part held 10 MB on the generated corpus).
        let parts: Vec<Part> = resources
            .par_chunks(crate::parallel::RESOURCES_PER_JOB)
            // A job per chunk: left to rayon, a stolen run of chunks ran to
            // its end on one thread (70 ms of Rego at the end of the
            // generated corpus's Kubernetes rules).
            .with_max_len(1)
            .map_init(
                || base.clone(),
                |rego, chunk| {
                    let mut part = Part::default();
                    for r in chunk {
                        self.eval_guarded(rego, &model, r, which, &mut part);
                    }
                    part
                },
            )
            .collect();
        // In resource order, into one vector of the exact size (parts are
        // small: keeping the first one's vector saved nothing).
        let total: usize = parts.iter().map(|p| p.findings.len()).sum();
        let mut findings = Vec::with_capacity(total);
        let mut evaluations = 0;
        for mut p in parts {
            findings.append(&mut p.findings);
            errors.append(&mut p.errors);
            evaluations += p.evaluations;
        }
        errors.sort();
        (findings, errors, evaluations)
    }

    /// [`Evaluator::eval_resource`] into `part`; a panic in a rule becomes
    /// an internal-error finding on the resource (a bug in one rule must not
    /// stop the scan of the rest).
    fn eval_guarded(
        &self,
        rego: &mut Option<RegoRules>,
        model: &Model,
        r: &Resource,
        which: Checks,
        part: &mut Part,
    ) {
        if let Some(p) = &self.progress {
            p.tick();
        }
        let Some(file) = model.files.get(r.file as usize) else {
            return;
        };
        let before = (part.findings.len(), part.errors.len());
        let count = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.eval_resource(
                rego,
                model,
                (r, file),
                which,
                &mut part.findings,
                &mut part.errors,
            )
        }));
        match count {
            Ok(n) => part.evaluations += n,
            Err(payload) => {
                // What the failed resource produced is dropped with it.
                part.findings.truncate(before.0);
                part.errors.truncate(before.1);
                let mut f = crate::scan::scanner_finding(
                    &crate::rules::INTERNAL_ERROR,
                    r.file,
                    r.header().start,
                    format!(
                        "internal error while evaluating {}: {}",
                        r.address,
                        crate::scan::panic_message(&*payload)
                    ),
                );
                f.resource = Some(r.address.clone());
                part.findings.push(f);
            }
        }
    }

    fn eval_resource(
        &self,
        rego: &mut Option<RegoRules>,
        model: &Model,
        (r, file): (&Resource, &SourceFile),
        which: Checks,
        findings: &mut Vec<Finding>,
        errors: &mut Vec<EvalError>,
    ) -> usize {
        crate::fault::point("evaluate", &file.display);
        let mut rego_wanted = Vec::new();
        let mut evaluated = 0;
        for rule in &self.rules {
            if !rule.meta.applies.matches(r)
                || level_for(rule, r.environment, rule.meta.level).is_none()
                || !which.wants(rule, r)
                || (file.patch && !crate::rules::runs_on_patches(rule))
            {
                continue;
            }
            evaluated += 1;
            match rule.check {
                Check::Native(check) => {
                    let ctx = Ctx {
                        settings: &self.settings,
                        rule: &rule.meta,
                        resources: model.resources,
                        relations: model.relations,
                    };
                    let mut hits = Vec::new();
                    check(&ctx, r, &mut hits);
                    findings.extend(
                        hits.into_iter()
                            .map(|h| self.finding(rule, r, h, model.files)),
                    );
                }
                Check::Rego { .. } => rego_wanted.push(*rule),
                Check::Builtin => {}
            }
        }
        let Some(engine) = rego.as_mut() else {
            return evaluated;
        };
        if rego_wanted.is_empty() {
            return evaluated;
        }
        let needs = engine.needs(&rego_wanted);
        let input = rego::input_for(r, file, model.resources, model.relations, needs);
        for (rule, result) in engine.eval(input, &rego_wanted) {
            match result {
                Ok(hits) => findings.extend(
                    hits.into_iter()
                        .map(|h| self.finding(rule, r, h, model.files)),
                ),
                Err(e) => errors.push(EvalError {
                    rule: rule.meta.id,
                    address: r.address.clone(),
                    message: e.to_string(),
                }),
            }
        }
        evaluated
    }
}

impl Evaluator {
    fn finding(
        &self,
        rule: &'static Rule,
        r: &Resource,
        hit: Hit,
        files: &[SourceFile],
    ) -> Finding {
        let base = self
            .levels
            .get(rule.meta.id)
            .copied()
            .unwrap_or(rule.meta.level);
        let level = level_for(rule, r.environment, base).unwrap_or(base);
        finding(rule, r, hit, files, level)
    }
}

fn finding(
    rule: &'static Rule,
    r: &Resource,
    hit: Hit,
    files: &[SourceFile],
    level: Level,
) -> Finding {
    let template = r.helm.as_ref().map(|h| TemplateRef {
        source: h.source.clone(),
        location: h.template.map(|t| Location {
            file: t,
            span: template_span(r, &hit.path, files.get(t as usize)),
        }),
    });
    Finding {
        rule_id: rule.meta.id,
        level: hit.level.map_or(level, |l| l.min(level)),
        message: hit.message,
        location: Location {
            file: r.file,
            span: r.locate(&hit.path),
        },
        resource: Some(r.address.clone()),
        path: hit.path,
        related: with_origin(hit.related, r),
        origin: r.origin.clone(),
        template,
        suppression: None,
    }
}

/// The line of a chart template that renders the finding's attribute, or
/// the deepest step of its path the template writes out
/// ([`template_lines::line_of`]); otherwise the template's first line.
fn template_span(r: &Resource, path: &AttrPath, template: Option<&SourceFile>) -> Span {
    let first = Span::point(Pos::new(1, 1));
    let Some(template) = template else {
        return first;
    };
    let (_, depth) = r.attributes.locate(&path.0);
    let found = template_lines::line_of(&template.text, &r.kind, &r.attributes, &path.0[..depth]);
    let Some(line) = found else {
        return first;
    };
    let text = template.line_text(line);
    let indent = text.len() - text.trim_start().len();
    let col = text[..indent].chars().count() as u32 + 1;
    Span::new(
        Pos::new(line, col),
        Pos::new(line, text.chars().count() as u32 + 1),
    )
}

/// A Terraform resource from a module: the module calls it came through are
/// related locations, outermost first.
fn with_origin(mut related: Vec<Related>, r: &Resource) -> Vec<Related> {
    related.extend(r.origin.iter().map(|call| Related {
        location: *call,
        message: format!("{} is created through this module call", r.address),
    }));
    related
}
