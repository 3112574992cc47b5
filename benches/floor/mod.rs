//! The floor of a scan: walk, read and parse every file, nothing else (no
//! Kubernetes ingestion, no Terraform evaluation, no rules, no output). It is
//! the least any scan of a tree can cost with this walker and these parsers,
//! and what `end_to_end` is compared with. Shared by `benches/scan.rs` and
//! `examples/floor.rs` (which times it next to the CLI in one run).

// Each user of the module (bench, example) needs a different part of it.
#![allow(dead_code)]

use std::path::Path;

use rayon::prelude::*;

use infra_lint::discover::{self, FileClass};
use infra_lint::ingest::terraform::{json, parse};
use infra_lint::ingest::yaml;
use infra_lint::source::SourceFile;

/// What one floor pass saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub yaml_files: usize,
    pub yaml_documents: usize,
    pub terraform_files: usize,
    /// Terraform files that parsed.
    pub terraform_bodies: usize,
    pub bytes: usize,
}

impl Counts {
    fn add(self, o: Counts) -> Counts {
        Counts {
            yaml_files: self.yaml_files + o.yaml_files,
            yaml_documents: self.yaml_documents + o.yaml_documents,
            terraform_files: self.terraform_files + o.terraform_files,
            terraform_bodies: self.terraform_bodies + o.terraform_bodies,
            bytes: self.bytes + o.bytes,
        }
    }
}

/// A pool like the scan's (same stack size, so the same parsers fit).
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(16 * 1024 * 1024)
        .build()
        .expect("thread pool")
}

/// Walk `dir`, read every candidate and parse it with the parser the scan
/// uses for it: YAML streams into trees, `.tf`/`.tfvars` through hcl-edit into
/// the located IR, `.tf.json` through the JSON reader. Files are parsed on all
/// of `pool`'s threads, like the scan does.
pub fn floor(pool: &rayon::ThreadPool, dir: &Path) -> Counts {
    pool.install(|| {
        let threads = pool.current_num_threads();
        let (candidates, _) = discover::walk(&[dir.to_path_buf()], dir, threads);
        candidates
            .par_iter()
            // Cut as finely as the scan cuts its reads and parses.
            .with_max_len(infra_lint::parallel::FILES_PER_JOB)
            .map(|c| {
                let Ok(text) = std::fs::read_to_string(&c.path) else {
                    return Counts::default();
                };
                let bytes = text.len();
                match c.class {
                    FileClass::Yaml => Counts {
                        yaml_files: 1,
                        yaml_documents: yaml::parse_stream(&text).map_or(0, |d| d.len()),
                        bytes,
                        ..Counts::default()
                    },
                    FileClass::Terraform => {
                        // The HCL parser reports positions through the file's line index.
                        let file = SourceFile::new(Some(c.path.clone()), c.display.clone(), text);
                        let parsed = if c.display.ends_with(".tfvars.json") {
                            json::parse_vars(&file).is_ok()
                        } else if c.display.ends_with(".json") {
                            json::parse_config(&file).is_ok()
                        } else {
                            parse::parse_file(&file).is_ok()
                        };
                        Counts {
                            terraform_files: 1,
                            terraform_bodies: usize::from(parsed),
                            bytes,
                            ..Counts::default()
                        }
                    }
                }
            })
            .reduce(Counts::default, Counts::add)
    })
}
