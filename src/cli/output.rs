//! How a run's outcome reads on a terminal.

use anemone_sync::sync::RunReport;

pub(crate) fn print_summary(r: &RunReport, dry_run: bool) {
    let c = &r.counts;
    let lead = if dry_run {
        "would sync"
    } else {
        r.status.as_str()
    };
    println!(
        "{}: {lead} - {} up ({}), {} down ({}), {} deleted here, {} deleted remotely, {} moved here, {} moved remotely, {} conflicts, {} skipped, {:.1} s",
        r.job,
        c.uploaded,
        human_bytes(c.bytes_up),
        c.downloaded,
        human_bytes(c.bytes_down),
        c.deleted_local,
        c.deleted_remote,
        c.moved_local,
        c.moved_remote,
        c.conflicts,
        c.skipped,
        r.duration_ms as f64 / 1000.0
    );
    if let Some(m) = &r.message {
        if !dry_run {
            eprintln!("{}: {m}", r.job);
        }
    }
    for e in &r.errors {
        eprintln!("  {}: {}", e.path, e.message);
    }
    for n in &r.notes {
        eprintln!("  note: {}: {}", n.path, n.message);
    }
    if let Some(p) = &r.first_sync {
        super::first_sync::print_preview(p);
    }
    if let Some(plan) = &r.planned {
        for p in plan {
            match &p.from {
                Some(from) => println!("  {} {} -> {}", p.action, from, p.path),
                None => println!("  {} {}", p.action, p.path),
            }
        }
    }
}

pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
