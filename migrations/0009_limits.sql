-- Limits users ask for (issue 16, part 8).

-- A job's own bandwidth limits, bytes per second (NULL: none); the global limits cap all jobs
-- together on top of these.
CREATE TABLE job_limits (
    job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    up_bytes_per_sec INTEGER,
    down_bytes_per_sec INTEGER
);

-- Engine-wide settings the CLI and the app share: the global bandwidth limits
-- ("up_limit", "down_limit", bytes per second) and "pause_on_metered" ("1" or "0").
CREATE TABLE engine_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
