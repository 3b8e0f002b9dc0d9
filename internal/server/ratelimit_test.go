package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// These tests need startSession, login and apiLogin to call the rate
// limiter.

// loopbackAddress is the client address of every test request.
const loopbackAddress = "127.0.0.1"

// seedLoginFailures stores n failed logins from address, each for a login
// of its own, as if they had happened just now.
func (a *testApp) seedLoginFailures(tb testing.TB, address string, n int) {
	tb.Helper()
	_, err := a.db.Pool().Exec(context.Background(), `INSERT INTO login_failures (login, address)
		SELECT 'guess-' || i || '@example.test', $1 FROM generate_series(1, $2) AS i`, address, n)
	if err != nil {
		tb.Fatalf("seed %d failed logins from %s: %v", n, address, err)
	}
}

// checkLocked fails unless res is a 429 with a Retry-After of at most 15
// minutes and no session cookie.
func checkLocked(tb testing.TB, res response) {
	tb.Helper()
	if res.status != http.StatusTooManyRequests {
		tb.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusTooManyRequests, res.body)
	}
	retry, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 15*60 {
		tb.Errorf("Retry-After: got %q, want whole seconds from 1 to 900", res.header.Get("Retry-After"))
	}
	if len(res.cookies) != 0 {
		tb.Errorf("cookies: got %v, want none", res.cookies)
	}
}

func TestRateLimitPerLogin(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	a.createUser(t, annotatorEmail, labeling.UserAnnotator)

	for i := range 5 {
		res := a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {"wrong-password"}})
		if res.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: got status %d, want %d", i+1, res.status, http.StatusUnauthorized)
		}
	}

	// The right password is rejected too while the login is locked.
	res := a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {testPassword}})
	checkLocked(t, res)
	msg := errorItems(res.text())
	if len(msg) != 1 || msg[0] != "Too many failed logins; try again in 15 minutes." {
		t.Errorf("errors: got %q, want [Too many failed logins; try again in 15 minutes.]", msg)
	}
	if !strings.Contains(res.text(), `name="email" value="`+adminEmail+`"`) {
		t.Errorf("form does not keep the email; body:\n%s", res.body)
	}

	t.Run("letter case", func(t *testing.T) {
		res := a.newClient(t).postForm("/login", url.Values{"email": {strings.ToUpper(adminEmail)}, "password": {testPassword}})
		checkLocked(t, res)
	})
	t.Run("api", func(t *testing.T) {
		body := fmt.Sprintf(`{"email": %q, "password": %q}`, adminEmail, testPassword)
		res := a.apiRequest(t, "", http.MethodPost, "/api/v1/sessions", strings.NewReader(body), nil)
		checkLocked(t, res)
		if got := jsonError(t, res.body); !strings.HasPrefix(got, "Too many failed logins; try again in ") {
			t.Errorf("error: got %q, want the rate-limit message", got)
		}
	})
	t.Run("another login", func(t *testing.T) {
		a.login(t, annotatorEmail)
	})

	if n := a.rowCounts(t)["sessions"]; n != 1 {
		t.Errorf("sessions: got %d, want 1 (the other login's)", n)
	}
	var failures int
	err := a.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM login_failures`).Scan(&failures)
	if err != nil {
		t.Fatalf("count failed logins: %v", err)
	}
	if failures != 5 {
		t.Errorf("failed logins stored: got %d, want 5 (rejected attempts are not failures)", failures)
	}
}

func TestRateLimitSuccessKeepsFailures(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)

	for range 4 {
		a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {"wrong-password"}})
	}
	a.login(t, adminEmail)

	// The success erased nothing, so one more failure locks the login.
	res := a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {"wrong-password"}})
	if res.status != http.StatusUnauthorized {
		t.Fatalf("fifth wrong password: got status %d, want %d", res.status, http.StatusUnauthorized)
	}
	checkLocked(t, a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {testPassword}}))
}

func TestRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)

	// Thirty failures from another address change nothing here.
	a.seedLoginFailures(t, "192.0.2.7", 30)
	a.login(t, adminEmail)

	// Twenty-nine failures for other logins from this address, then one
	// through the form, lock out every login from it.
	a.seedLoginFailures(t, loopbackAddress, 29)
	res := a.newClient(t).postForm("/login", url.Values{"email": {"nobody@example.test"}, "password": {"wrong-password"}})
	if res.status != http.StatusUnauthorized {
		t.Fatalf("thirtieth failure: got status %d, want %d", res.status, http.StatusUnauthorized)
	}
	checkLocked(t, a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {testPassword}}))
}
