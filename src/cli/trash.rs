//! `trash list | restore | empty`: a job's trash on both sides.

use std::io::{BufRead, IsTerminal, Write};

use anemone_sync::db::history::local_time;
use anemone_sync::engine::Engine;
use anemone_sync::sync::SyncError;
use anemone_sync::trash::{side_name, TrashItem, TrashKey, TrashListing};
use anemone_sync::tree::Side;

use super::args::TrashCommand;
use super::{human_bytes, job_by_name};

fn parse_side(s: Option<&str>) -> Option<Side> {
    match s {
        Some("local") => Some(Side::Local),
        Some("remote") => Some(Side::Remote),
        _ => None,
    }
}

fn why(i: &TrashItem) -> &'static str {
    match i.reason {
        anemone_sync::db::trash::TrashReason::Deleted => "deleted",
        anemone_sync::db::trash::TrashReason::Overwritten => "overwritten",
        anemone_sync::db::trash::TrashReason::Conflict => "lost a conflict",
        anemone_sync::db::trash::TrashReason::Unknown => "-",
    }
}

fn print_problems(l: &TrashListing) {
    for p in &l.problems {
        eprintln!("warning: {p}");
    }
}

pub(crate) async fn run(engine: &Engine, cmd: TrashCommand) -> Result<i32, SyncError> {
    match cmd {
        TrashCommand::List { name, json } => {
            let job = job_by_name(engine, &name).await?;
            let l = engine.trash_list(&job).await;
            if json {
                println!("{}", serde_json::to_string_pretty(&l).unwrap_or_default());
                return Ok(if l.problems.is_empty() { 0 } else { 1 });
            }
            print_problems(&l);
            if l.items.is_empty() {
                println!("the trash of '{name}' is empty");
            } else {
                println!(
                    "{} in the trash of '{name}' ({}):",
                    plural(l.items.len(), "file"),
                    human_bytes(l.total_size(None))
                );
                for i in &l.items {
                    println!(
                        "  {}  {:<15}  {:>10}  {:<13}  {}",
                        local_time(i.trashed_at_ms),
                        why(i),
                        human_bytes(i.size),
                        side_name(i.side),
                        i.original_path
                    );
                }
                println!(
                    "restore with `anemone-sync trash restore {name} PATH` (the newest version of PATH), or a trash path from `--json`"
                );
            }
            Ok(if l.problems.is_empty() { 0 } else { 1 })
        }
        TrashCommand::Restore {
            name,
            paths,
            side,
            json,
        } => {
            let job = job_by_name(engine, &name).await?;
            let side = parse_side(side.as_deref());
            let l = engine.trash_list(&job).await;
            let mut keys = Vec::new();
            for p in &paths {
                let p = p.trim_matches('/');
                // Newest first: the first match of an original path is its newest version.
                let found = l.items.iter().find(|i| {
                    side.is_none_or(|s| s == i.side) && (i.trash_path == p || i.original_path == p)
                });
                match found {
                    Some(i) => keys.push(TrashKey {
                        side: i.side,
                        trash_path: i.trash_path.clone(),
                    }),
                    None => {
                        print_problems(&l);
                        return Err(SyncError::Config(format!(
                            "'{p}' is not in the trash of '{name}'; see `anemone-sync trash list {name}`"
                        )));
                    }
                }
            }
            let results = engine.trash_restore(&job, &keys).await;
            let mut failed = 0;
            let mut out = Vec::new();
            for (k, r) in keys.iter().zip(&results) {
                match r {
                    Ok(done) => {
                        if !json {
                            let beside = if done.restored_to != done.original_path {
                                format!(" (beside {}, whose name is taken)", done.original_path)
                            } else {
                                String::new()
                            };
                            println!(
                                "restored {} on {}{beside}",
                                done.restored_to,
                                side_name(done.side)
                            );
                        }
                        out.push(serde_json::json!({"ok": true, "restored": done}));
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e}", k.trash_path);
                        out.push(serde_json::json!({"ok": false, "trash_path": k.trash_path, "side": k.side, "error": e}));
                    }
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else if failed < keys.len() {
                println!(
                    "the next sync carries it to the other side (`anemone-sync sync {name}`, or at once when the app or `watch` runs the job)"
                );
            }
            Ok(if failed == 0 { 0 } else { 1 })
        }
        TrashCommand::Empty { name, side, yes } => {
            let job = job_by_name(engine, &name).await?;
            let side = parse_side(side.as_deref());
            let sides: Vec<Side> = match side {
                Some(s) => vec![s],
                None => vec![Side::Local, Side::Remote],
            };
            let l = engine.trash_list(&job).await;
            print_problems(&l);
            for &s in &sides {
                println!(
                    "on {}: {} ({})",
                    side_name(s),
                    plural(l.count(Some(s)), "file"),
                    human_bytes(l.total_size(Some(s)))
                );
            }
            if l.problems.is_empty() && sides.iter().all(|&s| l.count(Some(s)) == 0) {
                println!("the trash of '{name}' is already empty");
                return Ok(0);
            }
            if !yes && !confirm("Delete them for good? [y/N] ")? {
                println!("nothing was deleted");
                return Ok(0);
            }
            let mut code = 0;
            for (s, r) in engine.trash_empty(&job, &sides).await {
                match r {
                    Ok(_) => println!("emptied the trash on {}", side_name(s)),
                    Err(e) => {
                        code = 1;
                        eprintln!("the trash on {} was not emptied: {e}", side_name(s));
                    }
                }
            }
            Ok(code)
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Asks on the terminal; without one (a script) it refuses rather than guess.
fn confirm(question: &str) -> Result<bool, SyncError> {
    if !std::io::stdin().is_terminal() {
        return Err(SyncError::Config(
            "emptying the trash deletes those files for good; pass --yes to confirm".into(),
        ));
    }
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| SyncError::Config(format!("cannot read the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}
