//! What the benchmarks share: reading the process's memory figures.

/// A field of `/proc/self/status` in KiB (`VmHWM:` is the peak resident
/// memory), or `None` where there is no such file.
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
