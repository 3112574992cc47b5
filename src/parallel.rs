//! How finely work is cut into rayon jobs.
//!
//! Rayon cuts an indexed iterator into about four pieces per thread and only
//! cuts again when a piece is stolen; a piece already running is never cut.
//! When one thread finishes its pieces, the other may still be a quarter of
//! the way through a large one, and the scan waits on it alone: on the
//! generated corpus the end of the Kubernetes parse ran on one thread for
//! 35 ms, and each Terraform batch ended the same way. Capping the length of
//! a piece keeps every thread busy to the end, at the cost of a job per
//! piece (well under a microsecond against milliseconds of work).

/// Files per job when reading or parsing files (a file takes 10-200 µs).
pub const FILES_PER_JOB: usize = 4;

/// Resources per job when rules run (a resource takes 5-50 µs); each job
/// also clones the policy engine (with regorus' `arc` feature, shared parts).
pub const RESOURCES_PER_JOB: usize = 64;
