package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// APITokenPrefix starts every API token, so a token is easy to spot in a
// script or a leak scanner and easy to tell from a session token.
const APITokenPrefix = "pw_"

// MaxTokenName is the longest API token name accepted, in bytes.
const MaxTokenName = 100

// tokenTouchInterval is the age of last_used_at after which a request
// with the token updates it, so that busy scripts do not write a row on
// every request.
const tokenTouchInterval = time.Minute

// APIToken is an API token as its owner sees it. The secret itself is
// never stored.
type APIToken struct {
	ID         uuid.UUID
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time // nil until the token is first used
	RevokedAt  *time.Time // nil while the token works
}

// CreateToken makes a new API token named name for userID and returns it
// with its secret: APITokenPrefix and 32 random bytes in unpadded
// base64url. Only the SHA-256 of the secret is stored, so the caller must
// show it now. It returns an ErrInvalid error for an empty or long name.
func (db *DB) CreateToken(ctx context.Context, userID uuid.UUID,
	name string) (APIToken, string, error) {
	t := APIToken{ID: uuid.New(), Name: strings.TrimSpace(name)}
	if t.Name == "" || len(t.Name) > MaxTokenName {
		return t, "", labeling.Errorf(labeling.ErrInvalid,
			"token name %q: give a name of 1 to %d bytes that says where the token is used",
			t.Name, MaxTokenName)
	}

	buf := make([]byte, 32)
	rand.Read(buf)
	secret := APITokenPrefix + base64.RawURLEncoding.EncodeToString(buf)
	err := db.pool.QueryRow(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash)
		VALUES ($1, $2, $3, $4) RETURNING created_at`,
		t.ID, userID, t.Name, hashToken(secret)).Scan(&t.CreatedAt)
	if err != nil {
		return t, "", fmt.Errorf("create api token for user %s: %w", userID, err)
	}
	return t, secret, nil
}

// Tokens lists userID's API tokens, revoked ones included, newest first.
func (db *DB) Tokens(ctx context.Context, userID uuid.UUID) ([]APIToken, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list api tokens of user %s: %w", userID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
		var t APIToken
		err := r.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
		return t, err
	})
}

// RevokeToken stops userID's token tokenID from working. Revoking a
// revoked token keeps the first revocation time. It returns an ErrNotFound
// error when the token does not exist or belongs to someone else.
func (db *DB) RevokeToken(ctx context.Context, userID, tokenID uuid.UUID) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
		WHERE id = $1 AND user_id = $2`, tokenID, userID)
	if err != nil {
		return fmt.Errorf("revoke api token %s: %w", tokenID, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrNotFound, "API token %s not found", tokenID)
	}
	return nil
}

// tokenStale is true when last_used_at is older than $2 seconds.
const tokenStale = `(last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 second')`

const tokenUserSQL = `SELECT t.id, ` + tokenStale + `,
		u.id, coalesce(u.email, ''), coalesce(u.display_name, ''), u.role, u.created_at
	FROM api_tokens t JOIN users u ON u.id = t.user_id
	WHERE t.token_hash = $1 AND t.revoked_at IS NULL`

// TokenUser returns the owner of the unrevoked API token token, or an
// ErrNotFound error. It records the time of use, at most once per minute
// per token, so most requests only read.
func (db *DB) TokenUser(ctx context.Context, token string) (labeling.User, error) {
	var u labeling.User
	var id uuid.UUID
	var stale bool
	interval := tokenTouchInterval.Seconds()
	err := db.pool.QueryRow(ctx, tokenUserSQL, hashToken(token), interval).Scan(&id, &stale,
		&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, labeling.Errorf(labeling.ErrNotFound, "API token not found or revoked")
	}
	if err != nil {
		return u, fmt.Errorf("find api token: %w", err)
	}
	if !stale {
		return u, nil
	}

	// The condition is checked again so that concurrent requests with one
	// token write once.
	_, err = db.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now()
		WHERE id = $1 AND `+tokenStale, id, interval)
	if err != nil {
		return u, fmt.Errorf("record use of api token %s: %w", id, err)
	}
	return u, nil
}
