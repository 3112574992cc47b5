//! Helm: rendered streams mapped back to chart templates, and chart
//! directories rendered with `helm template`.
//!
//! Only `helm template` (and `helm dependency build` when asked) is ever run.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::source::FileId;

/// `# Source: chart/templates/x.yaml` comment lines: (1-based line, path).
pub fn source_comments(text: &str) -> Vec<(u32, Box<str>)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let rest = line.trim_start().strip_prefix('#')?.trim_start();
            let path = rest.strip_prefix("Source:")?.trim();
            (!path.is_empty()).then(|| (i as u32 + 1, path.into()))
        })
        .collect()
}

/// The Source comment that belongs to a document whose content starts at
/// `start` and whose predecessor ended at `prev_end`.
pub fn source_for(comments: &[(u32, Box<str>)], prev_end: u32, start: u32) -> Option<Box<str>> {
    comments
        .iter()
        .rev()
        .find(|(line, _)| *line > prev_end && *line <= start)
        .map(|(_, p)| p.clone())
}

/// How to run helm for chart directories.
#[derive(Clone, Debug)]
pub struct HelmOptions {
    /// The helm binary; `None` when none was given and none is on PATH.
    pub binary: Option<PathBuf>,
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub namespace: Option<String>,
    pub timeout: Duration,
    pub dependency_build: bool,
}

impl Default for HelmOptions {
    fn default() -> Self {
        HelmOptions {
            binary: None,
            values: Vec::new(),
            set: Vec::new(),
            namespace: None,
            timeout: Duration::from_secs(120),
            dependency_build: false,
        }
    }
}

/// `helm` on PATH, if any.
pub fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| p.is_file())
}

/// Values files of a chart named after an environment (`values-prod.yaml`…),
/// each rendered as its own environment, sorted.
pub fn environment_values(chart: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(chart) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("values-"))
                .and_then(|n| n.strip_suffix(".yaml").or_else(|| n.strip_suffix(".yml")))
                .and_then(crate::environment::from_word)
                .is_some()
        })
        .collect();
    out.sort();
    out
}

fn binary(opts: &HelmOptions) -> Result<&Path, String> {
    opts.binary
        .as_deref()
        .ok_or_else(|| "helm is not installed (put it on PATH or pass --helm PATH)".to_string())
}

/// `helm dependency build <chart>`, when asked for. Run once per chart,
/// before any of its renderings (they would race on `charts/` otherwise).
pub fn build_dependencies(chart: &Path, opts: &HelmOptions) -> Result<(), String> {
    if !opts.dependency_build {
        return Ok(());
    }
    let helm = binary(opts)?;
    run(
        helm,
        &[
            "dependency".into(),
            "build".into(),
            chart.as_os_str().into(),
        ],
        opts.timeout,
    )
    .map(drop)
    .map_err(|e| format!("helm dependency build failed: {e}"))
}

/// Render `chart` with `extra_values` (an environment's values file) on top
/// of the user's values. Returns the rendered stream or helm's error text.
/// Dependencies are not built here: see [`build_dependencies`].
pub fn render(
    chart: &Path,
    extra_values: Option<&Path>,
    opts: &HelmOptions,
) -> Result<String, String> {
    let helm = binary(opts)?;
    let release = chart.file_name().map_or_else(
        || "release".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut args: Vec<std::ffi::OsString> =
        vec!["template".into(), release.into(), chart.as_os_str().into()];
    for v in opts.values.iter().map(PathBuf::as_path).chain(extra_values) {
        args.push("--values".into());
        args.push(v.as_os_str().into());
    }
    for s in &opts.set {
        args.push("--set".into());
        args.push(s.into());
    }
    if let Some(ns) = &opts.namespace {
        args.push("--namespace".into());
        args.push(ns.into());
    }
    run(helm, &args, opts.timeout)
}

/// Run helm with a time limit; stdout on success, stderr (or a reason) on failure.
fn run(helm: &Path, args: &[std::ffi::OsString], timeout: Duration) -> Result<String, String> {
    let mut child = Command::new(helm)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", helm.display()))?;
    // Drain both pipes on threads so a chatty helm cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "helm {} timed out after {}s (--helm-timeout)",
                    args.first()
                        .map_or_else(String::new, |a| a.to_string_lossy().into_owned()),
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for helm: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    } else {
        let text = String::from_utf8_lossy(&stderr).trim().to_string();
        Err(if text.is_empty() {
            format!("helm exited with {status}")
        } else {
            text
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let text = "---\n# Source: app/templates/a.yaml\nkind: A\n---\n# Source: app/templates/b.yaml\nkind: B\n";
        let c = source_comments(text);
        assert_eq!(c.len(), 2);
        assert_eq!(
            source_for(&c, 0, 3).as_deref(),
            Some("app/templates/a.yaml")
        );
        assert_eq!(
            source_for(&c, 3, 6).as_deref(),
            Some("app/templates/b.yaml")
        );
        assert_eq!(source_for(&c, 6, 9), None);
    }
}

/// A chart directory found by the walk (a folder with `Chart.yaml`, not
/// inside another chart: subcharts render with their parent).
#[derive(Clone, Debug)]
pub struct Chart {
    pub dir: PathBuf,
    /// The folder as reports name it (relative to the scan root).
    pub display: String,
    pub class_path: String,
    /// `name:` of Chart.yaml: the first component of `# Source:` paths.
    pub name: String,
    pub chart_yaml: String,
}

pub fn find_charts(candidates: &[crate::discover::Candidate]) -> Vec<Chart> {
    let mut charts: Vec<Chart> = candidates
        .iter()
        .filter(|c| c.path.file_name().is_some_and(|n| n == "Chart.yaml"))
        .map(|c| {
            let parent = |s: &str| {
                s.rsplit_once('/')
                    .map_or(String::new(), |(d, _)| d.to_string())
            };
            let dir = c.path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
            let name = std::fs::read_to_string(&c.path)
                .ok()
                .and_then(|t| crate::ingest::yaml::parse_stream(&t).ok())
                .and_then(|docs| docs.into_iter().next())
                .and_then(|d| d.root.get("name").and_then(crate::model::Node::scalar_text))
                .unwrap_or_else(|| {
                    dir.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                });
            Chart {
                dir,
                display: parent(&c.display),
                class_path: parent(&c.class_path),
                name,
                chart_yaml: c.display.clone(),
            }
        })
        .collect();
    charts.sort_by(|a, b| a.display.cmp(&b.display));
    let all = charts.clone();
    charts.retain(|c| {
        !all.iter()
            .any(|o| o.display != c.display && within(&c.display, &o.display))
    });
    charts
}

/// The folders of the charts among `candidates` that helm renders, as report
/// names: `templates/` and `charts/` (subcharts) of every folder holding a
/// `Chart.yaml`, nested ones included. The rest of a chart folder is not a
/// template: `crds/` is installed as it is, and a pre-rendered manifest
/// kept beside `Chart.yaml` is applied by other means; those are manifests.
pub fn rendered_dirs(candidates: &[crate::discover::Candidate]) -> Vec<String> {
    candidates
        .iter()
        .filter(|c| c.path.file_name().is_some_and(|n| n == "Chart.yaml"))
        .flat_map(|c| {
            let dir = c.display.rsplit_once('/').map_or("", |(d, _)| d);
            ["templates", "charts"].map(|sub| {
                if dir.is_empty() {
                    sub.to_string()
                } else {
                    format!("{dir}/{sub}")
                }
            })
        })
        .collect()
}

/// Whether `display` lies inside the folder `dir` (both report names).
pub fn within(display: &str, dir: &str) -> bool {
    dir.is_empty()
        || display
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// One rendering of a chart: its default values, or an environment's values file.
pub struct Rendering {
    pub chart: usize,
    /// Report name of the rendered stream, e.g. `charts/shop/values-prod.yaml (rendered)`.
    pub display: String,
    /// Path for environment classification (the values file's name counts).
    pub class_path: String,
    pub result: Result<String, String>,
}

pub fn render_charts(charts: &[Chart], opts: &HelmOptions) -> Vec<Rendering> {
    use rayon::prelude::*;
    let jobs: Vec<(usize, Option<PathBuf>)> = charts
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            std::iter::once((i, None)).chain(
                environment_values(&c.dir)
                    .into_iter()
                    .map(move |v| (i, Some(v))),
            )
        })
        .collect();
    let dependencies: Vec<Result<(), String>> = charts
        .par_iter()
        .map(|c| build_dependencies(&c.dir, opts))
        .collect();
    jobs.par_iter()
        .map(|(i, values)| {
            let chart = &charts[*i];
            let values_name = values.as_ref().and_then(|v| v.file_name()).map_or_else(
                || "values.yaml".to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let join = |base: &str| {
                if base.is_empty() {
                    values_name.clone()
                } else {
                    format!("{base}/{values_name}")
                }
            };
            Rendering {
                chart: *i,
                display: format!("{} (rendered)", join(&chart.display)),
                class_path: join(&chart.class_path),
                result: dependencies[*i]
                    .clone()
                    .and_then(|()| render(&chart.dir, values.as_deref(), opts)),
            }
        })
        .collect()
}

/// The scan's files by display path, and by file name for the suffix
/// lookups of [`resolve_template`] (a scan over every file per resource made
/// mapping rendered streams quadratic).
pub struct FileIndex<'a> {
    by_display: BTreeMap<&'a str, FileId>,
    by_name: HashMap<&'a str, Vec<(&'a str, FileId)>>,
}

impl<'a> FileIndex<'a> {
    pub fn new(displays: impl IntoIterator<Item = &'a str>) -> Self {
        let by_display: BTreeMap<&str, FileId> = displays
            .into_iter()
            .enumerate()
            .map(|(i, d)| (d, i as FileId))
            .collect();
        let mut by_name: HashMap<&str, Vec<(&str, FileId)>> = HashMap::new();
        // In display order, so the first match is the one a sorted scan finds.
        for (&d, &id) in &by_display {
            by_name.entry(file_name(d)).or_default().push((d, id));
        }
        FileIndex {
            by_display,
            by_name,
        }
    }

    pub fn get(&self, display: &str) -> Option<FileId> {
        self.by_display.get(display).copied()
    }

    /// The first file, in display order, whose path ends with `/{source}`.
    fn ending_with(&self, source: &str) -> Option<FileId> {
        let suffix = format!("/{source}");
        self.by_name
            .get(file_name(source))?
            .iter()
            .find(|(d, _)| d.ends_with(&suffix))
            .map(|&(_, id)| id)
    }
}

fn file_name(display: &str) -> &str {
    display.rsplit('/').next().unwrap_or(display)
}

/// The template file a `# Source:` path names, among the scan's files.
/// `from` is the chart the stream was rendered from, when we rendered it.
pub fn resolve_template(
    source: &str,
    from: Option<&Chart>,
    charts: &[Chart],
    files: &FileIndex,
) -> Option<FileId> {
    let (chart_name, rest) = source.split_once('/')?;
    let in_dir = |dir: &str| {
        if dir.is_empty() {
            files.get(rest)
        } else {
            files.get(&format!("{dir}/{rest}"))
        }
    };
    if let Some(found) = from.and_then(|c| in_dir(&c.display)) {
        return Some(found);
    }
    files
        .get(source)
        .or_else(|| files.ending_with(source))
        .or_else(|| {
            charts
                .iter()
                .filter(|c| c.name == chart_name)
                .find_map(|c| in_dir(&c.display))
        })
}
