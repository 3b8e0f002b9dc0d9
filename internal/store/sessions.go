package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateSession stores a session for userID under the hash of token.
func (db *DB) CreateSession(ctx context.Context, token string, userID uuid.UUID, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at)
		VALUES ($1, $2, $3)`, hashToken(token), userID, expires)
	if err != nil {
		return fmt.Errorf("create session for user %s: %w", userID, err)
	}
	return nil
}

// SessionUser returns the user whose unexpired session token is token, or
// an ErrNotFound error.
func (db *DB) SessionUser(ctx context.Context, token string) (labeling.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT u.id, coalesce(u.email, ''),
		coalesce(u.display_name, ''), u.role, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > now()`, hashToken(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, labeling.Errorf(labeling.ErrNotFound, "session not found or expired")
	}
	if err != nil {
		return u, fmt.Errorf("find session: %w", err)
	}
	return u, nil
}

// DeleteSession ends the session with this token; an unknown token is not
// an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry and returns how
// many it removed.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
