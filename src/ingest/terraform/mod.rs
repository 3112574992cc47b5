//! Terraform ingestion: configuration read the way Terraform reads it, with
//! "unknown" said honestly where a value only exists after apply.
//!
//! Layout:
//! - [`parse`] (native syntax through hcl-edit) and [`json`] (`.tf.json`) produce
//!   the located [`ir`]; a syntax error is an IL000 finding at its line, and the
//!   module is evaluated without that file.
//! - [`project`] loads module directories (scanned ones, local module sources,
//!   `.terraform/modules` copies) and decides which are root modules.
//! - [`module`] sorts a directory's blocks; [`types`] reads variable type
//!   constraints; [`eval`] and [`functions`] evaluate expressions over
//!   [`value`]s; [`instance`] evaluates module instances and emits resources.
//!
//! What a resource instance looks like in the model:
//! - `kind` is the resource type (`aws_s3_bucket`); data sources are resources
//!   too, with kind `data.<type>`; a module call that cannot be followed (a
//!   registry or git source without `terraform init`) is a resource of kind
//!   `module` whose attributes are its evaluated inputs plus `source`/`version`.
//!   A root module's `terraform { backend "s3" { … } }` is a resource of kind
//!   `terraform_backend`, named by the backend type, with the address
//!   `terraform.backend.s3`, located at the `backend` block, whose attributes
//!   are the block's arguments (literals: anything else is unknown, since
//!   backends cannot use variables); backends of called modules, which
//!   Terraform ignores, are not emitted.
//! - `address` is Terraform's: `module.app["x"].aws_s3_bucket.logs[0]`. A
//!   resource whose `count`/`for_each` is unknown is one instance with the
//!   plain address (`aws_s3_bucket.logs`) and unknown `count.index`/`each.*`;
//!   no note is written for it (modules gated on remote modules would drown
//!   the output in them).
//! - `attributes`: arguments as map entries, nested blocks as lists of maps
//!   (`versioning[0].enabled`), `dynamic` blocks expanded (an unknown
//!   `for_each` gives one block whose iterator is unknown); meta-arguments
//!   (`count`, `for_each`, `provider`, `depends_on`, `lifecycle`, provisioners)
//!   are left out. Null arguments are kept as `null` (rules treat them as
//!   unset). Every node is located in the resource's own file: a value that came
//!   from a variable or local is located at the expression that used it.
//! - Resource attributes, data sources, unresolved modules, variables without
//!   a value and functions of files/time/randomness are `Value::Unknown`.
//! - `tags_all` = the AWS provider's `default_tags` merged with `tags`.
//! - `references`: (attribute path, address) for every reference to another
//!   resource, data source or unresolved module found in the attribute's value,
//!   through locals, `each.value` and functions.
//! - `origin`: the module calls the instance came through, outermost first.
//! - `keyed`: the top-level arguments that read `count` or `each`, so rules
//!   can tell values that differ between instances even when unknown.
//! - environment: the resource's file path, then the root module's path, then
//!   the tags `Environment`/`environment`/`env`, then production.
//!
//! Limits, each reported in a note when hit (never a hang or a crash): 10,000
//! instances per resource or module call, 10,000 module instances and 200,000
//! resource instances per root module, 10,000 `dynamic` blocks per resource,
//! 20 million evaluation steps per root module (then values are unknown),
//! 4 MB strings, module nesting 32 deep. Cycles between locals, outputs and
//! `count`/`for_each`, and modules that call themselves, are noted and unknown.
//! Numbers are `f64` rounded to 15 significant digits after arithmetic, where
//! Terraform uses 512-bit floats: they agree except in the last digits of
//! non-terminating divisions turned into strings.

pub mod eval;
pub mod functions;
pub mod instance;
pub mod ir;
pub mod json;
pub mod module;
pub mod parse;
pub mod project;
pub mod types;
pub mod value;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::environment::Classifier;
use crate::model::Resource;
use crate::source::{FileId, Pos, SourceFile};

pub use project::Candidate;

pub struct Options<'a> {
    pub classifier: &'a Classifier,
    /// `--var-file`, in order.
    pub var_files: &'a [PathBuf],
    /// `--var NAME=VALUE`, in order; applied after every file.
    pub vars: &'a [(String, String)],
    /// Report paths are relative to this directory.
    pub display_base: &'a Path,
    /// What environment path segments are read relative to.
    pub class_base: &'a Path,
    /// Larger files are not read (IL002).
    pub max_file_size: u64,
    /// Keep every file's text; without, a text with no suppression
    /// directive is freed as soon as it is parsed ([`SourceFile::release_text`]).
    pub keep_texts: bool,
}

/// What Terraform ingestion produced. `FileId`s index `files`.
#[derive(Debug, Default)]
pub struct Output {
    pub files: Vec<SourceFile>,
    pub resources: Vec<Resource>,
    /// Syntax errors: (file, position, message), for IL000.
    pub syntax_errors: Vec<(FileId, Pos, String)>,
    /// Files over the size limit: (file, message), for IL002.
    pub too_large: Vec<(FileId, String)>,
    /// Bugs met while reading a file or evaluating a module: (file, message), for IL999.
    pub internal_errors: Vec<(FileId, String)>,
    pub notes: Vec<String>,
}

/// Read and evaluate every Terraform module among `candidates`.
pub fn ingest(candidates: &[Candidate], opts: &Options) -> Output {
    let (mut out, loaded) = load(candidates, opts);
    let evaluated = loaded.evaluate(loaded.roots(), opts);
    out.resources = evaluated.resources;
    out.notes.extend(evaluated.notes);
    out.internal_errors.extend(evaluated.internal_errors);
    loaded.free();
    out
}

/// Terraform read and parsed, its root modules not yet evaluated: the scan
/// evaluates them a batch at a time, so that a large tree's resources are
/// never all alive at once.
pub struct Loaded {
    project: project::Project,
}

/// Read every Terraform module among `candidates`: their files and what
/// reading them found (syntax errors, notes); no resources yet.
pub fn load(candidates: &[Candidate], opts: &Options) -> (Output, Loaded) {
    let paths = project::Paths {
        display_base: opts.display_base,
        class_base: opts.class_base,
        max_size: opts.max_file_size,
        release_texts: !opts.keep_texts,
    };
    let mut project = project::load(candidates, opts.var_files, &paths);
    let out = Output {
        syntax_errors: project
            .syntax_errors
            .iter()
            .map(|(f, e)| (*f, e.pos, e.message.clone()))
            .collect(),
        too_large: std::mem::take(&mut project.too_large),
        internal_errors: std::mem::take(&mut project.internal_errors),
        notes: std::mem::take(&mut project.notes),
        files: std::mem::take(&mut project.files),
        resources: Vec::new(),
    };
    (out, Loaded { project })
}

impl Loaded {
    /// Root module directories, sorted.
    pub fn roots(&self) -> &[PathBuf] {
        &self.project.roots
    }

    /// Evaluate `roots` (some of [`Loaded::roots`]): their resources, with
    /// notes and internal errors, in the order of `roots`.
    pub fn evaluate(&self, roots: &[PathBuf], opts: &Options) -> Output {
        let results: Vec<RootResult> = roots
            .par_iter()
            .with_max_len(1)
            .map(|dir| evaluate_root(&self.project, dir, opts))
            .collect();
        let mut out = Output::default();
        for (resources, notes, internal) in results {
            out.resources.extend(resources);
            out.notes.extend(notes);
            out.internal_errors.extend(internal);
        }
        out
    }

    /// Free the parsed modules on all threads: those of a large tree took a
    /// tenth of a second to free on one, with the other threads idle.
    pub fn free(mut self) {
        let modules: Vec<(PathBuf, module::ModuleConfig)> =
            std::mem::take(&mut self.project.modules)
                .into_iter()
                .collect();
        modules.into_par_iter().for_each(drop);
    }
}

/// A root module's resources, notes, and the internal error that stopped it.
type RootResult = (Vec<Resource>, Vec<String>, Option<(FileId, String)>);

fn evaluate_root(project: &project::Project, dir: &Path, opts: &Options) -> RootResult {
    let Some(config) = project.modules.get(dir) else {
        return (Vec::new(), Vec::new(), None);
    };
    // A bug in evaluation must cost one module, not the scan (IL999).
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::fault::point("terraform-eval", &config.display);
        let root = instance::Root::new(project, opts.classifier, dir);
        let inst = instance::Inst::root(&root, config, opts.vars);
        let mut out = Vec::new();
        inst.emit(&mut out);
        (out, root.take_notes())
    }));
    match run {
        Ok((resources, notes)) => (resources, notes, None),
        Err(payload) => {
            let what = crate::scan::panic_message(&*payload);
            let message = format!(
                "internal error while evaluating the Terraform module {} ({what}); its resources are not checked",
                config.display
            );
            match config.first_file {
                Some(f) => (Vec::new(), Vec::new(), Some((f, message))),
                None => (Vec::new(), vec![message], None),
            }
        }
    }
}

impl Output {
    /// Renumber files: `map[old] = new` (the scan merges file tables).
    pub fn remap(&mut self, map: &[FileId]) {
        let m = |id: &mut FileId| {
            if let Some(&n) = map.get(*id as usize) {
                *id = n;
            }
        };
        for r in &mut self.resources {
            m(&mut r.file);
            for o in &mut r.origin {
                m(&mut o.file);
            }
        }
        for (f, _, _) in &mut self.syntax_errors {
            m(f);
        }
        for (f, _) in self
            .too_large
            .iter_mut()
            .chain(self.internal_errors.iter_mut())
        {
            m(f);
        }
    }
}

/// One file table sorted by name from the (sorted) names of the other files
/// and Terraform's files: the new ids of both, in their original order.
pub fn merge_order(others: &[&str], terraform: &[SourceFile]) -> (Vec<FileId>, Vec<FileId>) {
    let mut all: Vec<(&str, bool, usize)> = others
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, false, i))
        .chain(
            terraform
                .iter()
                .enumerate()
                .map(|(i, f)| (f.display.as_str(), true, i)),
        )
        .collect();
    all.sort();
    let mut ids = (vec![0; others.len()], vec![0; terraform.len()]);
    for (new, (_, tf, old)) in all.into_iter().enumerate() {
        if tf {
            ids.1[old] = new as FileId;
        } else {
            ids.0[old] = new as FileId;
        }
    }
    ids
}
