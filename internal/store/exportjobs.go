package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Export job statuses. A job goes from queued to running to done or
// failed.
const (
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
)

// ExportJob is an export of one project that runs in the background and
// leaves a file on the server's disk.
type ExportJob struct {
	ID        uuid.UUID
	ProjectID uuid.UUID
	CreatedBy uuid.UUID // uuid.Nil once the account is deleted
	// Options is the export request as JSON, as the server encodes it.
	Options json.RawMessage
	Status  string
	// Processed counts the comparisons read so far out of Total, an
	// estimate made when the job was created.
	Processed, Total int64
	// Rows is the number of rows written, set when the job is done.
	Rows int64
	// FileName is the name the download gets, FilePath where the file
	// is stored and FileBytes its size; all are set when the job is done.
	FileName  string
	FilePath  string
	FileBytes int64
	// Error is the reason a failed job failed.
	Error      string
	CreatedAt  time.Time
	StartedAt  time.Time // zero until the job starts
	FinishedAt time.Time // zero until the job is done or failed
}

// Finished reports whether j is done or failed.
func (j ExportJob) Finished() bool { return j.Status == ExportDone || j.Status == ExportFailed }

const exportJobColumns = `id, project_id, created_by, options, status, processed, total, rows,
	file_name, file_path, file_bytes, error, created_at, started_at, finished_at`

func scanExportJob(row pgx.CollectableRow) (ExportJob, error) {
	var j ExportJob
	var createdBy *uuid.UUID
	var started, finished *time.Time
	err := row.Scan(&j.ID, &j.ProjectID, &createdBy, &j.Options, &j.Status, &j.Processed, &j.Total,
		&j.Rows, &j.FileName, &j.FilePath, &j.FileBytes, &j.Error, &j.CreatedAt, &started, &finished)
	if err != nil {
		return j, fmt.Errorf("scan export job: %w", err)
	}
	j.CreatedBy = idOrNil(createdBy)
	if started != nil {
		j.StartedAt = *started
	}
	if finished != nil {
		j.FinishedAt = *finished
	}
	return j, nil
}

// CreateExportJob stores a queued job for project j.ProjectID with
// j.CreatedBy, j.Options and j.Total, and returns it with its new id.
func (db *DB) CreateExportJob(ctx context.Context, j ExportJob) (ExportJob, error) {
	var createdBy *uuid.UUID
	if j.CreatedBy != uuid.Nil {
		createdBy = &j.CreatedBy
	}
	rows, err := db.pool.Query(ctx, `INSERT INTO export_jobs (id, project_id, created_by, options, total)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+exportJobColumns,
		uuid.New(), j.ProjectID, createdBy, j.Options, j.Total)
	if err != nil {
		return ExportJob{}, fmt.Errorf("create export job for project %s: %w", j.ProjectID, err)
	}
	job, err := pgx.CollectExactlyOneRow(rows, scanExportJob)
	if err != nil {
		return ExportJob{}, fmt.Errorf("create export job for project %s: %w", j.ProjectID, err)
	}
	return job, nil
}

// ExportJob returns job jobID of project projectID. It returns an
// ErrNotFound error when the project has no such job.
func (db *DB) ExportJob(ctx context.Context, projectID, jobID uuid.UUID) (ExportJob, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+exportJobColumns+` FROM export_jobs
		WHERE id = $1 AND project_id = $2`, jobID, projectID)
	if err != nil {
		return ExportJob{}, fmt.Errorf("get export job %s: %w", jobID, err)
	}
	j, err := pgx.CollectExactlyOneRow(rows, scanExportJob)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, labeling.Errorf(labeling.ErrNotFound, "export job %s not found in this project", jobID)
	}
	if err != nil {
		return j, fmt.Errorf("get export job %s: %w", jobID, err)
	}
	return j, nil
}

// ExportJobByID returns job id of any project. It returns an ErrNotFound
// error when there is no such job.
func (db *DB) ExportJobByID(ctx context.Context, id uuid.UUID) (ExportJob, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+exportJobColumns+` FROM export_jobs WHERE id = $1`, id)
	if err != nil {
		return ExportJob{}, fmt.Errorf("get export job %s: %w", id, err)
	}
	j, err := pgx.CollectExactlyOneRow(rows, scanExportJob)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, labeling.Errorf(labeling.ErrNotFound, "export job %s not found", id)
	}
	if err != nil {
		return j, fmt.Errorf("get export job %s: %w", id, err)
	}
	return j, nil
}

// ExportJobs returns the newest limit jobs of project projectID, newest
// first.
func (db *DB) ExportJobs(ctx context.Context, projectID uuid.UUID, limit int) ([]ExportJob, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+exportJobColumns+` FROM export_jobs
		WHERE project_id = $1 ORDER BY created_at DESC, id LIMIT $2`, projectID, limit)
	if err != nil {
		return nil, fmt.Errorf("list export jobs of project %s: %w", projectID, err)
	}
	jobs, err := pgx.CollectRows(rows, scanExportJob)
	if err != nil {
		return nil, fmt.Errorf("list export jobs of project %s: %w", projectID, err)
	}
	return jobs, nil
}

// StartExportJob marks queued job id running. It returns an ErrConflict
// error when the job is not queued, for example because start-up marked
// it failed.
func (db *DB) StartExportJob(ctx context.Context, id uuid.UUID) error {
	tag, err := db.pool.Exec(ctx, `UPDATE export_jobs SET status = 'running', started_at = now()
		WHERE id = $1 AND status = 'queued'`, id)
	if err != nil {
		return fmt.Errorf("start export job %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrConflict, "export job %s is not queued", id)
	}
	return nil
}

// SetExportProgress records that running job id has read processed
// comparisons. Total grows with processed, because it is an estimate.
func (db *DB) SetExportProgress(ctx context.Context, id uuid.UUID, processed int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE export_jobs SET processed = $2, total = greatest(total, $2)
		WHERE id = $1 AND status = 'running'`, id, processed)
	if err != nil {
		return fmt.Errorf("record progress of export job %s: %w", id, err)
	}
	return nil
}

// FinishExportJob marks running job id done with the file it wrote and
// the number of items it read, which becomes both its progress and its
// total. It returns an ErrConflict error when the job is not running.
func (db *DB) FinishExportJob(ctx context.Context, id uuid.UUID, processed, rows int64,
	fileName, filePath string, fileBytes int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE export_jobs SET status = 'done', finished_at = now(),
			processed = $2, total = $2, rows = $3, file_name = $4, file_path = $5, file_bytes = $6
		WHERE id = $1 AND status = 'running'`, id, processed, rows, fileName, filePath, fileBytes)
	if err != nil {
		return fmt.Errorf("finish export job %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrConflict, "export job %s is not running", id)
	}
	return nil
}

// FailExportJob marks job id failed with message, unless it is already
// done or failed.
func (db *DB) FailExportJob(ctx context.Context, id uuid.UUID, message string) error {
	_, err := db.pool.Exec(ctx, `UPDATE export_jobs SET status = 'failed', finished_at = now(), error = $2
		WHERE id = $1 AND status IN ('queued', 'running')`, id, message)
	if err != nil {
		return fmt.Errorf("fail export job %s: %w", id, err)
	}
	return nil
}

// FailUnfinishedExportJobs marks every queued or running job failed with
// message and returns how many it marked. A server calls it at start-up
// for the jobs that a stop or crash interrupted.
func (db *DB) FailUnfinishedExportJobs(ctx context.Context, message string) (int64, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE export_jobs SET status = 'failed', finished_at = now(), error = $1
		WHERE status IN ('queued', 'running')`, message)
	if err != nil {
		return 0, fmt.Errorf("fail interrupted export jobs: %w", err)
	}
	return tag.RowsAffected(), nil
}
