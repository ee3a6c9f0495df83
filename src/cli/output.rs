//! How a run's outcome reads on a terminal. Errors read as the engine's sentences
//! (`anemone_sync::words`); their technical detail is printed only with `-v`/`--verbose` (it is
//! in the log either way).

use std::sync::atomic::{AtomicBool, Ordering};

use anemone_sync::sync::{RunReport, SyncError};
use anemone_sync::words::{format_duration_ms, plural};

/// `-v`/`--verbose`: print the technical detail under each error's sentence.
static VERBOSE: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

pub(crate) fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// A command's error: its sentence, and with `--verbose` the detail.
pub(crate) fn print_error(e: &SyncError) {
    let words = anemone_sync::words::explain_sync(e);
    eprintln!("error: {}", words.sentence);
    print_detail(words.detail.as_deref());
}

fn print_detail(detail: Option<&str>) {
    if let (true, Some(d)) = (verbose(), detail) {
        eprintln!("  detail: {d}");
    }
}

/// The files a run could not sync: path and sentence, and with `--verbose` the detail.
pub(crate) fn print_file_errors(errors: &[anemone_sync::db::history::FileError]) {
    for e in errors {
        eprintln!("  {}: {}", e.path, e.message);
        if let (true, Some(d)) = (verbose(), &e.detail) {
            eprintln!("    detail: {d}");
        }
    }
}

pub(crate) fn print_summary(r: &RunReport, dry_run: bool) {
    let c = &r.counts;
    let lead = if dry_run {
        "would sync"
    } else {
        r.status.as_str()
    };
    println!(
        "{}: {lead} - {} up ({}), {} down ({}), {} deleted here, {} deleted remotely, {} moved here, {} moved remotely, {}, {} skipped, {}",
        r.job,
        c.uploaded,
        human_bytes(c.bytes_up),
        c.downloaded,
        human_bytes(c.bytes_down),
        c.deleted_local,
        c.deleted_remote,
        c.moved_local,
        c.moved_remote,
        plural(c.conflicts, "conflict"),
        c.skipped,
        format_duration_ms(r.duration_ms)
    );
    if let Some(m) = &r.message {
        if !dry_run {
            eprintln!("{}: {m}", r.job);
            print_detail(r.detail.as_deref());
        }
    }
    if let Some(g) = &r.guard {
        super::guard::print_stop(&r.job, g);
    }
    print_file_errors(&r.errors);
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

/// Sizes as everywhere in the app: decimal units (`anemone_sync::words::format_bytes`).
pub(crate) fn human_bytes(n: u64) -> String {
    anemone_sync::words::format_bytes(n)
}
