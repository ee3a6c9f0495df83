//! Counts and durations: "1 conflict", "2 conflicts"; "under a second", "45 s", "3 min 5 s".
//! `ui/src/lib/format.ts` (`plural`, `formatDuration`) reads the same.

/// "1 file", "3 files", "0 files"; `what` is the singular noun (regular plurals only: the
/// words used here are file, folder, conflict, error, note, job, run).
pub fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A duration for people: "under a second", "45 s", "3 min 5 s", "2 h 10 min", "3 d 4 h".
pub fn format_duration_ms(ms: u64) -> String {
    if ms < 1000 {
        return "under a second".into();
    }
    let s = (ms + 500) / 1000;
    if s < 60 {
        return format!("{s} s");
    }
    let m = s / 60;
    if m < 60 {
        return match s % 60 {
            0 => format!("{m} min"),
            r => format!("{m} min {r} s"),
        };
    }
    let h = m / 60;
    if h < 24 {
        return match m % 60 {
            0 => format!("{h} h"),
            r => format!("{h} h {r} min"),
        };
    }
    let d = h / 24;
    match h % 24 {
        0 => format!("{d} d"),
        r => format!("{d} d {r} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural(0, "conflict"), "0 conflicts");
        assert_eq!(plural(1, "conflict"), "1 conflict");
        assert_eq!(plural(2, "conflict"), "2 conflicts");
    }

    #[test]
    fn durations() {
        let cases = [
            (0, "under a second"),
            (999, "under a second"),
            (1000, "1 s"),
            (1499, "1 s"),
            (1500, "2 s"),
            (59_000, "59 s"),
            (60_000, "1 min"),
            (185_000, "3 min 5 s"),
            (3_600_000, "1 h"),
            (7_800_000, "2 h 10 min"),
            (86_400_000, "1 d"),
            (273_600_000, "3 d 4 h"),
        ];
        for (ms, want) in cases {
            assert_eq!(format_duration_ms(ms), want, "{ms} ms");
        }
    }
}
