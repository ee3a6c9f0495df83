//! How a first sync's choices read on a terminal: what each would move (`sync --dry-run` of a
//! first sync, and a first sync that stopped to ask).

use anemone_sync::sync::first_sync::FirstSync;
use anemone_sync::sync::first_sync_preview::{FirstSyncCounts, FirstSyncPreview};
use anemone_sync::sync::report::plural;

use super::human_bytes;

/// What a choice does, in words.
pub(crate) fn describe(c: FirstSync) -> &'static str {
    match c {
        FirstSync::Merge => "merge (copy what is missing both ways; differing files are conflicts)",
        FirstSync::LocalWins => {
            "make the server like this computer's folder (replaced and deleted server files go to the server's trash)"
        }
        FirstSync::RemoteWins => {
            "make this computer's folder like the server (replaced and deleted local files go to the local trash)"
        }
    }
}

/// One line of counts.
pub(crate) fn counts_line(c: &FirstSyncCounts) -> String {
    let mut parts = vec![
        format!("{} up", c.uploads),
        format!("{} down", c.downloads),
        format!("{} replaced", c.replaced),
        format!("{} to the trash", c.deleted),
        plural(c.conflicts, "conflict"),
        format!("{} to compare", c.to_compare),
        human_bytes(c.bytes),
    ];
    if c.compare_bytes > 0 {
        parts.push(format!(
            "up to {} more if the ones to compare differ",
            human_bytes(c.compare_bytes)
        ));
    }
    parts.join(", ")
}

pub(crate) fn print_preview(p: &FirstSyncPreview) {
    println!(
        "  first sync: {} here, {} on the server; each choice would move:",
        plural(p.local_files, "file"),
        plural(p.remote_files, "file")
    );
    for c in FirstSync::ALL {
        println!("    {:<12} {}", c.as_str(), counts_line(p.of(c)));
    }
    println!(
        "  (files to compare have the same size on both sides: identical ones stay as they are)"
    );
}
