//! The scan floor (walk + read + parse, see `benches/floor/mod.rs`) timed next
//! to full CLI scans of the same tree, interleaved round by round so that a
//! change in machine load hits both alike:
//!
//! ```text
//! cargo build --release --example floor
//! target/release/examples/floor DIR [--cli target/release/infra-lint] [--threads 1,2] [--rounds 5]
//! ```
//!
//! Each round runs, for every thread count, the floor in this process and
//! then `infra-lint DIR -j N --format json -o /dev/null --fail-on never
//! --no-progress -q` as a child process (so the CLI's figure includes its
//! start-up, policy compilation and report). Prints every round, then the
//! medians, CLI/floor per thread count and the CLI's 1-thread/N-thread speed-up.

#[path = "../benches/floor/mod.rs"]
mod floor;

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut cli = PathBuf::from("target/release/infra-lint");
    let mut threads = vec![1, 2];
    let mut rounds = 5;
    while let Some(a) = args.next() {
        let value = |args: &mut dyn Iterator<Item = String>| args.next().unwrap_or_default();
        match a.as_str() {
            "--cli" => cli = PathBuf::from(value(&mut args)),
            "--threads" => {
                threads = value(&mut args)
                    .split(',')
                    .filter_map(|t| t.parse().ok())
                    .collect()
            }
            "--rounds" => rounds = value(&mut args).parse().unwrap_or(0),
            _ if dir.is_none() && !a.starts_with('-') => dir = Some(PathBuf::from(a)),
            _ => return usage(),
        }
    }
    let Some(dir) = dir else { return usage() };
    if threads.is_empty() || rounds == 0 {
        return usage();
    }
    let pools: Vec<rayon::ThreadPool> = threads.iter().map(|&t| floor::pool(t)).collect();
    let counts = floor::floor(&pools[0], &dir);
    println!(
        "{}: {} YAML files ({} documents), {} Terraform files ({} parsed), {} bytes read",
        dir.display(),
        counts.yaml_files,
        counts.yaml_documents,
        counts.terraform_files,
        counts.terraform_bodies,
        counts.bytes
    );
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load before: {}", load().trim());
    // times[thread index] = (floor, cli) per round
    let mut times: Vec<(Vec<Duration>, Vec<Duration>)> = vec![Default::default(); threads.len()];
    for round in 1..=rounds {
        for (i, &t) in threads.iter().enumerate() {
            let started = Instant::now();
            let again = floor::floor(&pools[i], &dir);
            let f = started.elapsed();
            assert_eq!(again, counts, "the tree changed during the measurement");
            let started = Instant::now();
            let status = Command::new(&cli)
                .arg(&dir)
                .args(["-j", &t.to_string(), "--format", "json", "-o", "/dev/null"])
                .args(["--fail-on", "never", "--no-progress", "-q"])
                .stderr(Stdio::null())
                .status();
            let c = started.elapsed();
            match status {
                Ok(s) if s.success() => {}
                other => {
                    eprintln!("floor: {} failed: {other:?}", cli.display());
                    return ExitCode::FAILURE;
                }
            }
            println!(
                "round {round}, {t} thread(s): floor {:.3}s, cli {:.3}s, cli/floor {:.2}",
                f.as_secs_f64(),
                c.as_secs_f64(),
                c.as_secs_f64() / f.as_secs_f64()
            );
            times[i].0.push(f);
            times[i].1.push(c);
        }
    }
    println!("load after: {}", load().trim());
    let median = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    for (i, &t) in threads.iter().enumerate() {
        let (f, c) = (median(&times[i].0), median(&times[i].1));
        let ratios: Vec<f64> = times[i]
            .0
            .iter()
            .zip(&times[i].1)
            .map(|(f, c)| c.as_secs_f64() / f.as_secs_f64())
            .collect();
        let mut sorted = ratios.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "median, {t} thread(s): floor {f:.3}s, cli {c:.3}s, cli/floor of medians {:.2}, median of round ratios {:.2} (range {:.2}-{:.2})",
            c / f,
            sorted[sorted.len() / 2],
            sorted[0],
            sorted[sorted.len() - 1]
        );
    }
    if threads.len() > 1 {
        let one = median(&times[0].1);
        for (i, &t) in threads.iter().enumerate().skip(1) {
            println!(
                "cli speed-up {} -> {t} threads: {:.2}x (floor {:.2}x)",
                threads[0],
                one / median(&times[i].1),
                median(&times[0].0) / median(&times[i].0)
            );
        }
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: floor DIR [--cli PATH] [--threads 1,2] [--rounds N]");
    ExitCode::from(2)
}
