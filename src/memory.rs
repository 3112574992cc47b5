//! The process's memory: the allocator, its peak, and handing freed pages back.

use rayon::prelude::*;

/// mimalloc, for every binary, bench and test linked with this crate (so the
/// floor bench measures parsing with the allocator the scan uses). glibc's
/// malloc/free were a fifth of a scan's CPU time, and a 2-thread scan took
/// about a third longer with it (benches/README.md).
/// Transparent huge pages are off (`no_thp`): zeroing 2 MB pages on first
/// touch was a third of a 1-thread scan. Version 2 (`v2`): as fast as 3 here,
/// with 25 MB less peak on the generated corpus.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Peak resident set size in kB (`VmHWM`), where the platform tells it.
pub fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Return freed pages to the system now rather than after the allocator's
/// purge delay: called after parsing (before evaluation) and after the model
/// is freed (before a report that is built whole), where a large plan frees
/// most of its memory at once and the next phase would otherwise grow the
/// process further.
/// Each thread's heap returns only its own pages, and memory freed by one
/// thread may belong to another's (the model is built on the pool's threads
/// and freed on others), so every thread of the current rayon pool collects.
pub fn release_free_pages() {
    // SAFETY: mi_collect only frees memory the allocator no longer uses.
    let collect = || unsafe { libmimalloc_sys::mi_collect(true) };
    if rayon::current_thread_index().is_some() {
        rayon::broadcast(|_| collect());
    }
    collect();
}

/// Free `items` on `threads` threads: freeing a large model one node at a
/// time was the longest serial stretch of a scan (a sixth of the wall time
/// on the generated corpus with 2 threads). On a pool thread the pool's own
/// threads free it: they built it, and a block freed by the thread whose heap
/// it is goes straight back, where one freed by a helper thread is queued for
/// the owner (`mi_collect` then took 25 ms on one thread with the other idle).
pub fn drop_in_parallel<T: Send>(mut items: Vec<T>, threads: usize) {
    if rayon::current_thread_index().is_some() {
        items
            .into_par_iter()
            .with_max_len(crate::parallel::RESOURCES_PER_JOB)
            .for_each(drop);
        return;
    }
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        while items.len() > chunk {
            let tail = items.split_off(items.len() - chunk);
            s.spawn(move || drop(tail));
        }
        drop(items);
    });
}
