package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

var testLoginLimit = store.LoginLimit{PerLogin: 3, PerAddress: 5, Window: 15 * time.Minute}

// recordFailures stores n failed logins for login from address.
func recordFailures(tb testing.TB, db *store.DB, login, address string, n int) {
	tb.Helper()
	for range n {
		if err := db.RecordLoginFailure(context.Background(), login, address); err != nil {
			tb.Fatalf("RecordLoginFailure: %v", err)
		}
	}
}

// ageFailures moves every stored failure back by d.
func ageFailures(tb testing.TB, db *store.DB, d time.Duration) {
	tb.Helper()
	_, err := db.Pool().Exec(context.Background(),
		`UPDATE login_failures SET failed_at = failed_at - $1 * interval '1 second'`, d.Seconds())
	if err != nil {
		tb.Fatalf("age failed logins: %v", err)
	}
}

// lockedFor calls LoginLockedFor with testLoginLimit.
func lockedFor(tb testing.TB, db *store.DB, login, address string) time.Duration {
	tb.Helper()
	d, err := db.LoginLockedFor(context.Background(), login, address, testLoginLimit)
	if err != nil {
		tb.Fatalf("LoginLockedFor: %v", err)
	}
	return d
}

func TestLoginFailureLimitPerLogin(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)

	recordFailures(t, db, "ada@example.org", "192.0.2.1", 2)
	if d := lockedFor(t, db, "ada@example.org", "192.0.2.9"); d != 0 {
		t.Fatalf("locked after 2 failures: got %v, want 0", d)
	}
	recordFailures(t, db, "ADA@example.org ", "192.0.2.2", 1)

	tests := []struct {
		name, login, address string
		locked               bool
	}{
		{"same login", "ada@example.org", "192.0.2.9", true},
		{"other letter case", "Ada@Example.ORG", "192.0.2.9", true},
		{"other login", "bob@example.org", "192.0.2.9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := lockedFor(t, db, tt.login, tt.address)
			if got := d > 0; got != tt.locked {
				t.Errorf("locked: got %v (for %v), want %v", got, d, tt.locked)
			}
			if d > testLoginLimit.Window {
				t.Errorf("locked for %v, want at most the window %v", d, testLoginLimit.Window)
			}
		})
	}
}

func TestLoginFailureLimitPerAddress(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	for i := range testLoginLimit.PerAddress {
		recordFailures(t, db, strings.Repeat("x", i+1), "2001:db8::/64", 1)
	}

	if d := lockedFor(t, db, "fresh@example.org", "2001:db8::/64"); d <= 0 {
		t.Errorf("same address: got %v, want locked", d)
	}
	if d := lockedFor(t, db, "fresh@example.org", "192.0.2.1"); d != 0 {
		t.Errorf("other address: got %v, want 0", d)
	}
}

func TestLoginFailureWindow(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	recordFailures(t, db, "ada@example.org", "192.0.2.1", 3)

	// The lock lasts until the oldest of the last three failures is a
	// window old: here 10 of the 15 minutes have passed.
	ageFailures(t, db, 10*time.Minute)
	d := lockedFor(t, db, "ada@example.org", "192.0.2.1")
	if d < 4*time.Minute || d > 5*time.Minute {
		t.Errorf("locked for: got %v, want about 5m", d)
	}

	ageFailures(t, db, 6*time.Minute)
	if d := lockedFor(t, db, "ada@example.org", "192.0.2.1"); d != 0 {
		t.Errorf("locked for after the window: got %v, want 0", d)
	}
}

func TestLoginFailureLongLogin(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	long := strings.Repeat("é", 1000)
	recordFailures(t, db, long, "192.0.2.1", 3)

	var stored string
	err := db.Pool().QueryRow(context.Background(), `SELECT login FROM login_failures LIMIT 1`).Scan(&stored)
	if err != nil {
		t.Fatalf("read stored login: %v", err)
	}
	if len(stored) > 256 {
		t.Errorf("stored login: got %d bytes, want at most 256", len(stored))
	}
	if d := lockedFor(t, db, long, "192.0.2.9"); d <= 0 {
		t.Errorf("long login after 3 failures: got %v, want locked", d)
	}
}

func TestLoginFailurePrune(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	recordFailures(t, db, "old@example.org", "192.0.2.1", 2)
	ageFailures(t, db, 25*time.Hour)
	recordFailures(t, db, "recent@example.org", "192.0.2.1", 1)

	if n := countRows(t, db, "login_failures"); n != 1 {
		t.Errorf("failed logins after pruning: got %d, want 1", n)
	}
	n := queryInt(t, db, `SELECT count(*) FROM login_failures WHERE login = 'recent@example.org'`)
	if n != 1 {
		t.Errorf("recent failures kept: got %d, want 1", n)
	}
}
