-- A model version's number stays as immutable as the rest of it, except while sync applies what the team server
-- decided (`sync_state.applying`): only then may a pending number (a version made here, not yet confirmed) change.
DROP TRIGGER model_versions_number_once_synced;
CREATE TRIGGER model_versions_number_once_synced
BEFORE UPDATE OF version ON model_versions
WHEN OLD.synced_at_ms IS NOT NULL OR OLD.origin <> 'local'
     OR NOT EXISTS (SELECT 1 FROM sync_state WHERE applying = 1)
BEGIN
    SELECT RAISE(ABORT, 'model versions are immutable (a pending number changes only as the team server assigns it)');
END;
