-- The delete guard's evidence that a job's local folder is still the one it synced (issue 16):
-- the device it was on and the token in its marker file (`.anemone-sync-folder`). A folder
-- that looks empty on another device, or without the marker, is an unmounted disk or a
-- folder made again, not a user who deleted everything. Kept for the path it was seen at: a
-- job moved to another folder starts afresh.
CREATE TABLE local_folders (
    job_id      INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    local_path  TEXT NOT NULL,
    device      INTEGER,
    marker      TEXT
);
