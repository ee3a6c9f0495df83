-- Move and rename detection (issue 14).

-- The local file id (inode and device) at the last sync: a synced path gone from the local
-- folder and a new path with this id is a move.
ALTER TABLE entries ADD COLUMN local_file_id INTEGER;

-- Moves carried out: renamed on the local side (following the share) and on the share.
ALTER TABLE runs ADD COLUMN moved_local INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN moved_remote INTEGER NOT NULL DEFAULT 0;

-- A move's old path (its `path` is the new one).
ALTER TABLE run_files ADD COLUMN moved_from TEXT;
