-- Hostile input and secrets (issue 12).

-- A per-file note of a run (a symbolic link or special file left alone, a trash folder that is
-- not a folder) is kept beside the per-file errors; unlike an error it does not make the run
-- partial.
ALTER TABLE run_errors ADD COLUMN note INTEGER NOT NULL DEFAULT 0;

-- SMB encryption the job asks for: auto (as the server asks) | required (an unencrypted
-- session is refused before any file moves).
ALTER TABLE jobs ADD COLUMN encryption TEXT NOT NULL DEFAULT 'auto';
