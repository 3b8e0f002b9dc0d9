-- Exports of large projects run in the background. options is the
-- request as JSON; processed counts the comparisons read so far out of
-- total. file_path is where the finished file lives on the server's disk
-- and file_name what the download is called.
CREATE TABLE export_jobs (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    options     jsonb NOT NULL,
    status      text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    processed   bigint NOT NULL DEFAULT 0 CHECK (processed >= 0),
    total       bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
    rows        bigint NOT NULL DEFAULT 0,
    file_name   text NOT NULL DEFAULT '',
    file_path   text NOT NULL DEFAULT '',
    file_bytes  bigint NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz
);
CREATE INDEX export_jobs_project_idx ON export_jobs (project_id, created_at DESC);
CREATE INDEX export_jobs_unfinished_idx ON export_jobs (status)
    WHERE status IN ('queued', 'running');
