-- Accounts: users and their browser sessions.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'annotator')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- A session row is found by the SHA-256 of the cookie token, so a leaked
-- database dump holds no usable session.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE projects (
    id               uuid PRIMARY KEY,
    name             text NOT NULL UNIQUE,
    description      text NOT NULL DEFAULT '',
    judgments_wanted integer NOT NULL DEFAULT 1 CHECK (judgments_wanted >= 1),
    lease_seconds    integer NOT NULL DEFAULT 900 CHECK (lease_seconds >= 1),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_batches (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    source_name text NOT NULL,
    format      text NOT NULL,
    report      jsonb NOT NULL DEFAULT '{}',
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A prompt is a conversation stored as a JSON list of {role, content}
-- messages. content_hash identifies it within a project.
CREATE TABLE prompts (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    messages     jsonb NOT NULL,
    content_hash bytea NOT NULL,
    batch_id     uuid REFERENCES import_batches (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, content_hash)
);

CREATE TABLE responses (
    id           uuid PRIMARY KEY,
    prompt_id    uuid NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    content      text NOT NULL,
    content_hash bytea NOT NULL,
    model        text NOT NULL DEFAULT '',
    batch_id     uuid REFERENCES import_batches (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (prompt_id, content_hash)
);

-- A comparison is a prompt with two of its responses. The unique index on
-- the ordered pair makes its identity independent of which one is "a".
-- source_verdict and source_preferred_id keep a label that came with the
-- imported data; annotators never see them.
CREATE TABLE comparisons (
    id                  uuid PRIMARY KEY,
    seq                 bigserial NOT NULL UNIQUE,
    project_id          uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    prompt_id           uuid NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    response_a_id       uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    response_b_id       uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    source_verdict      text CHECK (source_verdict IN ('preferred', 'tie', 'both_bad')),
    source_preferred_id uuid REFERENCES responses (id) ON DELETE CASCADE,
    judgment_count      integer NOT NULL DEFAULT 0,
    batch_id            uuid REFERENCES import_batches (id) ON DELETE SET NULL,
    source_line         integer,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (response_a_id <> response_b_id),
    CHECK ((source_verdict = 'preferred') = (source_preferred_id IS NOT NULL))
);
CREATE UNIQUE INDEX comparisons_pair_key ON comparisons
    (prompt_id, LEAST(response_a_id, response_b_id), GREATEST(response_a_id, response_b_id));
CREATE INDEX comparisons_queue_idx ON comparisons (project_id, judgment_count, seq);

-- An assignment is a lease: one annotator holds one comparison until
-- expires_at or until they submit. left_response_id records the side order
-- that this annotator was shown.
CREATE TABLE assignments (
    id               uuid PRIMARY KEY,
    comparison_id    uuid NOT NULL REFERENCES comparisons (id) ON DELETE CASCADE,
    annotator_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    left_response_id uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    shown_at         timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    submitted_at     timestamptz
);
CREATE INDEX assignments_open_idx ON assignments (comparison_id)
    WHERE submitted_at IS NULL;
CREATE INDEX assignments_annotator_idx ON assignments (annotator_id, shown_at DESC);

-- A judgment is one annotator's verdict on one comparison, stored by
-- response id. scores maps a response id to {criterion: 1..5}.
CREATE TABLE judgments (
    id                    uuid PRIMARY KEY,
    seq                   bigserial NOT NULL UNIQUE,
    comparison_id         uuid NOT NULL REFERENCES comparisons (id) ON DELETE CASCADE,
    annotator_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assignment_id         uuid NOT NULL UNIQUE REFERENCES assignments (id) ON DELETE CASCADE,
    verdict               text NOT NULL CHECK (verdict IN ('preferred', 'tie', 'both_bad')),
    preferred_response_id uuid REFERENCES responses (id) ON DELETE CASCADE,
    strength              text CHECK (strength IN ('negligibly', 'slightly', 'clearly', 'much')),
    scores                jsonb NOT NULL DEFAULT '{}',
    rationale             text NOT NULL DEFAULT '',
    unsafe                boolean NOT NULL DEFAULT false,
    left_response_id      uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    shown_at              timestamptz NOT NULL,
    submitted_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (comparison_id, annotator_id),
    CHECK ((verdict = 'preferred') = (preferred_response_id IS NOT NULL))
);
CREATE INDEX judgments_annotator_idx ON judgments (annotator_id);
