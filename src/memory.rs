//! Giving memory back after a run.
//!
//! A run over a big tree (three trees of 100,000 entries, the plan, the history rows) peaks at a
//! few hundred MiB. The memory is freed when the run ends, but glibc's allocator keeps freed
//! pages in its arenas (one per thread that allocated, and the runtime has many), so a live-sync
//! service sat at its peak for as long as it stayed idle. `malloc_trim` returns them.
//! Elsewhere (macOS, Windows, musl) the allocator returns memory by itself or not at all; this
//! does nothing there.

/// Returns the allocator's free memory to the operating system.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists and is thread-safe.
        unsafe { libc::malloc_trim(0) };
    }
}
