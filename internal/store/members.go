package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Member is a user's place in a project.
type Member struct {
	User    labeling.User
	Role    string // labeling.UserResearcher or labeling.UserAnnotator
	AddedAt time.Time
}

// AddMember makes userID a member of projectID with role, or changes the
// role of an existing member.
func (db *DB) AddMember(ctx context.Context, projectID, userID uuid.UUID, role string) error {
	if role != labeling.UserResearcher && role != labeling.UserAnnotator {
		return labeling.Errorf(labeling.ErrInvalid, "member role %q is not researcher or annotator", role)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO project_members (project_id, user_id, role)
		VALUES ($1, $2, $3)
		ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`, projectID, userID, role)
	if err != nil {
		return fmt.Errorf("add member %s to project %s: %w", userID, projectID, err)
	}
	return nil
}

// RemoveMember takes userID out of projectID; their judgments stay.
func (db *DB) RemoveMember(ctx context.Context, projectID, userID uuid.UUID) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM project_members WHERE project_id = $1 AND user_id = $2`,
		projectID, userID)
	if err != nil {
		return fmt.Errorf("remove member %s from project %s: %w", userID, projectID, err)
	}
	return nil
}

// MemberRole returns userID's role in projectID, or an ErrNotFound error
// when they are not a member.
func (db *DB) MemberRole(ctx context.Context, projectID, userID uuid.UUID) (string, error) {
	var role string
	err := db.pool.QueryRow(ctx, `SELECT role FROM project_members
		WHERE project_id = $1 AND user_id = $2`, projectID, userID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", labeling.Errorf(labeling.ErrNotFound, "not a member of project %s", projectID)
	}
	if err != nil {
		return "", fmt.Errorf("get role in project %s: %w", projectID, err)
	}
	return role, nil
}

// Members lists the members of projectID by name.
func (db *DB) Members(ctx context.Context, projectID uuid.UUID) ([]Member, error) {
	rows, err := db.pool.Query(ctx, `SELECT u.id, coalesce(u.email, ''), coalesce(u.display_name, ''),
			u.role, u.created_at, m.role, m.added_at
		FROM project_members m JOIN users u ON u.id = m.user_id
		WHERE m.project_id = $1
		ORDER BY lower(coalesce(u.display_name, u.email))`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list members of project %s: %w", projectID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		err := r.Scan(&m.User.ID, &m.User.Email, &m.User.DisplayName, &m.User.Role,
			&m.User.CreatedAt, &m.Role, &m.AddedAt)
		return m, err
	})
}

// ProjectsFor lists the projects u may see: every project for an admin,
// else those u is a member of, newest first.
func (db *DB) ProjectsFor(ctx context.Context, u labeling.User) ([]labeling.Project, error) {
	if u.IsAdmin() {
		return db.Projects(ctx)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+projectColumns+` FROM projects
		WHERE id IN (SELECT project_id FROM project_members WHERE user_id = $1)
		ORDER BY created_at DESC`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list projects of user %s: %w", u.ID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (labeling.Project, error) {
		return scanProject(r)
	})
}

// GuidelinesSeen reports whether userID has accepted the guidelines of
// projectID. Users who are not members, such as admins, count as having
// seen them.
func (db *DB) GuidelinesSeen(ctx context.Context, projectID, userID uuid.UUID) (bool, error) {
	var seen bool
	err := db.pool.QueryRow(ctx, `SELECT guidelines_seen_at IS NOT NULL FROM project_members
		WHERE project_id = $1 AND user_id = $2`, projectID, userID).Scan(&seen)
	if errors.Is(err, pgx.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("check guidelines of project %s: %w", projectID, err)
	}
	return seen, nil
}

// MarkGuidelinesSeen records that userID accepted the guidelines of
// projectID.
func (db *DB) MarkGuidelinesSeen(ctx context.Context, projectID, userID uuid.UUID) error {
	_, err := db.pool.Exec(ctx, `UPDATE project_members SET guidelines_seen_at = now()
		WHERE project_id = $1 AND user_id = $2 AND guidelines_seen_at IS NULL`, projectID, userID)
	if err != nil {
		return fmt.Errorf("mark guidelines of project %s: %w", projectID, err)
	}
	return nil
}
