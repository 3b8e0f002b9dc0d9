package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// createToken makes an API token for userID and fails the test on error.
func createToken(tb testing.TB, db *store.DB, userID uuid.UUID, name string) (store.APIToken, string) {
	tb.Helper()
	tok, secret, err := db.CreateToken(context.Background(), userID, name)
	if err != nil {
		tb.Fatalf("CreateToken %q: %v", name, err)
	}
	return tok, secret
}

// tokenLastUsed returns the last_used_at of token id, nil when unset.
func tokenLastUsed(tb testing.TB, db *store.DB, id uuid.UUID) *time.Time {
	tb.Helper()
	var t *time.Time
	err := db.Pool().QueryRow(context.Background(),
		`SELECT last_used_at FROM api_tokens WHERE id = $1`, id).Scan(&t)
	if err != nil {
		tb.Fatalf("read last_used_at of token %s: %v", id, err)
	}
	return t
}

func TestTokenCreateStoresHashOnly(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	user := newUser(t, db)
	tok, secret := createToken(t, db, user, "  nightly export  ")

	if tok.Name != "nightly export" {
		t.Errorf("name: got %q, want %q", tok.Name, "nightly export")
	}
	raw, ok := strings.CutPrefix(secret, store.APITokenPrefix)
	if !ok {
		t.Fatalf("secret %q lacks the prefix %q", secret, store.APITokenPrefix)
	}
	decoded, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("secret after the prefix is not unpadded base64url: %v", err)
	}
	if len(decoded) != 32 {
		t.Errorf("secret bytes: got %d, want 32", len(decoded))
	}

	var hash []byte
	var name string
	err = db.Pool().QueryRow(context.Background(),
		`SELECT token_hash, name FROM api_tokens WHERE id = $1`, tok.ID).Scan(&hash, &name)
	if err != nil {
		t.Fatalf("read token row: %v", err)
	}
	want := sha256.Sum256([]byte(secret))
	if !bytes.Equal(hash, want[:]) {
		t.Errorf("token_hash: got %x, want the SHA-256 of the secret %x", hash, want)
	}
	if bytes.Contains(hash, []byte(raw)) || strings.Contains(name, raw) {
		t.Errorf("the row holds the secret itself")
	}

	_, second := createToken(t, db, user, "nightly export")
	if second == secret {
		t.Errorf("two tokens have the same secret %q", secret)
	}
}

func TestTokenCreateInvalidName(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	user := newUser(t, db)

	tests := []struct {
		name, tokenName string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"too long", strings.Repeat("x", store.MaxTokenName+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, secret, err := db.CreateToken(context.Background(), user, tt.tokenName)
			wantKind(t, err, labeling.ErrInvalid)
			if secret != "" {
				t.Errorf("secret: got %q, want empty", secret)
			}
		})
	}
	if n := countRows(t, db, "api_tokens"); n != 0 {
		t.Errorf("api_tokens: got %d, want 0", n)
	}
	createToken(t, db, user, strings.Repeat("x", store.MaxTokenName))
}

func TestTokenUser(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	owner := newUser(t, db)
	_, secret := createToken(t, db, owner, "script")

	u, err := db.TokenUser(ctx, secret)
	if err != nil {
		t.Fatalf("TokenUser: %v", err)
	}
	if u.ID != owner {
		t.Errorf("user: got %v, want %v", u.ID, owner)
	}
	if u.Role != labeling.UserAnnotator {
		t.Errorf("role: got %q, want %q", u.Role, labeling.UserAnnotator)
	}

	tests := []struct {
		name, token string
	}{
		{"unknown token", store.APITokenPrefix + "AAAA"},
		{"secret without prefix", strings.TrimPrefix(secret, store.APITokenPrefix)},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.TokenUser(ctx, tt.token)
			wantKind(t, err, labeling.ErrNotFound)
		})
	}
}

func TestTokenRevoke(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	owner, other := newUser(t, db), newUser(t, db)
	tok, secret := createToken(t, db, owner, "script")

	t.Run("someone else's", func(t *testing.T) {
		wantKind(t, db.RevokeToken(ctx, other, tok.ID), labeling.ErrNotFound)
		if _, err := db.TokenUser(ctx, secret); err != nil {
			t.Errorf("TokenUser after another user's revoke: got %v, want the token to work", err)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		wantKind(t, db.RevokeToken(ctx, owner, uuid.New()), labeling.ErrNotFound)
	})

	if err := db.RevokeToken(ctx, owner, tok.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err := db.TokenUser(ctx, secret)
	wantKind(t, err, labeling.ErrNotFound)

	tokens, err := db.Tokens(ctx, owner)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	if len(tokens) != 1 || tokens[0].RevokedAt == nil {
		t.Fatalf("tokens after revoke: got %+v, want one with RevokedAt set", tokens)
	}
	first := *tokens[0].RevokedAt

	if err := db.RevokeToken(ctx, owner, tok.ID); err != nil {
		t.Fatalf("RevokeToken again: %v", err)
	}
	tokens, err = db.Tokens(ctx, owner)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	if !tokens[0].RevokedAt.Equal(first) {
		t.Errorf("revoked_at after a second revoke: got %v, want %v", tokens[0].RevokedAt, first)
	}
}

func TestTokenLastUsed(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	tok, secret := createToken(t, db, newUser(t, db), "script")
	use := func() {
		t.Helper()
		if _, err := db.TokenUser(ctx, secret); err != nil {
			t.Fatalf("TokenUser: %v", err)
		}
	}

	if got := tokenLastUsed(t, db, tok.ID); got != nil {
		t.Fatalf("last_used_at before use: got %v, want NULL", got)
	}
	use()
	first := tokenLastUsed(t, db, tok.ID)
	if first == nil {
		t.Fatalf("last_used_at after use: got NULL, want a time")
	}

	// A second use within the minute writes nothing.
	use()
	if got := tokenLastUsed(t, db, tok.ID); !got.Equal(*first) {
		t.Errorf("last_used_at after a second use: got %v, want %v", got, first)
	}

	// A use more than a minute after the recorded one records it again.
	old := first.Add(-2 * time.Minute)
	if _, err := db.Pool().Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`,
		tok.ID, old); err != nil {
		t.Fatalf("age last_used_at: %v", err)
	}
	use()
	if got := tokenLastUsed(t, db, tok.ID); !got.After(old) {
		t.Errorf("last_used_at after a use two minutes later: got %v, want after %v", got, old)
	}
}

func TestTokensList(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	owner, other := newUser(t, db), newUser(t, db)
	older, _ := createToken(t, db, owner, "older")
	newer, _ := createToken(t, db, owner, "newer")
	createToken(t, db, other, "someone else's")
	if err := db.RevokeToken(ctx, owner, older.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}

	tokens, err := db.Tokens(ctx, owner)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	var names []string
	for _, tok := range tokens {
		names = append(names, tok.Name)
	}
	if strings.Join(names, ",") != "newer,older" {
		t.Fatalf("tokens: got %q, want [newer older]", names)
	}
	if tokens[0].ID != newer.ID || tokens[0].RevokedAt != nil || tokens[0].LastUsedAt != nil {
		t.Errorf("newer token: got %+v, want id %v, not revoked, never used", tokens[0], newer.ID)
	}
	if tokens[1].RevokedAt == nil {
		t.Errorf("older token: got RevokedAt nil, want a time")
	}
}
