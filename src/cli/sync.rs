//! `sync`: runs the jobs, with a progress bar on a terminal, and prints one summary (or one JSON
//! object) per job; the most serious outcome sets the exit code.

use std::io::IsTerminal;

use anemone_sync::engine::Engine;
use anemone_sync::events::Event;
use anemone_sync::sync::{RunReport, SyncError, SyncOptions};

use super::output::print_summary;
use super::selected_jobs;

/// How the runs go: `--dry-run`, and the two answers to a guard stop, `--force` (delete them
/// there too) and `--restore-missing` (copy them back).
pub(crate) struct How {
    pub dry_run: bool,
    pub force: bool,
    pub restore_missing: bool,
}

pub(crate) async fn run(
    engine: &Engine,
    names: Vec<String>,
    how: How,
    json: bool,
) -> Result<i32, SyncError> {
    let How {
        dry_run,
        force,
        restore_missing,
    } = how;
    let jobs = selected_jobs(engine, &names, "sync").await?;
    let show_bar = !json && std::io::stderr().is_terminal();
    let mut reports = Vec::new();
    for job in &jobs {
        let bar = show_bar.then(|| progress_bar(engine, &job.name));
        let report = engine
            .sync_job(
                job,
                SyncOptions {
                    dry_run,
                    force,
                    restore_missing,
                    ..SyncOptions::default()
                },
            )
            .await;
        if let Some((bar, task)) = bar {
            task.abort();
            bar.finish_and_clear();
        }
        if !json {
            print_summary(&report, dry_run);
        }
        reports.push(report);
    }
    if json {
        if reports.len() == 1 {
            println!("{}", serde_json::to_string(&reports[0]).unwrap_or_default());
        } else {
            for r in &reports {
                println!("{}", serde_json::to_string(r).unwrap_or_default());
            }
        }
    }
    Ok(worst_exit(&reports))
}

/// The most serious outcome decides: cannot connect, then a local failure, then guard, then
/// config, then a first sync waiting for a choice, then failed files.
fn worst_exit(reports: &[RunReport]) -> i32 {
    for code in [3, 4, 5, 2, 6, 1] {
        if reports.iter().any(|r| r.exit_code == code) {
            return code;
        }
    }
    0
}

fn progress_bar(
    engine: &Engine,
    job: &str,
) -> (indicatif::ProgressBar, tokio::task::JoinHandle<()>) {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(job.to_string());
    let mut rx = engine.subscribe();
    let (b, job) = (bar.clone(), job.to_string());
    let task = tokio::spawn(async move {
        while let Ok(ev) = rx.recv().await {
            match ev {
                Event::Phase { job: j, phase } if j == job => {
                    b.set_message(format!("{phase:?}").to_lowercase())
                }
                Event::Progress {
                    job: j,
                    files_done,
                    files_total,
                    bytes_done,
                    bytes_total,
                    ..
                } if j == job => {
                    b.set_length(bytes_total);
                    b.set_position(bytes_done);
                    b.set_message(format!("{files_done}/{files_total} files"));
                }
                _ => {}
            }
        }
    });
    (bar, task)
}
