//! How the process uses the allocator: blocks of a transfer's size kept at hand during a run,
//! and memory given back after it.
//!
//! A run over a big tree (the listings of 100,000 entries, the plan, the history rows) peaks at
//! tens of MiB, a first sync (every path planned) at more. The memory is freed when the run ends, but glibc's allocator keeps freed
//! pages in its arenas (one per thread that allocated, and the runtime has many), so a live-sync
//! service sat at its peak for as long as it stayed idle. `malloc_trim` returns them.
//! Elsewhere (macOS, Windows, musl) the allocator returns memory by itself or not at all; this
//! does nothing there.

/// The process's peak resident memory so far in KiB (Linux's `VmHWM`), for the stage times
/// logged at debug level; `None` elsewhere.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Returns the allocator's free memory to the operating system.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists and is thread-safe.
        unsafe { libc::malloc_trim(0) };
    }
}

/// Keeps blocks of a transfer chunk's size (1 MiB and a bit) in glibc's heaps while they are
/// freed and allocated again, instead of mapping each one fresh. The `smb` crate allocates
/// such a block for every message it signs (a copy to sign) and every reply it reads (a 1 MiB
/// read's answer). With glibc's defaults a freed block of that size at the top of a heap is
/// handed back to the kernel (the trim threshold adapts to about twice the largest block freed,
/// 2 MiB here) and the next allocation faults every page in again, zeroed: a 1 GiB download
/// spent 1.0-1.3 s of system time on that (profile: page faults, memset, memcg charges), and
/// 0.5 s with these settings. Blocks up to 4 MiB come from the
/// heaps, and up to 32 MiB of free space stays at a heap's top; `give_back` still returns it
/// all after a run. Once per process, before transfers start.
pub fn keep_transfer_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets the allocator's tuning parameters; it takes the
            // allocator's own lock and is safe to call while other threads allocate.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 4 * 1024 * 1024);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 32 * 1024 * 1024);
            }
        });
    }
}
