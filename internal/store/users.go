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
	u := labeling.User{ID: uuid.New(), Email: strings.TrimSpace(email), Role: role}
	err := db.pool.QueryRow(ctx, `INSERT INTO users (id, email, role, password_hash)
		VALUES ($1, $2, $3, $4) RETURNING created_at`,
		u.ID, u.Email, u.Role, passwordHash).Scan(&u.CreatedAt)
	if isUniqueViolation(err) {
		return u, labeling.Errorf(labeling.ErrConflict, "a user with email %s already exists", u.Email)
	}
	if err != nil {
		return u, fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return u, nil
}

const userColumns = `id, email, role, created_at`

func scanUser(row pgx.Row) (labeling.User, error) {
	var u labeling.User
	err := row.Scan(&u.ID, &u.Email, &u.Role, &u.CreatedAt)
	return u, err
}

// UserByEmail returns the account with this email (case-insensitive) and
// its password hash, or an ErrNotFound error.
func (db *DB) UserByEmail(ctx context.Context, email string) (labeling.User, string, error) {
	var u labeling.User
	var hash string
	err := db.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users
		WHERE lower(email) = lower($1)`, strings.TrimSpace(email)).
		Scan(&u.ID, &u.Email, &u.Role, &u.CreatedAt, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, "", labeling.Errorf(labeling.ErrNotFound, "no user with email %s", email)
	}
	if err != nil {
		return u, "", fmt.Errorf("find user %s: %w", email, err)
	}
	return u, hash, nil
}

// Users lists every account by email.
func (db *DB) Users(ctx context.Context) ([]labeling.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY lower(email)`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (labeling.User, error) {
		return scanUser(r)
	})
}
