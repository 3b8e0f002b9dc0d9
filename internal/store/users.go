package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pairwise/pairwise/internal/labeling"
)

// uniqueViolation is PostgreSQL's SQLSTATE for a unique constraint.
const uniqueViolation = "23505"

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == uniqueViolation
}

// CreateUser stores a new account with an already hashed password. It
// returns an ErrConflict error when the email is taken.
func (db *DB) CreateUser(ctx context.Context, email, role, passwordHash string) (labeling.User, error) {
	return db.InsertUser(ctx, labeling.User{Email: email, Role: role}, passwordHash)
}

// InsertUser stores u, which needs an email or a display name or both,
// with a new id. It returns an ErrConflict error when the email or the
// display name is taken, in any letter case.
func (db *DB) InsertUser(ctx context.Context, u labeling.User, passwordHash string) (labeling.User, error) {
	u.ID = uuid.New()
	u.Email, u.DisplayName = strings.TrimSpace(u.Email), strings.TrimSpace(u.DisplayName)

	// Logins match emails and display names alike, so neither may equal
	// the other kind of name of another account.
	var clash bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users
		WHERE lower(display_name) = lower($1) OR lower(email) = lower($2))`,
		u.Email, u.DisplayName).Scan(&clash)
	if err != nil {
		return u, fmt.Errorf("check name %s: %w", u.Name(), err)
	}
	if clash {
		return u, labeling.Errorf(labeling.ErrConflict, "the name %s is taken; choose another", u.Name())
	}

	err = db.pool.QueryRow(ctx, `INSERT INTO users (id, email, display_name, role, password_hash)
		VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		u.ID, nullString(u.Email), nullString(u.DisplayName), u.Role, passwordHash).Scan(&u.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == uniqueViolation {
		if pgErr.ConstraintName == "users_email_key" {
			return u, labeling.Errorf(labeling.ErrConflict, "a user with email %s already exists", u.Email)
		}
		return u, labeling.Errorf(labeling.ErrConflict, "the name %s is taken; choose another", u.DisplayName)
	}
	if err != nil {
		return u, fmt.Errorf("create user %s: %w", u.Name(), err)
	}
	return u, nil
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const userColumns = `id, coalesce(email, ''), coalesce(display_name, ''), role, created_at`

func scanUser(row pgx.Row) (labeling.User, error) {
	var u labeling.User
	err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.CreatedAt)
	return u, err
}

// UserByEmail returns the account with this email (case-insensitive) and
// its password hash, or an ErrNotFound error.
func (db *DB) UserByEmail(ctx context.Context, email string) (labeling.User, string, error) {
	return db.userBy(ctx, `lower(email) = lower($1)`, email)
}

// UserByLogin returns the account whose email or display name is login
// (case-insensitive) and its password hash, or an ErrNotFound error.
func (db *DB) UserByLogin(ctx context.Context, login string) (labeling.User, string, error) {
	return db.userBy(ctx, `lower(email) = lower($1) OR lower(display_name) = lower($1)`, login)
}

func (db *DB) userBy(ctx context.Context, where, value string) (labeling.User, string, error) {
	var u labeling.User
	var hash string
	err := db.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE `+where,
		strings.TrimSpace(value)).Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.CreatedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, "", labeling.Errorf(labeling.ErrNotFound, "no user %s", value)
	}
	if err != nil {
		return u, "", fmt.Errorf("find user %s: %w", value, err)
	}
	return u, hash, nil
}

// User returns the account with id, or an ErrNotFound error.
func (db *DB) User(ctx context.Context, id uuid.UUID) (labeling.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, labeling.Errorf(labeling.ErrNotFound, "user %s not found", id)
	}
	if err != nil {
		return u, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// Users lists every account by name.
func (db *DB) Users(ctx context.Context) ([]labeling.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users
		ORDER BY lower(coalesce(email, display_name))`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (labeling.User, error) {
		return scanUser(r)
	})
}
