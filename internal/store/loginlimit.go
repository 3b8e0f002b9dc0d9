package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// LoginLimit is how many failed logins are allowed within Window, per
// login and per client address, before further attempts are rejected.
type LoginLimit struct {
	PerLogin   int
	PerAddress int
	Window     time.Duration
}

// loginFailureRetention is how long failed logins are kept. It must be
// longer than any LoginLimit.Window in use.
const loginFailureRetention = 24 * time.Hour

// maxLoginKey caps the bytes of a login stored with a failure, so a
// megabyte of junk typed as a login does not become a megabyte row.
const maxLoginKey = 256

// loginKey returns login in the form that failures are stored under,
// trimmed and cut to maxLoginKey bytes on a character boundary. The
// queries ignore letter case, as logging in does.
func loginKey(login string) string {
	login = strings.TrimSpace(login)
	if len(login) <= maxLoginKey {
		return login
	}
	cut := maxLoginKey
	for cut > 0 && !utf8.RuneStart(login[cut]) {
		cut--
	}
	return login[:cut]
}

// RecordLoginFailure stores a failed login for login from address, and
// deletes failures older than a day when the oldest stored one is.
func (db *DB) RecordLoginFailure(ctx context.Context, login, address string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO login_failures (login, address) VALUES ($1, $2)`,
		loginKey(login), address)
	if err != nil {
		return fmt.Errorf("record failed login from %s: %w", address, err)
	}
	return db.pruneLoginFailures(ctx)
}

// pruneLoginFailures deletes failures older than loginFailureRetention.
// Ids grow with time, so reading the row with the lowest id is a cheap
// check for anything to delete, and most calls stop there.
func (db *DB) pruneLoginFailures(ctx context.Context) error {
	var stale bool
	err := db.pool.QueryRow(ctx, `SELECT failed_at < now() - $1 * interval '1 second'
		FROM login_failures ORDER BY id LIMIT 1`, loginFailureRetention.Seconds()).Scan(&stale)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find oldest failed login: %w", err)
	}
	if !stale {
		return nil
	}
	_, err = db.pool.Exec(ctx, `DELETE FROM login_failures
		WHERE failed_at < now() - $1 * interval '1 second'`, loginFailureRetention.Seconds())
	if err != nil {
		return fmt.Errorf("delete old failed logins: %w", err)
	}
	return nil
}

// lockedForSQL returns how many seconds remain until the failures that
// match the condition drop below the limit $2 within the window of $3
// seconds. That happens when the limit-th newest failure leaves the
// window, at its time plus the window. It returns no row when fewer than
// $2 failures match.
const lockedForSQL = `SELECT extract(epoch FROM failed_at + $3 * interval '1 second' - now())
	FROM login_failures
	WHERE %s AND failed_at > now() - $3 * interval '1 second'
	ORDER BY failed_at DESC OFFSET $2 - 1 LIMIT 1`

// LoginLockedFor returns how long logins for login from address stay
// rejected under limit, or zero when an attempt may go ahead now.
func (db *DB) LoginLockedFor(ctx context.Context, login, address string,
	limit LoginLimit) (time.Duration, error) {
	byLogin, err := db.lockedFor(ctx, `lower(login) = lower($1)`, loginKey(login),
		limit.PerLogin, limit.Window)
	if err != nil {
		return 0, err
	}
	byAddress, err := db.lockedFor(ctx, `address = $1`, address, limit.PerAddress, limit.Window)
	if err != nil {
		return 0, err
	}
	return max(byLogin, byAddress), nil
}

// lockedFor returns how long the failures matching where stay at or over
// limit. A limit below 1 means no limit.
func (db *DB) lockedFor(ctx context.Context, where, value string, limit int,
	window time.Duration) (time.Duration, error) {
	if limit < 1 {
		return 0, nil
	}
	var seconds float64
	err := db.pool.QueryRow(ctx, fmt.Sprintf(lockedForSQL, where), value, limit, window.Seconds()).
		Scan(&seconds)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count failed logins: %w", err)
	}
	return max(time.Duration(seconds*float64(time.Second)), 0), nil
}
