//! Bandwidth rates as people write them: decimal units (kB = 1000 bytes, MB, GB), binary ones
//! (KiB = 1024 bytes, MiB, GiB) when asked for, an optional "/s", and "off" (or 0) for none.
//! Rates are bytes per second; a limit below [`MIN_RATE`] is refused, because transfers draw
//! from the bucket a chunk (up to 1 MiB) at a time and a slower limit would stall a chunk
//! for minutes.

use std::fmt;

/// The lowest limit accepted: 10 kB/s.
pub const MIN_RATE: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateError(pub String);

impl fmt::Display for RateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RateError {}

fn in_bits(text: &str) -> RateError {
    RateError(format!(
        "{text:?} is in bits; give the limit in bytes per second, like 2MB (16 Mbit/s is 2MB)"
    ))
}

/// A rate in bytes per second; `None` for no limit ("off", "none", "unlimited", "0", or empty).
pub fn parse_rate(text: &str) -> Result<Option<u64>, RateError> {
    let s = text.trim();
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "" | "off" | "none" | "unlimited" | "no" | "0"
    ) {
        return Ok(None);
    }
    let bad = || {
        RateError(format!(
            "{text:?} is not a rate; write bytes per second with a unit, like 500kB, 2MB or 1.5MB/s (or off for no limit)"
        ))
    };
    let unit_part = lower
        .strip_suffix("/s")
        .or_else(|| lower.strip_suffix("ps"));
    let body = unit_part.unwrap_or(lower.as_str()).trim_end();
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, unit) = (body[..split].trim(), body[split..].trim());
    if number.is_empty() || number.matches('.').count() > 1 {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    let factor: f64 = match unit {
        "b" | "" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "kbit" | "mbit" | "gbit" => return Err(in_bits(text)),
        _ => return Err(bad()),
    };
    let bytes = value * factor;
    if bytes == 0.0 {
        return Ok(None);
    }
    if !bytes.is_finite() || bytes > 1e15 {
        return Err(bad());
    }
    let bytes = bytes.round() as u64;
    if bytes < MIN_RATE {
        return Err(RateError(format!(
            "{text:?} is below the lowest limit, 10 kB/s; give at least 10kB, or off for no limit"
        )));
    }
    Ok(Some(bytes))
}

/// A limit for people: "2 MB/s", "500 kB/s", "1.5 MB/s", or "no limit".
pub fn format_rate(rate: Option<u64>) -> String {
    let Some(b) = rate else {
        return "no limit".into();
    };
    let (value, unit) = match b {
        b if b >= 1_000_000_000 => (b as f64 / 1e9, "GB/s"),
        b if b >= 1_000_000 => (b as f64 / 1e6, "MB/s"),
        b if b >= 1_000 => (b as f64 / 1e3, "kB/s"),
        b => (b as f64, "B/s"),
    };
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {unit}")
}

/// The same rate as the CLI takes it back ("2MB", "off"): what `config export` writes.
pub fn rate_arg(rate: Option<u64>) -> String {
    match rate {
        None => "off".into(),
        Some(b) => format_rate(Some(b)).replace(' ', "").replace("/s", ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_units_with_or_without_per_second() {
        assert_eq!(parse_rate("2MB"), Ok(Some(2_000_000)));
        assert_eq!(parse_rate("2MB/s"), Ok(Some(2_000_000)));
        assert_eq!(parse_rate("2 MB/s"), Ok(Some(2_000_000)));
        assert_eq!(parse_rate("500kB"), Ok(Some(500_000)));
        assert_eq!(parse_rate("500KB"), Ok(Some(500_000)));
        assert_eq!(parse_rate("1.5MB"), Ok(Some(1_500_000)));
        assert_eq!(parse_rate("1GB"), Ok(Some(1_000_000_000)));
        assert_eq!(parse_rate("64000"), Ok(Some(64_000)));
        assert_eq!(parse_rate("1MiB"), Ok(Some(1_048_576)));
        assert_eq!(parse_rate("2MBps"), Ok(Some(2_000_000)));
    }

    #[test]
    fn off_means_no_limit() {
        for s in ["off", "OFF", "none", "0", "", "0MB", "unlimited"] {
            assert_eq!(parse_rate(s), Ok(None), "{s}");
        }
    }

    #[test]
    fn bad_values_get_a_sentence() {
        for s in ["fast", "2XB", "-1MB", "1..5MB", "MB", "1e3kB"] {
            let e = parse_rate(s).unwrap_err().0;
            assert!(e.contains("is not a rate"), "{s}: {e}");
        }
        assert!(parse_rate("16Mbit").unwrap_err().0.contains("bits"));
        assert!(parse_rate("5kB").unwrap_err().0.contains("lowest limit"));
    }

    #[test]
    fn formats_round_trip() {
        for b in [10_000, 500_000, 1_500_000, 2_000_000, 3_250_000_000] {
            let printed = rate_arg(Some(b));
            assert_eq!(parse_rate(&printed), Ok(Some(b)), "{printed}");
        }
        assert_eq!(format_rate(Some(2_000_000)), "2 MB/s");
        assert_eq!(format_rate(Some(500_000)), "500 kB/s");
        assert_eq!(format_rate(None), "no limit");
        assert_eq!(rate_arg(None), "off");
    }
}
