-- Researchers, and display names for students who join with a class code
-- and have no email address. A user logs in with either.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'researcher', 'annotator'));
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ADD COLUMN display_name text;
CREATE UNIQUE INDEX users_display_name_key ON users (lower(display_name));
ALTER TABLE users ADD CONSTRAINT users_login_check
    CHECK (email IS NOT NULL OR display_name IS NOT NULL);

-- Membership decides which projects a researcher or annotator sees.
CREATE TABLE project_members (
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('researcher', 'annotator')),
    added_at   timestamptz NOT NULL DEFAULT now(),
    -- set when the member has read the guidelines before labeling
    guidelines_seen_at timestamptz,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

-- Project settings. rubric is a JSON list of {key, label, description,
-- min, max}; an empty list means the default rubric.
ALTER TABLE projects
    ADD COLUMN guidelines       text NOT NULL DEFAULT '',
    ADD COLUMN rubric           jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN allow_tie        boolean NOT NULL DEFAULT true,
    ADD COLUMN allow_both_bad   boolean NOT NULL DEFAULT true,
    ADD COLUMN allow_strength   boolean NOT NULL DEFAULT true,
    ADD COLUMN max_open_leases  integer NOT NULL DEFAULT 1 CHECK (max_open_leases >= 1),
    ADD COLUMN gold_share       double precision NOT NULL DEFAULT 0
        CHECK (gold_share >= 0 AND gold_share <= 1),
    ADD COLUMN gold_threshold   double precision NOT NULL DEFAULT 0.7
        CHECK (gold_threshold >= 0 AND gold_threshold <= 1);

-- Join codes let students join a project. Only a hash of the code is
-- stored; the code is shown once, when it is made.
CREATE TABLE join_codes (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL UNIQUE,
    label       text NOT NULL DEFAULT '',
    role        text NOT NULL DEFAULT 'annotator' CHECK (role IN ('researcher', 'annotator')),
    max_uses    integer CHECK (max_uses IS NULL OR max_uses >= 1),
    uses        integer NOT NULL DEFAULT 0,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX join_codes_project_idx ON join_codes (project_id);

-- API tokens for scripts. Only a hash is stored; the token is shown once.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Failed logins, counted per account and per address to slow guessing.
CREATE TABLE login_failures (
    id         bigserial PRIMARY KEY,
    login      text NOT NULL,
    address    text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_login_idx ON login_failures (lower(login), failed_at);
CREATE INDEX login_failures_address_idx ON login_failures (address, failed_at);

-- Gold answers, adjudicated verdicts and a random key that breaks ties
-- between equally judged comparisons in the assignment queue.
ALTER TABLE comparisons
    ADD COLUMN gold_verdict         text CHECK (gold_verdict IN ('preferred', 'tie', 'both_bad')),
    ADD COLUMN gold_preferred_id    uuid REFERENCES responses (id) ON DELETE CASCADE,
    ADD COLUMN adjudicated_verdict  text CHECK (adjudicated_verdict IN ('preferred', 'tie', 'both_bad')),
    ADD COLUMN adjudicated_preferred_id uuid REFERENCES responses (id) ON DELETE CASCADE,
    ADD COLUMN adjudicated_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN adjudicated_at       timestamptz,
    ADD COLUMN rand_key             double precision NOT NULL DEFAULT random(),
    ADD CONSTRAINT comparisons_gold_check
        CHECK ((gold_verdict = 'preferred') = (gold_preferred_id IS NOT NULL)),
    ADD CONSTRAINT comparisons_adjudicated_check
        CHECK ((adjudicated_verdict = 'preferred') = (adjudicated_preferred_id IS NOT NULL));
DROP INDEX comparisons_queue_idx;
CREATE INDEX comparisons_queue_idx ON comparisons (project_id, judgment_count, rand_key)
    WHERE gold_verdict IS NULL;
CREATE INDEX comparisons_gold_idx ON comparisons (project_id) WHERE gold_verdict IS NOT NULL;

-- Skips: an annotator may pass on a comparison with a reason; it is not
-- offered to them again.
-- prefill keeps the vote that an undo took back, to fill the form again.
ALTER TABLE assignments
    ADD COLUMN skipped_at  timestamptz,
    ADD COLUMN skip_reason text,
    ADD COLUMN prefill     jsonb;
CREATE INDEX assignments_skips_idx ON assignments (annotator_id, comparison_id)
    WHERE skipped_at IS NOT NULL;
