-- Trash you can browse and restore (issue 16, part 3).

-- What a run moved to a side's `.anemone-trash`, and why: the trash folder itself keeps only
-- the original path (under a run-stamp folder), not whether the file was deleted, overwritten
-- by a newer version, or lost a conflict. One row per file moved; rows whose file is no longer
-- in the trash (emptied, restored, removed by hand) are simply not shown and are dropped when
-- the trash is emptied or the file restored.
CREATE TABLE trash_items (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    -- local or remote
    side TEXT NOT NULL,
    -- Where it is now, from the side's root: `.anemone-trash/<run stamp>/<path>[ (n)]`.
    trash_path TEXT NOT NULL,
    -- Where it was.
    original_path TEXT NOT NULL,
    -- deleted, overwritten or conflict
    reason TEXT NOT NULL,
    -- The run that moved it (its history rows), when known.
    run_id INTEGER,
    trashed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (job_id, side, trash_path)
);
