package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// joinCodeAlphabet is Crockford's base32 alphabet: digits and capital
// letters without I, L, O and U, so that a code read aloud or copied by
// hand has no look-alike letters.
const joinCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var joinCodeEncoding = base32.NewEncoding(joinCodeAlphabet).WithPadding(base32.NoPadding)

// JoinCodeLength is the number of characters of a join code without its
// dashes. Each character carries 5 bits, so a code holds 80 random bits.
const JoinCodeLength = 16

// Join code statuses, as JoinCode.Status returns them.
const (
	JoinCodeActive  = "active"
	JoinCodeExpired = "expired"
	JoinCodeUsedUp  = "used up"
	JoinCodeRevoked = "revoked"
)

// JoinCode is a code that lets people join a project with a role. Only
// the SHA-256 of the code is stored, so the code itself exists only in the
// return value of CreateJoinCode.
type JoinCode struct {
	ID        uuid.UUID
	ProjectID uuid.UUID
	Label     string
	Role      string // labeling.UserResearcher or labeling.UserAnnotator
	MaxUses   int    // 0 for no limit
	Uses      int
	ExpiresAt time.Time // zero when the code does not expire
	RevokedAt time.Time // zero unless revoked
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// Status returns JoinCodeRevoked, JoinCodeExpired, JoinCodeUsedUp or
// JoinCodeActive for the code at time now, checked in that order.
func (c JoinCode) Status(now time.Time) string {
	switch {
	case !c.RevokedAt.IsZero():
		return JoinCodeRevoked
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		return JoinCodeExpired
	case c.MaxUses > 0 && c.Uses >= c.MaxUses:
		return JoinCodeUsedUp
	}
	return JoinCodeActive
}

// GenerateJoinCode returns a new code of JoinCodeLength characters from
// crypto/rand, in groups of four joined by dashes (XXXX-XXXX-XXXX-XXXX).
func GenerateJoinCode() string {
	buf := make([]byte, JoinCodeLength*5/8)
	rand.Read(buf) // never returns an error, by its documentation since Go 1.24
	return formatJoinCode(joinCodeEncoding.EncodeToString(buf))
}

func formatJoinCode(bare string) string {
	var b strings.Builder
	for i := 0; i < len(bare); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(bare[i:min(i+4, len(bare))])
	}
	return b.String()
}

// NormalizeJoinCode returns code in its stored form: capital letters with
// spaces and dashes removed, and the look-alikes O, I and L read as 0, 1
// and 1. It reports false when the result is not JoinCodeLength
// characters of the code alphabet.
func NormalizeJoinCode(code string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch r {
		case ' ', '-', '\t':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if !strings.ContainsRune(joinCodeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != JoinCodeLength {
		return "", false
	}
	return b.String(), true
}

// CreateJoinCode stores c for c.ProjectID under a new id and a new code,
// and returns both. The code is not kept, so it cannot be read back. It
// returns an ErrInvalid error for a bad role, label or limit.
func (db *DB) CreateJoinCode(ctx context.Context, c JoinCode) (JoinCode, string, error) {
	c.Label = strings.TrimSpace(c.Label)
	if c.Role == "" {
		c.Role = labeling.UserAnnotator
	}
	if err := validateJoinCode(c); err != nil {
		return c, "", err
	}
	code := GenerateJoinCode()
	bare, _ := NormalizeJoinCode(code)
	c.ID = uuid.New()
	err := db.pool.QueryRow(ctx, `INSERT INTO join_codes (id, project_id, code_hash, label, role,
			max_uses, expires_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
		c.ID, c.ProjectID, hashToken(bare), c.Label, c.Role, nullInt(c.MaxUses),
		nullTime(c.ExpiresAt), nullUUID(c.CreatedBy)).Scan(&c.CreatedAt)
	if err != nil {
		return c, "", fmt.Errorf("create join code for project %s: %w", c.ProjectID, err)
	}
	return c, code, nil
}

// MaxJoinCodeLabel is the longest join code label accepted, in bytes.
const MaxJoinCodeLabel = 200

func validateJoinCode(c JoinCode) error {
	switch {
	case c.Role != labeling.UserResearcher && c.Role != labeling.UserAnnotator:
		return labeling.Errorf(labeling.ErrInvalid, "join code role %q is not researcher or annotator", c.Role)
	case len(c.Label) > MaxJoinCodeLabel:
		return labeling.Errorf(labeling.ErrInvalid, "join code label is %d bytes, the limit is %d",
			len(c.Label), MaxJoinCodeLabel)
	case c.MaxUses < 0:
		return labeling.Errorf(labeling.ErrInvalid, "max uses is %d; leave it empty for no limit or enter 1 or more",
			c.MaxUses)
	}
	return nil
}

func nullInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

const joinCodeColumns = `id, project_id, label, role, coalesce(max_uses, 0), uses, expires_at,
	revoked_at, created_by, created_at`

func scanJoinCode(row pgx.Row) (JoinCode, error) {
	var c JoinCode
	var expires, revoked *time.Time
	var createdBy *uuid.UUID
	err := row.Scan(&c.ID, &c.ProjectID, &c.Label, &c.Role, &c.MaxUses, &c.Uses, &expires,
		&revoked, &createdBy, &c.CreatedAt)
	if expires != nil {
		c.ExpiresAt = *expires
	}
	if revoked != nil {
		c.RevokedAt = *revoked
	}
	if createdBy != nil {
		c.CreatedBy = *createdBy
	}
	return c, err
}

// JoinCodes lists the join codes of projectID, newest first.
func (db *DB) JoinCodes(ctx context.Context, projectID uuid.UUID) ([]JoinCode, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+joinCodeColumns+` FROM join_codes
		WHERE project_id = $1 ORDER BY created_at DESC, id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list join codes of project %s: %w", projectID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (JoinCode, error) {
		return scanJoinCode(r)
	})
}

// RevokeJoinCode stops codeID of projectID from admitting anyone. Revoking
// a revoked code is not an error. It returns an ErrNotFound error when
// projectID has no such code.
func (db *DB) RevokeJoinCode(ctx context.Context, projectID, codeID uuid.UUID) error {
	tag, err := db.pool.Exec(ctx, `UPDATE join_codes SET revoked_at = coalesce(revoked_at, now())
		WHERE id = $1 AND project_id = $2`, codeID, projectID)
	if err != nil {
		return fmt.Errorf("revoke join code %s: %w", codeID, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrNotFound, "join code %s not found in this project", codeID)
	}
	return nil
}

// ActiveJoinCode returns the code that code names when it can admit
// someone now, without reserving a use. It returns an ErrInvalid error
// with a message for the person who typed it when the code is unknown,
// revoked, expired or used up.
func (db *DB) ActiveJoinCode(ctx context.Context, code string) (JoinCode, error) {
	return activeJoinCode(ctx, db.pool, code, "")
}

// querier is the QueryRow method that pgxpool.Pool and pgx.Tx share.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// activeJoinCode finds code and checks its status; lock is appended to the
// query, to take the row lock inside a transaction.
func activeJoinCode(ctx context.Context, q querier, code, lock string) (JoinCode, error) {
	bare, ok := NormalizeJoinCode(code)
	if !ok {
		return JoinCode{}, unknownJoinCode(code)
	}
	c, err := scanJoinCode(q.QueryRow(ctx, `SELECT `+joinCodeColumns+` FROM join_codes
		WHERE code_hash = $1 `+lock, hashToken(bare)))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, unknownJoinCode(code)
	}
	if err != nil {
		return c, fmt.Errorf("find join code: %w", err)
	}

	displayed := formatJoinCode(bare)
	switch c.Status(time.Now()) {
	case JoinCodeRevoked:
		return c, labeling.Errorf(labeling.ErrInvalid,
			"join code %s was revoked; ask the person who gave it to you for a new one", displayed)
	case JoinCodeExpired:
		return c, labeling.Errorf(labeling.ErrInvalid,
			"join code %s expired on %s; ask the person who gave it to you for a new one",
			displayed, c.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	case JoinCodeUsedUp:
		return c, labeling.Errorf(labeling.ErrInvalid,
			"join code %s has been used %d times, its limit; ask the person who gave it to you for a new one",
			displayed, c.MaxUses)
	}
	return c, nil
}

// ErrUnknownJoinCode marks the error for a code that matches no stored
// code, so that callers can log guesses. It also matches ErrInvalid.
var ErrUnknownJoinCode = errors.New("unknown join code")

// unknownCodeError is an ErrInvalid error that also matches
// ErrUnknownJoinCode.
type unknownCodeError struct{ message string }

func (e *unknownCodeError) Error() string { return e.message }

func (e *unknownCodeError) Is(target error) bool {
	return target == ErrUnknownJoinCode || target == labeling.ErrInvalid
}

func unknownJoinCode(code string) error {
	displayed := strings.TrimSpace(code)
	if r := []rune(displayed); len(r) > 40 {
		displayed = string(r[:40]) + "…"
	}
	return &unknownCodeError{fmt.Sprintf(
		"join code %q is not valid; check it for typos or ask the person who gave it to you", displayed)}
}

// JoinWithNewAccount redeems code for a new account: in one transaction it
// locks the code, checks that it is active, stores u with passwordHash,
// adds u to the code's project with the code's role and counts the use. It
// returns the stored user and the code. Errors: ErrInvalid when the code
// cannot admit anyone (ErrUnknownJoinCode too when it matches no code), and
// ErrConflict when u's display name is taken by another user's display
// name or email, in any letter case.
func (db *DB) JoinWithNewAccount(ctx context.Context, code string, u labeling.User,
	passwordHash string) (labeling.User, JoinCode, error) {
	var c JoinCode
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		c, err = activeJoinCode(ctx, tx, code, "FOR UPDATE")
		if err != nil {
			return err
		}
		if u, err = insertJoiningUser(ctx, tx, u, passwordHash); err != nil {
			return err
		}
		return admit(ctx, tx, c, u.ID)
	})
	return u, c, err
}

// JoinWithCode redeems code for the existing user userID. A user who is
// already a member of the code's project keeps their role, and the code
// does not count a use. It returns the code, or the errors of
// ActiveJoinCode.
func (db *DB) JoinWithCode(ctx context.Context, code string, userID uuid.UUID) (JoinCode, error) {
	var c JoinCode
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		c, err = activeJoinCode(ctx, tx, code, "FOR UPDATE")
		if err != nil {
			return err
		}
		var member bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM project_members
			WHERE project_id = $1 AND user_id = $2)`, c.ProjectID, userID).Scan(&member)
		if err != nil || member {
			return err
		}
		return admit(ctx, tx, c, userID)
	})
	return c, err
}

// insertJoiningUser stores u, whose display name must not match any
// user's display name or email.
func insertJoiningUser(ctx context.Context, tx pgx.Tx, u labeling.User, passwordHash string) (labeling.User, error) {
	u.ID = uuid.New()
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	nameTaken := labeling.Errorf(labeling.ErrConflict, "the name %s is taken; choose another", u.DisplayName)

	var exists bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users
		WHERE lower(display_name) = lower($1) OR lower(email) = lower($1))`, u.DisplayName).Scan(&exists)
	if err != nil {
		return u, fmt.Errorf("check name %s: %w", u.DisplayName, err)
	}
	if exists {
		return u, nameTaken
	}

	err = tx.QueryRow(ctx, `INSERT INTO users (id, email, display_name, role, password_hash)
		VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		u.ID, nullString(u.Email), nullString(u.DisplayName), u.Role, passwordHash).Scan(&u.CreatedAt)
	if isUniqueViolation(err) {
		return u, nameTaken
	}
	if err != nil {
		return u, fmt.Errorf("create user %s: %w", u.Name(), err)
	}
	return u, nil
}

// admit adds userID to the code's project with its role and counts a use.
func admit(ctx context.Context, tx pgx.Tx, c JoinCode, userID uuid.UUID) error {
	_, err := tx.Exec(ctx, `INSERT INTO project_members (project_id, user_id, role)
		VALUES ($1, $2, $3)`, c.ProjectID, userID, c.Role)
	if err != nil {
		return fmt.Errorf("add member %s to project %s: %w", userID, c.ProjectID, err)
	}
	_, err = tx.Exec(ctx, `UPDATE join_codes SET uses = uses + 1 WHERE id = $1`, c.ID)
	if err != nil {
		return fmt.Errorf("count use of join code %s: %w", c.ID, err)
	}
	return nil
}
