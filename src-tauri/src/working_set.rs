//! Gives back the memory a closed window leaves behind (Linux), as tray apps do on Windows when
//! their window closes (EmptyWorkingSet).
//!
//! Showing a page loads WebKit, JavaScriptCore and, for its compositing, the GL driver (Mesa,
//! which on many machines brings LLVM) into this process, and touches their code. Libraries
//! cannot be unloaded, so after the window is destroyed their pages stay resident although
//! nothing runs them: measured with one job and the window closed, 137 MiB PSS, of which
//! about 100 MiB were clean pages of library code and read-only data (libLLVM 26, WebKit 24,
//! JavaScriptCore 12, our own binary 20).
//!
//! `trim` asks the kernel to reclaim those now (`MADV_PAGEOUT`, Linux 5.4+) on every read-only
//! file-backed mapping: clean pages, which the kernel would drop under memory pressure anyway,
//! and which come back from the file if the code runs again (the engine's own code does, at
//! the next sync, a few MiB). Writable and anonymous memory is left alone (it has no file to
//! come back from), except that the allocator returns its free pages (`malloc_trim`). Pages
//! that other processes also map are skipped by the kernel, so the shared libraries of the
//! desktop stay where they are.

/// How many bytes of mappings were handed to the kernel (not how many it reclaimed).
#[cfg(target_os = "linux")]
pub fn trim() -> u64 {
    // SAFETY: malloc_trim only returns free heap pages to the system.
    unsafe {
        libc::malloc_trim(0);
    }
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return 0;
    };
    let mut advised = 0;
    for m in maps.lines().filter_map(Mapping::parse) {
        if !m.reclaimable() {
            continue;
        }
        // SAFETY: the range is a whole mapping of this process, read from /proc/self/maps a
        // moment ago; MADV_PAGEOUT changes no contents (a clean file page is read back from
        // its file on the next access), and a range unmapped meanwhile only makes it fail.
        let r = unsafe {
            libc::madvise(
                m.start as *mut libc::c_void,
                (m.end - m.start) as libc::size_t,
                libc::MADV_PAGEOUT,
            )
        };
        if r == 0 {
            advised += m.end - m.start;
        } else if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
            // A kernel before 5.4 knows no MADV_PAGEOUT: nothing more to try.
            break;
        }
    }
    advised
}

#[cfg(not(target_os = "linux"))]
pub fn trim() -> u64 {
    0
}

/// One line of /proc/self/maps: `start-end perms offset dev inode path`.
#[derive(Debug, PartialEq)]
struct Mapping<'a> {
    start: u64,
    end: u64,
    perms: &'a str,
    path: &'a str,
}

impl<'a> Mapping<'a> {
    fn parse(line: &'a str) -> Option<Mapping<'a>> {
        let mut f = line.split_whitespace();
        let (range, perms) = (f.next()?, f.next()?);
        let path = f.nth(3).unwrap_or("");
        let (s, e) = range.split_once('-')?;
        Some(Mapping {
            start: u64::from_str_radix(s, 16).ok()?,
            end: u64::from_str_radix(e, 16).ok()?,
            perms,
            path,
        })
    }

    /// A read-only mapping of a file on disk: library code, read-only data, fonts, the
    /// binary. Not writable ones (their changed pages have no file to come back from), not
    /// shared memory (`/memfd:`, `/SYSV`, `/dev/`), not the kernel's (`[vdso]` ...).
    fn reclaimable(&self) -> bool {
        self.perms.starts_with('r')
            && self.perms.as_bytes().get(1) == Some(&b'-')
            && self.path.starts_with('/')
            && !self.path.starts_with("/memfd:")
            && !self.path.starts_with("/SYSV")
            && !self.path.starts_with("/dev/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_file_mappings_are_reclaimed() {
        let lines = [
            (
                "7f00-7f10 r-xp 00000000 08:01 123 /usr/lib/libLLVM-15.so.1",
                true,
            ),
            (
                "7f10-7f20 r--p 00010000 08:01 123 /usr/lib/libLLVM-15.so.1",
                true,
            ),
            (
                "7f20-7f30 rw-p 00020000 08:01 123 /usr/lib/libLLVM-15.so.1",
                false,
            ),
            ("7f30-7f40 rw-p 00000000 00:00 0 ", false),
            ("7f40-7f50 rw-p 00000000 00:00 0 [heap]", false),
            (
                "7f50-7f60 r--s 00000000 00:01 9 /memfd:WebKitSharedMemory (deleted)",
                false,
            ),
            (
                "7f60-7f70 rw-s 00000000 00:01 9 /SYSV00000000 (deleted)",
                false,
            ),
            ("7f70-7f80 r-xp 00000000 00:00 0 [vdso]", false),
            (
                "7f80-7f90 r--p 00000000 08:01 77 /usr/share/fonts/x.ttf",
                true,
            ),
            ("7f90-7fa0 r--s 00000000 08:01 78 /dev/dri/card0", false),
            (
                "7fa0-7fb0 ---p 00000000 08:01 123 /usr/lib/libLLVM-15.so.1",
                false,
            ),
        ];
        for (line, want) in lines {
            let m = Mapping::parse(line).unwrap();
            assert_eq!(m.reclaimable(), want, "{line}");
        }
        let m = Mapping::parse(lines[0].0).unwrap();
        assert_eq!((m.start, m.end, m.perms), (0x7f00, 0x7f10, "r-xp"));
    }

    /// On this machine's kernel the call is taken and our own code still runs afterwards.
    #[cfg(target_os = "linux")]
    #[test]
    fn trimming_this_process_keeps_it_working() {
        let advised = trim();
        assert!(advised > 0, "no mapping was handed to the kernel");
        let v: Vec<u64> = (0..1000).collect();
        assert_eq!(v.iter().sum::<u64>(), 499_500);
    }
}
