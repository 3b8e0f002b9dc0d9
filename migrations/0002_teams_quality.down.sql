DROP INDEX IF EXISTS assignments_skips_idx;
ALTER TABLE assignments DROP COLUMN skipped_at, DROP COLUMN skip_reason, DROP COLUMN prefill;
DROP INDEX IF EXISTS comparisons_gold_idx;
DROP INDEX IF EXISTS comparisons_queue_idx;
ALTER TABLE comparisons DROP CONSTRAINT comparisons_gold_check,
    DROP CONSTRAINT comparisons_adjudicated_check,
    DROP COLUMN gold_verdict, DROP COLUMN gold_preferred_id,
    DROP COLUMN adjudicated_verdict, DROP COLUMN adjudicated_preferred_id,
    DROP COLUMN adjudicated_by, DROP COLUMN adjudicated_at, DROP COLUMN rand_key;
CREATE INDEX comparisons_queue_idx ON comparisons (project_id, judgment_count, seq);
DROP TABLE IF EXISTS login_failures;
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS join_codes;
ALTER TABLE projects DROP COLUMN guidelines, DROP COLUMN rubric, DROP COLUMN allow_tie,
    DROP COLUMN allow_both_bad, DROP COLUMN allow_strength, DROP COLUMN max_open_leases,
    DROP COLUMN gold_share, DROP COLUMN gold_threshold;
DROP TABLE IF EXISTS project_members;
ALTER TABLE users DROP CONSTRAINT users_login_check;
DROP INDEX IF EXISTS users_display_name_key;
ALTER TABLE users DROP COLUMN display_name;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'annotator'));
