//! The process's memory: its peak, and handing freed pages back.

/// Peak resident set size in kB (`VmHWM`), where the platform tells it.
pub fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Return freed pages to the system: called after parsing (before
/// evaluation) and after the model is freed (before the report).
/// glibc keeps them resident in its per-thread arenas, and evaluation then
/// grows other arenas instead of reusing them: on a 200 MB plan that was a
/// fifth of the peak. (Limiting glibc to one arena did the same but halved
/// parallel speed.)
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
