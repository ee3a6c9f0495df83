//! How a guard stop reads on a terminal: what would be deleted, and the two commands that
//! answer it (the engine's message says the same in a sentence).

use anemone_sync::sync::guard::GuardStop;
use anemone_sync::tree::Side;

use super::output::human_bytes;

pub(crate) fn print_stop(job: &str, g: &GuardStop) {
    let side = match g.side {
        Side::Local => "on this computer",
        Side::Remote => "on the remote",
    };
    eprintln!(
        "  would delete {} {side} ({}):",
        anemone_sync::sync::report::plural(g.count, "file"),
        human_bytes(g.bytes)
    );
    for p in &g.paths {
        eprintln!("    {p}");
    }
    let more = g.count.saturating_sub(g.paths.len() as u64);
    if more > 0 {
        eprintln!("    ...and {more} more");
    }
    let name = shell_word(job);
    eprintln!("  To delete them {side} too:  anemone-sync sync --force {name}");
    eprintln!("  To copy them back instead:  anemone-sync sync --restore-missing {name}");
}

/// The job name as one shell word.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
