-- Jobs, the last-synced state of every path, runs, conflicts and resumable transfers.
-- No password is ever stored here: credentials live in the OS keyring or the 0600 file store.

CREATE TABLE jobs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL UNIQUE,
    local_path          TEXT NOT NULL,
    remote_url          TEXT NOT NULL,
    mode                TEXT NOT NULL DEFAULT 'two-way',
    conflict_policy     TEXT NOT NULL DEFAULT 'keep-both',
    excludes            TEXT NOT NULL DEFAULT '[]',      -- JSON array of glob patterns
    max_delete_percent  INTEGER NOT NULL DEFAULT 50,
    enabled             INTEGER NOT NULL DEFAULT 1,
    parallel            INTEGER NOT NULL DEFAULT 4,
    trash_retention_days INTEGER NOT NULL DEFAULT 30,
    created_at          INTEGER NOT NULL               -- unix seconds
);

-- The base tree: each path as both sides held it at its last sync.
CREATE TABLE entries (
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    path            TEXT NOT NULL,
    kind            TEXT NOT NULL,                      -- 'file' | 'dir'
    hash            BLOB,                               -- blake3 of the content (files)
    local_size      INTEGER NOT NULL,
    local_mtime_ns  INTEGER NOT NULL,
    remote_size     INTEGER NOT NULL,
    remote_mtime_ns INTEGER NOT NULL,
    remote_ctime_ns INTEGER,
    remote_file_id  INTEGER,
    PRIMARY KEY (job_id, path)
) WITHOUT ROWID;

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    started_at_ms   INTEGER NOT NULL,
    ended_at_ms     INTEGER,
    status          TEXT NOT NULL DEFAULT 'running',   -- running|success|partial|failed|aborted
    dry_run         INTEGER NOT NULL DEFAULT 0,
    uploaded        INTEGER NOT NULL DEFAULT 0,
    downloaded      INTEGER NOT NULL DEFAULT 0,
    deleted_local   INTEGER NOT NULL DEFAULT 0,
    deleted_remote  INTEGER NOT NULL DEFAULT 0,
    conflicts       INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    bytes_up        INTEGER NOT NULL DEFAULT 0,
    bytes_down      INTEGER NOT NULL DEFAULT 0,
    message         TEXT                                -- why a run failed or aborted
);
CREATE INDEX runs_by_job ON runs(job_id, id);

CREATE TABLE run_errors (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    message  TEXT NOT NULL
);
CREATE INDEX run_errors_by_run ON run_errors(run_id);

-- What each run did to each file (the recent-activity list).
CREATE TABLE run_files (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    action   TEXT NOT NULL,                             -- uploaded|downloaded|deleted_local|...
    bytes    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX run_files_by_run ON run_files(run_id);

CREATE TABLE conflicts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    path            TEXT NOT NULL,
    local_size      INTEGER NOT NULL,
    local_mtime_ns  INTEGER NOT NULL,
    remote_size     INTEGER NOT NULL,
    remote_mtime_ns INTEGER NOT NULL,
    detected_at_ms  INTEGER NOT NULL,
    resolved_at_ms  INTEGER,
    resolution      TEXT                                -- local|remote|both|gone
);
CREATE UNIQUE INDEX conflicts_pending ON conflicts(job_id, path) WHERE resolved_at_ms IS NULL;

-- Transfers in progress, so an interrupted one can resume from what the server acknowledged.
CREATE TABLE transfers (
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    path            TEXT NOT NULL,
    direction       TEXT NOT NULL,                      -- 'up' | 'down'
    source_size     INTEGER NOT NULL,
    source_mtime_ns INTEGER NOT NULL,
    committed       INTEGER NOT NULL,                   -- bytes [0, committed) are in the temp
    PRIMARY KEY (job_id, path, direction)
) WITHOUT ROWID;
