//! Conversions between SMB FILETIME (100 ns ticks since 1601) and our Unix nanoseconds, and
//! between our relative paths and share-relative SMB paths.

/// 100 ns ticks from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: i64 = 116_444_736_000_000_000;

pub(crate) fn filetime_to_ns(ticks: u64) -> i64 {
    (ticks as i64 - UNIX_EPOCH_TICKS).saturating_mul(100)
}

/// Rounds down to the 100 ns resolution of SMB. Times before 1601 clamp to the epoch + 1 tick
/// (a zero FILETIME means "do not change" in a set-info request).
pub(crate) fn ns_to_filetime(ns: i64) -> u64 {
    let ticks = ns.div_euclid(100) + UNIX_EPOCH_TICKS;
    ticks.max(1) as u64
}

/// Share-relative SMB path (`a\b`) for `rel` below the job root `root` (both in `/` syntax).
pub(crate) fn join_smb(root: &str, rel: &str) -> String {
    match (root.is_empty(), rel.is_empty()) {
        (_, true) => root.replace('/', "\\"),
        (true, false) => rel.replace('/', "\\"),
        (false, false) => format!("{root}/{rel}").replace('/', "\\"),
    }
}

/// The same path in `/` syntax, for messages.
pub(crate) fn join_shown(root: &str, rel: &str) -> String {
    match (root.is_empty(), rel.is_empty()) {
        (_, true) => root.to_string(),
        (true, false) => rel.to_string(),
        (false, false) => format!("{root}/{rel}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_round_trip() {
        assert_eq!(filetime_to_ns(116_444_736_000_000_000), 0);
        let ns = 1_700_000_000_123_456_700;
        assert_eq!(filetime_to_ns(ns_to_filetime(ns)), ns);
        assert_eq!(filetime_to_ns(ns_to_filetime(ns + 99)), ns);
    }

    #[test]
    fn joins() {
        assert_eq!(join_smb("", ""), "");
        assert_eq!(join_smb("a/b", ""), "a\\b");
        assert_eq!(join_smb("", "c"), "c");
        assert_eq!(join_smb("a", "c/d"), "a\\c\\d");
        assert_eq!(join_shown("a", "c/d"), "a/c/d");
    }
}
