//! The read-only commands: `status`, `conflicts`, `history`.

use anemone_sync::engine::Engine;
use anemone_sync::sync::SyncError;
use anemone_sync::words::{activity_label, format_duration_ms, plural};

use super::job_by_name;

pub(crate) async fn status(engine: &Engine, json: bool) -> Result<i32, SyncError> {
    let jobs = engine.jobs().await?;
    let live = engine.live_states().await?;
    let mut out = Vec::new();
    for j in &jobs {
        let state = live.iter().find(|l| l.job_id == j.id);
        let last = engine.history(Some(j.id), 1).await?.into_iter().next();
        let conflicts = engine.pending_conflicts(Some(j.id)).await?.len();
        out.push(serde_json::json!({
            "job": j.name,
            "local": j.local_path,
            "remote": j.remote_url,
            "mode": j.mode,
            "enabled": j.enabled,
            "pending_conflicts": conflicts,
            // Set while a sync service (the app or `watch`) runs the job.
            "state": state.map(|l| l.state.clone()),
            "state_message": state.and_then(|l| l.message.clone()),
            "state_since_ms": state.map(|l| l.since_ms),
            "next_sync_ms": state.and_then(|l| l.next_sync_ms),
            "trigger": j.live.trigger,
            "last_run": last.as_ref().map(|r| serde_json::json!({
                "status": r.status, "started_at_ms": r.started_at_ms, "ended_at_ms": r.ended_at_ms,
                "message": r.message,
            })),
        }));
    }
    let store = engine.credential_store();
    if json {
        let v = serde_json::json!({
            "data_dir": engine.data_dir(),
            "credential_store": store,
            "credential_store_detail": engine.describe_credential_store(),
            "jobs": out,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("data folder: {}", engine.data_dir().display());
        println!("passwords: {}", engine.describe_credential_store());
        for (j, o) in jobs.iter().zip(&out) {
            let last = o["last_run"]["status"].as_str().unwrap_or("never synced");
            let live = match (o["state"].as_str(), o["state_message"].as_str()) {
                (Some(s), Some(m)) => format!(" - now {s}: {m}"),
                (Some(s), None) => format!(" - now {s}"),
                _ => String::new(),
            };
            println!(
                "{}: {} <-> {} - last run: {last}, {} pending conflicts{live}",
                j.name,
                j.local_path.display(),
                j.remote_url,
                o["pending_conflicts"]
            );
        }
    }
    Ok(0)
}

pub(crate) async fn conflicts(
    engine: &Engine,
    name: Option<String>,
    json: bool,
) -> Result<i32, SyncError> {
    let job_id = match &name {
        Some(n) => Some(job_by_name(engine, n).await?.id),
        None => None,
    };
    let list = engine.pending_conflicts(job_id).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else if list.is_empty() {
        println!("no pending conflicts");
    } else {
        for c in list {
            println!(
                "{}\t{}\t{}\tlocal {} B, remote {} B - settle with `anemone-sync resolve {} --keep local|remote|both`",
                c.id, c.job, c.path, c.local_size, c.remote_size, c.id
            );
        }
    }
    Ok(0)
}

pub(crate) async fn history(
    engine: &Engine,
    name: Option<String>,
    json: bool,
) -> Result<i32, SyncError> {
    let job_id = match &name {
        Some(n) => Some(job_by_name(engine, n).await?.id),
        None => None,
    };
    let runs = engine.history(job_id, 100).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&runs).unwrap_or_default()
        );
    } else {
        for r in runs {
            let when = chrono::DateTime::from_timestamp_millis(r.started_at_ms)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default();
            let took = match r.ended_at_ms {
                Some(e) => format_duration_ms((e - r.started_at_ms).max(0) as u64),
                None => "running".to_string(),
            };
            println!(
                "{} {when} {} {} ({took}): {} up, {} down, {} deleted here, {} deleted remotely, {} moved here, {} moved remotely, {}, {}, {}{}",
                r.id, r.job, r.status.as_str(), r.counts.uploaded, r.counts.downloaded, r.counts.deleted_local,
                r.counts.deleted_remote, r.counts.moved_local, r.counts.moved_remote, plural(r.counts.conflicts, "conflict"),
                plural(r.errors.len() as u64, "error"), plural(r.notes.len() as u64, "note"),
                r.message.map(|m| format!(" - {m}")).unwrap_or_default()
            );
            for m in &r.moves {
                let label = activity_label(&format!("moved_{}", m.side));
                println!("  {label}: {} -> {}", m.from, m.to);
            }
        }
    }
    Ok(0)
}
