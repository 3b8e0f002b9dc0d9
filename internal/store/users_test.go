package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestCreateUserEmailConflict(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	first, err := db.CreateUser(ctx, "Ada@Example.org", labeling.UserAdmin, "hash-1")
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}

	for _, email := range []string{"Ada@Example.org", "ada@example.org", "ADA@EXAMPLE.ORG", " ada@example.org "} {
		t.Run(email, func(t *testing.T) {
			_, err := db.CreateUser(ctx, email, labeling.UserAnnotator, "hash-2")
			wantKind(t, err, labeling.ErrConflict)
		})
	}
	if got := countRows(t, db, "users"); got != 1 {
		t.Errorf("users: got %d, want 1", got)
	}

	u, hash, err := db.UserByEmail(ctx, "ada@EXAMPLE.org")
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	if u.ID != first.ID {
		t.Errorf("id: got %v, want %v", u.ID, first.ID)
	}
	if u.Email != "Ada@Example.org" {
		t.Errorf("email: got %q, want %q", u.Email, "Ada@Example.org")
	}
	if hash != "hash-1" {
		t.Errorf("password hash: got %q, want %q", hash, "hash-1")
	}
}

func TestSessionUser(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "ann@example.org", labeling.UserAnnotator, "hash")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for token, expires := range map[string]time.Time{
		"live":    now.Add(time.Hour),
		"expired": now.Add(-time.Minute),
		"deleted": now.Add(time.Hour),
	} {
		if err := db.CreateSession(ctx, token, u.ID, expires); err != nil {
			t.Fatalf("CreateSession %s: %v", token, err)
		}
	}
	if err := db.DeleteSession(ctx, "deleted"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}

	t.Run("live", func(t *testing.T) {
		got, err := db.SessionUser(ctx, "live")
		if err != nil {
			t.Fatalf("SessionUser: %v", err)
		}
		if got.ID != u.ID {
			t.Errorf("id: got %v, want %v", got.ID, u.ID)
		}
		if got.Email != u.Email {
			t.Errorf("email: got %q, want %q", got.Email, u.Email)
		}
		if got.Role != labeling.UserAnnotator {
			t.Errorf("role: got %q, want %q", got.Role, labeling.UserAnnotator)
		}
	})
	for _, tt := range []struct{ name, token string }{
		{"expired", "expired"},
		{"deleted", "deleted"},
		{"unknown", "unknown"},
		{"empty", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.SessionUser(ctx, tt.token)
			wantKind(t, err, labeling.ErrNotFound)
		})
	}
	t.Run("token stored hashed", func(t *testing.T) {
		n := queryInt(t, db, `SELECT count(*) FROM sessions WHERE token_hash = convert_to('live', 'UTF8')`)
		if n != 0 {
			t.Errorf("sessions stored under the plain token: got %d, want 0", n)
		}
	})
}

func TestDeleteExpiredSessions(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "ann@example.org", labeling.UserAnnotator, "hash")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sessions := []struct {
		token   string
		expires time.Time
	}{
		{"old-1", now.Add(-48 * time.Hour)},
		{"old-2", now.Add(-time.Second)},
		{"live", now.Add(time.Hour)},
	}
	for _, s := range sessions {
		if err := db.CreateSession(ctx, s.token, u.ID, s.expires); err != nil {
			t.Fatalf("CreateSession %s: %v", s.token, err)
		}
	}

	n, err := db.DeleteExpiredSessions(ctx)
	if err != nil {
		t.Fatalf("DeleteExpiredSessions: %v", err)
	}
	if n != 2 {
		t.Errorf("first call removed: got %d, want 2", n)
	}
	n, err = db.DeleteExpiredSessions(ctx)
	if err != nil {
		t.Fatalf("DeleteExpiredSessions: %v", err)
	}
	if n != 0 {
		t.Errorf("second call removed: got %d, want 0", n)
	}
	if got := countRows(t, db, "sessions"); got != 1 {
		t.Errorf("sessions left: got %d, want 1", got)
	}
	if _, err := db.SessionUser(ctx, "live"); err != nil {
		t.Errorf("SessionUser of the live session: got %v, want no error", err)
	}
}
