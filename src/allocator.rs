//! The allocator of the `whatif` binary (and of the benchmarks that measure
//! it): mimalloc, tuned to give memory back promptly, without transparent huge
//! pages.
//!
//! Checking a large model builds millions of small tree nodes on the parser
//! threads and frees them on the main thread while it builds the checked model.
//! glibc's allocator is slow at that (checking takes twice as long) and, like
//! mimalloc's defaults, keeps the freed pages: the trees and the model then
//! both count in the peak. `cargo bench --bench parse_check` measures it.

/// The global allocator type; a binary declares
/// `#[global_allocator] static A: Allocator = Allocator;` and calls [`tune`].
pub type Allocator = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc 3 (`mi_option_e` in the `mimalloc.h`
/// that the pinned `libmimalloc-sys` builds), which that crate does not name.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Returns freed pages to the system after 10 ms instead of mimalloc's
/// default second: the trees' pages are free by the time the checked model
/// grows, and the peak then holds one of them, not both (a 10 MB model peaks
/// at about 14 times its size instead of 23). 50 ms was no faster beyond
/// noise, and too long for a 1 MB model, whose check ends first (35 times).
/// Call it first thing in `main`.
pub fn tune() {
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table; it is
    // not thread-safe, so it runs before any thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
    }
    // mimalloc asks for transparent huge pages over the arena it reserved before
    // `main`, too early for its own option to turn that off; then every thread's
    // first small allocations fault in whole 2 MiB pages. The process opts out.
    #[cfg(target_os = "linux")]
    // SAFETY: `prctl(PR_SET_THP_DISABLE)` sets a flag on this process and
    // touches no memory of ours; a failure leaves huge pages on, which is
    // harmless.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_number_is_the_purge_delay() {
        // Read before any `tune`: mimalloc 3 documents a default of 1000 ms.
        // SAFETY: reads mimalloc's option table; no other test writes it.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
