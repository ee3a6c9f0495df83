-- A per-file error's technical text (issue 16, part 1): `message` holds the sentence a person
-- reads (crate::words), `detail` what the server or the system answered, shown behind
-- "Details" and with the CLI's --verbose. NULL for rows written before, whose message is the
-- raw text, and for the engine's own messages, which are sentences already.
ALTER TABLE run_errors ADD COLUMN detail TEXT;
