//! A module directory's configuration: its files' top-level blocks sorted
//! into variables, locals, outputs, resources, module calls and providers.
//!
//! Override files (`override.tf`, `*_override.tf`) are merged into the blocks
//! they override, as Terraform does: attributes replace attributes of the
//! same name, nested blocks replace all nested blocks of the same type.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::ir::{Block, Body, Expr, Key};
use crate::source::FileId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Debug)]
pub struct Variable {
    pub file: FileId,
    pub default: Option<Expr>,
    pub ty: Option<Expr>,
    pub nullable: bool,
}

#[derive(Debug)]
pub struct Located {
    pub file: FileId,
    pub expr: Expr,
}

#[derive(Debug)]
pub struct ResourceDecl {
    pub mode: Mode,
    pub ty: String,
    pub name: String,
    pub file: FileId,
    pub block: Block,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub file: FileId,
    pub block: Block,
    /// The literal `source`, if it is one.
    pub source: Option<String>,
}

#[derive(Debug)]
pub struct ProviderDecl {
    pub name: String,
    pub alias: Option<String>,
    pub file: FileId,
    pub block: Block,
}

/// The `backend "TYPE" { … }` of a `terraform` block.
#[derive(Debug)]
pub struct BackendDecl {
    pub ty: String,
    pub file: FileId,
    pub block: Block,
}

/// A variable definitions file (`terraform.tfvars`, `*.auto.tfvars[.json]`).
#[derive(Debug)]
pub struct VarFile {
    pub file: FileId,
    pub body: Body,
}

#[derive(Debug, Default)]
pub struct ModuleConfig {
    /// Canonical directory.
    pub dir: PathBuf,
    /// The directory as shown in reports (`.` for the scan root).
    pub display: String,
    pub variables: BTreeMap<String, Variable>,
    pub locals: HashMap<String, Located>,
    pub outputs: HashMap<String, Located>,
    pub resources: Vec<ResourceDecl>,
    pub resource_index: HashMap<(Mode, String, String), usize>,
    pub calls: Vec<ModuleCall>,
    pub call_index: HashMap<String, usize>,
    pub providers: Vec<ProviderDecl>,
    /// The state backend (`terraform { backend "s3" { … } }`); only root
    /// modules' backends are emitted (Terraform ignores the others).
    pub backend: Option<BackendDecl>,
    /// Automatically loaded variable files, in Terraform's order.
    pub var_files: Vec<VarFile>,
    /// Whether any configuration file (`.tf`/`.tf.json`) was read.
    pub has_config: bool,
    /// The first configuration file, where module-wide problems are reported.
    pub first_file: Option<FileId>,
}

/// One parsed configuration file of a module.
pub struct ConfigFile {
    pub file: FileId,
    pub name: String,
    pub body: Body,
}

pub fn is_override(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

impl ModuleConfig {
    /// Build from files sorted by name; override files are applied last.
    pub fn build(
        dir: PathBuf,
        display: String,
        files: Vec<ConfigFile>,
        var_files: Vec<VarFile>,
    ) -> ModuleConfig {
        let mut m = ModuleConfig {
            dir,
            display,
            var_files,
            has_config: !files.is_empty(),
            first_file: files.first().map(|f| f.file),
            ..ModuleConfig::default()
        };
        let (overrides, primary): (Vec<ConfigFile>, Vec<ConfigFile>) =
            files.into_iter().partition(|f| is_override(&f.name));
        for f in primary {
            for b in f.body.blocks {
                m.add(f.file, b);
            }
        }
        for f in overrides {
            for b in f.body.blocks {
                m.apply_override(f.file, b);
            }
        }
        m
    }

    fn add(&mut self, file: FileId, mut b: Block) {
        match (&*b.kind, b.labels.as_slice()) {
            ("variable", [name]) => {
                let name = name.clone();
                // Moved out of the block, which is not kept: the IR is most
                // of a large tree's memory while it is read.
                let nullable = !matches!(
                    b.body.attr("nullable").map(|a| &a.expr.kind),
                    Some(super::ir::ExprKind::Bool(false))
                );
                self.variables.insert(
                    name,
                    Variable {
                        file,
                        default: b.body.take_attr("default").map(|a| a.expr),
                        ty: b.body.take_attr("type").map(|a| a.expr),
                        nullable,
                    },
                );
            }
            ("locals", []) => {
                for a in b.body.attrs {
                    self.locals
                        .insert(a.name.to_string(), Located { file, expr: a.expr });
                }
            }
            ("output", [name]) => {
                let name = name.clone();
                if let Some(a) = b.body.take_attr("value") {
                    self.outputs.insert(name, Located { file, expr: a.expr });
                }
            }
            ("resource" | "data", [ty, name]) => {
                let mode = if &*b.kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                let key = (mode, ty.clone(), name.clone());
                let decl = ResourceDecl {
                    mode,
                    ty: ty.clone(),
                    name: name.clone(),
                    file,
                    block: b,
                };
                match self.resource_index.get(&key) {
                    // A duplicate is an error in Terraform; keep the first.
                    Some(_) => {}
                    None => {
                        self.resource_index.insert(key, self.resources.len());
                        self.resources.push(decl);
                    }
                }
            }
            ("module", [name]) => {
                if self.call_index.contains_key(name) {
                    return;
                }
                let source = b.body.attr("source").and_then(|a| a.expr.as_literal_str());
                self.call_index.insert(name.clone(), self.calls.len());
                self.calls.push(ModuleCall {
                    name: name.clone(),
                    file,
                    block: b,
                    source,
                });
            }
            ("provider", [name]) => {
                let alias = b.body.attr("alias").and_then(|a| a.expr.as_literal_str());
                self.providers.push(ProviderDecl {
                    name: name.clone(),
                    alias,
                    file,
                    block: b,
                });
            }
            // Several backends are an error in Terraform; keep the first.
            ("terraform", []) if self.backend.is_none() => {
                self.backend = backend_of(file, b);
            }
            _ => {}
        }
    }

    fn apply_override(&mut self, file: FileId, b: Block) {
        match (&*b.kind, b.labels.as_slice()) {
            ("variable", [name]) => {
                if let Some(v) = self.variables.get_mut(name) {
                    if let Some(a) = b.body.attr("default") {
                        v.default = Some(a.expr.clone());
                    }
                    if let Some(a) = b.body.attr("type") {
                        v.ty = Some(a.expr.clone());
                    }
                    return;
                }
            }
            ("locals", []) | ("output", [_]) => {}
            ("terraform", []) => {
                // An overriding backend replaces the original one entirely.
                if let Some(backend) = backend_of(file, b) {
                    self.backend = Some(backend);
                }
                return;
            }
            ("resource" | "data", [ty, name]) => {
                let mode = if &*b.kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                if let Some(&i) = self.resource_index.get(&(mode, ty.clone(), name.clone())) {
                    merge_body(&mut self.resources[i].block.body, b.body);
                    return;
                }
            }
            ("module", [name]) => {
                if let Some(&i) = self.call_index.get(name) {
                    let call = &mut self.calls[i];
                    merge_body(&mut call.block.body, b.body);
                    call.source = call
                        .block
                        .body
                        .attr("source")
                        .and_then(|a| a.expr.as_literal_str());
                    return;
                }
            }
            _ => {}
        }
        self.add(file, b);
    }

    pub fn resource(&self, mode: Mode, ty: &str, name: &str) -> Option<usize> {
        self.resource_index
            .get(&(mode, ty.to_string(), name.to_string()))
            .copied()
    }
}

/// The `backend "TYPE"` block of a `terraform` block, if it has one.
fn backend_of(file: FileId, b: Block) -> Option<BackendDecl> {
    let block = b
        .body
        .blocks
        .into_iter()
        .find(|x| &*x.kind == "backend" && x.labels.len() == 1)?;
    Some(BackendDecl {
        ty: block.labels.first()?.clone(),
        file,
        block,
    })
}

fn merge_body(base: &mut Body, over: Body) {
    for a in over.attrs {
        base.attrs.retain(|x| x.name != a.name);
        base.attrs.push(a);
    }
    let kinds: Vec<Key> = over.blocks.iter().map(|b| b.kind.clone()).collect();
    base.blocks.retain(|b| !kinds.contains(&b.kind));
    base.blocks.extend(over.blocks);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::terraform::parse::parse_file;
    use crate::source::SourceFile;

    fn config(files: &[(&str, &str)]) -> ModuleConfig {
        let parsed = files
            .iter()
            .enumerate()
            .map(|(i, (name, text))| {
                let f = SourceFile::new(None, (*name).into(), (*text).into());
                ConfigFile {
                    file: i as FileId,
                    name: (*name).into(),
                    body: parse_file(&f).expect("parses"),
                }
            })
            .collect();
        ModuleConfig::build(PathBuf::from("."), ".".into(), parsed, Vec::new())
    }

    #[test]
    fn sorts_blocks() {
        let m = config(&[(
            "main.tf",
            "variable \"a\" { default = 1 }\nlocals { b = 2 }\nresource \"t\" \"n\" {}\ndata \"t\" \"n\" {}\nmodule \"m\" { source = \"./m\" }\n",
        )]);
        assert!(m.variables.contains_key("a"));
        assert!(m.locals.contains_key("b"));
        assert_eq!(m.resources.len(), 2);
        assert_eq!(m.calls[0].source.as_deref(), Some("./m"));
    }

    #[test]
    fn overrides_merge() {
        let m = config(&[
            ("main.tf", "resource \"t\" \"n\" {\n  a = 1\n  b = 2\n}\n"),
            ("main_override.tf", "resource \"t\" \"n\" {\n  b = 3\n}\n"),
        ]);
        let body = &m.resources[0].block.body;
        assert_eq!(body.attrs.len(), 2);
        assert_eq!(
            body.attr("b").map(|a| a.expr.kind.clone()),
            Some(super::super::ir::ExprKind::Num(3.0))
        );
    }
}
