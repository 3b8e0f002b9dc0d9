package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

const projectColumns = `id, name, description, judgments_wanted, lease_seconds, created_at`

func scanProject(row pgx.Row) (labeling.Project, error) {
	var p labeling.Project
	var leaseSeconds int
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.JudgmentsWanted, &leaseSeconds, &p.CreatedAt)
	p.Lease = time.Duration(leaseSeconds) * time.Second
	return p, err
}

// CreateProject stores p with a new id. It returns an ErrInvalid error for
// an empty name or bad settings and ErrConflict when the name is taken.
func (db *DB) CreateProject(ctx context.Context, p labeling.Project) (labeling.Project, error) {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return p, labeling.Errorf(labeling.ErrInvalid, "project name is empty")
	}
	if p.JudgmentsWanted == 0 {
		p.JudgmentsWanted = 1
	}
	if p.Lease == 0 {
		p.Lease = 15 * time.Minute
	}
	if p.JudgmentsWanted < 1 || p.Lease < time.Second {
		return p, labeling.Errorf(labeling.ErrInvalid,
			"judgments per comparison must be at least 1 and the lease at least 1s")
	}

	p.ID = uuid.New()
	err := db.pool.QueryRow(ctx, `INSERT INTO projects
		(id, name, description, judgments_wanted, lease_seconds)
		VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		p.ID, p.Name, p.Description, p.JudgmentsWanted, int(p.Lease/time.Second)).Scan(&p.CreatedAt)
	if isUniqueViolation(err) {
		return p, labeling.Errorf(labeling.ErrConflict, "a project named %q already exists", p.Name)
	}
	if err != nil {
		return p, fmt.Errorf("create project %q: %w", p.Name, err)
	}
	return p, nil
}

// Project returns the project with id, or an ErrNotFound error.
func (db *DB) Project(ctx context.Context, id uuid.UUID) (labeling.Project, error) {
	p, err := scanProject(db.pool.QueryRow(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, labeling.Errorf(labeling.ErrNotFound, "project %s not found", id)
	}
	if err != nil {
		return p, fmt.Errorf("get project %s: %w", id, err)
	}
	return p, nil
}

// ProjectByName returns the project named name, or an ErrNotFound error.
func (db *DB) ProjectByName(ctx context.Context, name string) (labeling.Project, error) {
	p, err := scanProject(db.pool.QueryRow(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, labeling.Errorf(labeling.ErrNotFound, "project %q not found", name)
	}
	if err != nil {
		return p, fmt.Errorf("get project %q: %w", name, err)
	}
	return p, nil
}

// Projects lists every project, newest first.
func (db *DB) Projects(ctx context.Context) ([]labeling.Project, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+projectColumns+` FROM projects ORDER BY created_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (labeling.Project, error) {
		return scanProject(r)
	})
}

// ProjectStats counts the comparisons and judgments of project id.
func (db *DB) ProjectStats(ctx context.Context, id uuid.UUID) (labeling.ProjectStats, error) {
	var s labeling.ProjectStats
	err := db.pool.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE c.judgment_count >= p.judgments_wanted),
			coalesce(sum(c.judgment_count), 0)
		FROM comparisons c JOIN projects p ON p.id = c.project_id
		WHERE c.project_id = $1`, id).Scan(&s.Comparisons, &s.Judged, &s.Judgments)
	if err != nil {
		return s, fmt.Errorf("count project %s: %w", id, err)
	}
	return s, nil
}
