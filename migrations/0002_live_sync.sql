-- Live sync (issue 4): when each job runs, and the live state a running service publishes.

-- realtime | interval | schedule | manual
ALTER TABLE jobs ADD COLUMN sync_trigger TEXT NOT NULL DEFAULT 'realtime';
-- `interval`: minutes between runs.
ALTER TABLE jobs ADD COLUMN interval_minutes INTEGER NOT NULL DEFAULT 60;
-- `schedule`: JSON {"times":["09:00","18:30"],"days":["mon",...]} (no days: every day).
ALTER TABLE jobs ADD COLUMN schedule TEXT NOT NULL DEFAULT '{"times":[],"days":[]}';
-- Full rescan period backing up every live trigger (0: none).
ALTER TABLE jobs ADD COLUMN rescan_minutes INTEGER NOT NULL DEFAULT 60;
-- Quiet period that coalesces file-system events before a run.
ALTER TABLE jobs ADD COLUMN quiet_ms INTEGER NOT NULL DEFAULT 2000;
-- Use SMB2 CHANGE_NOTIFY on the remote folder (else poll).
ALTER TABLE jobs ADD COLUMN remote_notify INTEGER NOT NULL DEFAULT 1;
-- Remote polling period when notification is off, refused or lost.
ALTER TABLE jobs ADD COLUMN poll_secs INTEGER NOT NULL DEFAULT 60;

-- The state a running sync service (the tray app or `anemone-sync watch`) last published for
-- each job, so `status` in another process can show it. `updated_ms` is refreshed while the
-- service runs; a row not refreshed for a while belongs to a service that stopped.
CREATE TABLE job_live (
    job_id      INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    state       TEXT NOT NULL,                 -- idle|syncing|paused|offline|error|conflict
    message     TEXT,
    since_ms    INTEGER NOT NULL,              -- when the job entered this state
    updated_ms  INTEGER NOT NULL,
    next_sync_ms INTEGER
);
