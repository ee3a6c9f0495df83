-- The first sync of two folders that both hold files (issue 16): how paths never synced are
-- settled. One row per job whose choice is not spent yet: 'ask' (added in the app without a
-- choice: the first sync waits for one when both folders hold something), 'merge',
-- 'local-wins' or 'remote-wins'. The job's first complete sync deletes the row; a job without
-- a row merges (every job added before this, and any job after its first sync).
CREATE TABLE first_sync (
    job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    choice TEXT NOT NULL,
    -- Set when a run stopped to ask: the app shows the job as waiting for the choice.
    waiting INTEGER NOT NULL DEFAULT 0
);
