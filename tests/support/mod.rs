//! Helpers shared by the contract tests (`tests/cli.rs`, `tests/sarif.rs`,
//! `tests/robustness.rs`): run the real binary, with a time limit, and read
//! its reports.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A hostile input must never make a scan hang: give up (and fail) after this.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// `tests/data` of this repository.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The exit code; fails the test when the process died of a signal.
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!(
                "infra-lint was killed by a signal ({:?})\nstderr:\n{}",
                self.status, self.stderr
            ),
        }
    }

    /// Stdout parsed as JSON (JSON or SARIF reports).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e})\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Run `infra-lint args…` in `cwd`, feeding `stdin` (or nothing).
pub fn run_in<I, S>(cwd: &Path, args: I, stdin: Option<&[u8]>) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with_env(cwd, args, stdin, &[])
}

/// Like [`run_in`], with extra environment variables (`None` removes one).
pub fn run_with_env<I, S>(
    cwd: &Path,
    args: I,
    stdin: Option<&[u8]>,
    env: &[(&str, Option<&str>)],
) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_infra-lint"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd.spawn().expect("infra-lint starts");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            // The scanner may stop reading early; a broken pipe is not our failure.
            let _ = pipe.write_all(&bytes);
        })
    });
    let mut out = child.stdout.take().expect("stdout pipe");
    let mut err = child.stderr.take().expect("stderr pipe");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for infra-lint") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("infra-lint did not finish within {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    Run {
        status,
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Write `files` (relative path, contents) under `root`, creating directories.
pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create directory");
        }
        std::fs::write(&path, text).expect("write file");
    }
}

/// Copy a directory tree (regular files only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A new temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// The `findings` array of a JSON report.
pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings is an array")
}

/// `(rule_id, file, line)` of every finding of a JSON report, in report order.
pub fn rule_file_line(report: &Value) -> Vec<(String, String, u64)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule_id").to_string(),
                f["file"].as_str().expect("file").to_string(),
                f["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

/// The sorted, distinct rule ids of a JSON report's findings.
pub fn rule_ids(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = findings(report)
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule_id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The findings of a JSON report for one file.
pub fn findings_in<'a>(report: &'a Value, file: &str) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| f["file"] == file)
        .collect()
}

/// Pretty-print a JSON value for failure messages.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The rules whose exact findings these tests pin down. Scans that assert an
/// exact list of findings select only these (`--rule`), so adding a rule does
/// not change them; scans that check properties of any output use all rules.
pub const BASELINE_RULES: &[&str] = &[
    "IL000", "K8S001", "K8S002", "K8S003", "K8S004", "K8S005", "K8S006", "K8S007", "K8S008",
    "K8S009", "K8S010", "K8S015", "K8S018", "K8S019", "K8S020", "K8S021",
];

/// `args` followed by `--rule ID` for every baseline rule.
pub fn baseline<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    for id in BASELINE_RULES {
        all.extend(["--rule", id]);
    }
    all
}
