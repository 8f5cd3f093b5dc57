-- Step artifacts sync by id cursor like messages and actions: the server keeps a per-run high mark for them too.
ALTER TABLE sync_marks DROP CONSTRAINT sync_marks_kind_check;
ALTER TABLE sync_marks ADD CONSTRAINT sync_marks_kind_check CHECK (kind IN ('messages', 'actions', 'artifacts'));
