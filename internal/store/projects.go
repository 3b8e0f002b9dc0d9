package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

const projectColumns = `id, name, description, guidelines, rubric, allow_tie, allow_both_bad,
	allow_strength, judgments_wanted, lease_seconds, max_open_leases, gold_share, gold_threshold,
	created_at`

func scanProject(row pgx.Row) (labeling.Project, error) {
	var p labeling.Project
	var leaseSeconds int
	var rubric []byte
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Guidelines, &rubric, &p.AllowTie,
		&p.AllowBothBad, &p.AllowStrength, &p.JudgmentsWanted, &leaseSeconds, &p.MaxOpenLeases,
		&p.GoldShare, &p.GoldThreshold, &p.CreatedAt)
	if err != nil {
		return p, err
	}
	p.Lease = time.Duration(leaseSeconds) * time.Second
	if err := json.Unmarshal(rubric, &p.Rubric); err != nil {
		return p, fmt.Errorf("decode rubric of project %s: %w", p.ID, err)
	}
	return p, nil
}

// CreateProject stores p with a new id. Zero settings take the defaults
// of labeling.NewProject. It returns an ErrInvalid error for an empty name
// or bad settings and ErrConflict when the name is taken.
func (db *DB) CreateProject(ctx context.Context, p labeling.Project) (labeling.Project, error) {
	p = withDefaults(p)
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.ID = uuid.New()
	err := db.pool.QueryRow(ctx, `INSERT INTO projects (id, name, description, guidelines, rubric,
		allow_tie, allow_both_bad, allow_strength, judgments_wanted, lease_seconds,
		max_open_leases, gold_share, gold_threshold)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING created_at`,
		projectArgs(p)...).Scan(&p.CreatedAt)
	if isUniqueViolation(err) {
		return p, labeling.Errorf(labeling.ErrConflict, "a project named %q already exists", p.Name)
	}
	if err != nil {
		return p, fmt.Errorf("create project %q: %w", p.Name, err)
	}
	return p, nil
}

// withDefaults fills the settings a caller left at zero. Booleans cannot
// be told from an explicit false, so a project with no verdict options at
// all gets every option.
func withDefaults(p labeling.Project) labeling.Project {
	def := labeling.NewProject(strings.TrimSpace(p.Name))
	p.Name = def.Name
	if p.JudgmentsWanted == 0 {
		p.JudgmentsWanted = def.JudgmentsWanted
	}
	if p.Lease == 0 {
		p.Lease = def.Lease
	}
	if p.MaxOpenLeases == 0 {
		p.MaxOpenLeases = def.MaxOpenLeases
	}
	if p.GoldThreshold == 0 {
		p.GoldThreshold = def.GoldThreshold
	}
	if !p.AllowTie && !p.AllowBothBad && !p.AllowStrength {
		p.AllowTie, p.AllowBothBad, p.AllowStrength = true, true, true
	}
	return p
}

func projectArgs(p labeling.Project) []any {
	rubric := p.Rubric
	if rubric == nil {
		rubric = []labeling.Criterion{}
	}
	data, _ := json.Marshal(rubric)
	return []any{p.ID, p.Name, p.Description, p.Guidelines, data, p.AllowTie, p.AllowBothBad,
		p.AllowStrength, p.JudgmentsWanted, int(p.Lease / time.Second), p.MaxOpenLeases,
		p.GoldShare, p.GoldThreshold}
}

// UpdateProject stores every setting of p. It returns ErrInvalid for bad
// settings, ErrNotFound for an unknown project and ErrConflict when the
// new name is taken.
func (db *DB) UpdateProject(ctx context.Context, p labeling.Project) error {
	p.Name = strings.TrimSpace(p.Name)
	if err := p.Validate(); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE projects SET name = $2, description = $3,
		guidelines = $4, rubric = $5, allow_tie = $6, allow_both_bad = $7, allow_strength = $8,
		judgments_wanted = $9, lease_seconds = $10, max_open_leases = $11, gold_share = $12,
		gold_threshold = $13 WHERE id = $1`, projectArgs(p)...)
	if isUniqueViolation(err) {
		return labeling.Errorf(labeling.ErrConflict, "a project named %q already exists", p.Name)
	}
	if err != nil {
		return fmt.Errorf("update project %s: %w", p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrNotFound, "project %s not found", p.ID)
	}
	return nil
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
