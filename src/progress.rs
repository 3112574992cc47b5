//! The progress bar on stderr: only on a terminal, never in CI logs or pipes,
//! and only once a scan has run for about a second.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::scan::Progress;

/// Scans shorter than this never draw a bar.
pub const DELAY: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(100);
const WIDTH: usize = 24;

/// Whether a bar may be drawn: stderr is a terminal, not in CI (`CI` set to
/// anything but empty, `0` or `false`), not a dumb terminal.
pub fn wanted(stderr_is_terminal: bool, ci: Option<&str>, term: Option<&str>) -> bool {
    let in_ci = ci.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
    stderr_is_terminal && !in_ci && term != Some("dumb")
}

/// [`wanted`] for this process.
pub fn wanted_here() -> bool {
    let ci = std::env::var("CI").ok();
    let term = std::env::var("TERM").ok();
    wanted(
        std::io::stderr().is_terminal(),
        ci.as_deref(),
        term.as_deref(),
    )
}

/// One line of the bar.
pub fn line(stage: usize, done: usize, total: usize, frame: usize) -> String {
    let verb = match stage {
        Progress::READ => "reading",
        Progress::PARSE => "parsing",
        Progress::EVALUATE => "evaluating",
        _ => "finding files",
    };
    let unit = if stage == Progress::EVALUATE {
        "resources"
    } else {
        "files"
    };
    match stage {
        Progress::READ | Progress::PARSE | Progress::EVALUATE if total > 0 => {
            let done = done.min(total);
            let filled = done * WIDTH / total;
            format!(
                "infra-lint: {verb:<10} [{}{}] {done}/{total} {unit}",
                "=".repeat(filled),
                " ".repeat(WIDTH - filled)
            )
        }
        _ => {
            let spinner = ['|', '/', '-', '\\'][frame % 4];
            format!("infra-lint: {verb} {spinner}")
        }
    }
}

/// A bar drawn by a background thread until [`Bar::finish`] (or drop).
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    pub fn start(progress: Arc<Progress>) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("progress".to_string())
            .spawn(move || draw(&progress, &flag))
            .ok();
        Bar { stop, thread }
    }

    /// Stop drawing and clear the line.
    pub fn finish(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

fn draw(progress: &Progress, stop: &AtomicBool) {
    let started = Instant::now();
    while started.elapsed() < DELAY {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut frame = 0;
    let mut last_len: usize = 0;
    while !stop.load(Ordering::Relaxed) {
        let (stage, done, total) = progress.get();
        let text = line(stage, done, total, frame);
        let pad = last_len.saturating_sub(text.len());
        last_len = text.len();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{text}{}", " ".repeat(pad));
        let _ = err.flush();
        drop(err);
        frame += 1;
        let slept = Instant::now();
        while slept.elapsed() < REDRAW && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r{}\r", " ".repeat(last_len));
    let _ = err.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_on_a_terminal_outside_ci() {
        assert!(wanted(true, None, Some("xterm-256color")));
        assert!(wanted(true, Some(""), None));
        assert!(wanted(true, Some("false"), None));
        assert!(!wanted(false, None, None));
        assert!(!wanted(true, Some("true"), None));
        assert!(!wanted(true, Some("1"), None));
        assert!(!wanted(true, None, Some("dumb")));
    }

    #[test]
    fn lines() {
        assert_eq!(
            line(Progress::PARSE, 5, 10, 0),
            format!(
                "infra-lint: parsing    [{}{}] 5/10 files",
                "=".repeat(12),
                " ".repeat(12)
            )
        );
        assert_eq!(
            line(Progress::EVALUATE, 42, 42, 1),
            format!(
                "infra-lint: evaluating [{}] 42/42 resources",
                "=".repeat(24)
            )
        );
        assert_eq!(line(Progress::WALK, 0, 0, 1), "infra-lint: finding files /");
        assert!(line(Progress::READ, 3, 0, 0).starts_with("infra-lint: reading"));
    }

    #[test]
    fn a_quick_scan_draws_nothing() {
        // Finishing before DELAY returns at once and never touches stderr.
        let started = Instant::now();
        Bar::start(Arc::new(Progress::default())).finish();
        assert!(started.elapsed() < DELAY);
    }
}
