//! Sizes in decimal units, as disks and file managers count them: 1 kB = 1000 B, 1 MB = 1000 kB.
//! Under 10 of a unit one decimal is shown ("1.5 kB", "9.9 MB"), from 10 on none ("10 kB",
//! "999 MB"); a value that rounds to 1000 of a unit is shown in the next ("1.0 MB"). Rounding
//! is half up on the exact integer, so `ui/src/lib/format.ts` (which does the same with
//! BigInt) agrees digit for digit: both are tested with [`CASES`].

const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];

/// `n` bytes for people: "0 B", "999 B", "1.0 kB", "1.5 kB", "10 kB", "1.0 MB".
pub fn format_bytes(n: u64) -> String {
    if n < 1000 {
        return format!("{n} B");
    }
    let n = n as u128;
    let mut unit = 0;
    let mut div: u128 = 1000;
    while n >= div * 1000 && unit < UNITS.len() - 1 {
        div *= 1000;
        unit += 1;
    }
    let tenths = (n * 10 + div / 2) / div;
    if tenths < 100 {
        return format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit]);
    }
    let whole = (n + div / 2) / div;
    if whole >= 1000 && unit < UNITS.len() - 1 {
        // 999.6 kB would read "1000 kB": say it in the next unit.
        let div = div * 1000;
        let tenths = (n * 10 + div / 2) / div;
        return format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit + 1]);
    }
    format!("{whole} {}", UNITS[unit])
}

/// Bytes per second: "2.4 MB/s".
pub fn format_rate(bytes_per_sec: u64) -> String {
    format!("{}/s", format_bytes(bytes_per_sec))
}

/// The shared table: bytes and how they read (`ui/src/lib/format.test.ts` has the same).
pub const CASES: &[(u64, &str)] = &[
    (0, "0 B"),
    (1, "1 B"),
    (999, "999 B"),
    (1000, "1.0 kB"),
    (1024, "1.0 kB"),
    (1049, "1.0 kB"),
    (1050, "1.1 kB"),
    (1250, "1.3 kB"),
    (1536, "1.5 kB"),
    (9949, "9.9 kB"),
    (9950, "10 kB"),
    (10_000, "10 kB"),
    (15_500, "16 kB"),
    (999_499, "999 kB"),
    (999_500, "1.0 MB"),
    (1_000_000, "1.0 MB"),
    (1_048_576, "1.0 MB"),
    (123_456_789, "123 MB"),
    (1_073_741_824, "1.1 GB"),
    (2_500_000_000, "2.5 GB"),
    (999_999_999_999, "1.0 TB"),
    (5_000_000_000_000, "5.0 TB"),
    (1_000_000_000_000_000, "1.0 PB"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_table() {
        for (n, want) in CASES {
            assert_eq!(format_bytes(*n), *want, "{n} bytes");
        }
    }

    #[test]
    fn labels_are_true_to_the_math() {
        // A GiB is 1.07 GB, never "1.0 GB"; a MiB is 1.0 MB (1.048...).
        assert_eq!(format_bytes(1 << 30), "1.1 GB");
        assert_eq!(format_bytes(u64::MAX), "18 EB");
        assert_eq!(format_rate(2_400_000), "2.4 MB/s");
        // No binary unit names anywhere.
        for (n, _) in CASES {
            assert!(!format_bytes(*n).contains("iB"));
        }
    }
}
