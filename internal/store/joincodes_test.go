package store_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var codeFormat = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`)

func TestGenerateJoinCodeFormat(t *testing.T) {
	const n = 2000
	seen := map[string]bool{}
	// perPosition[i] contains the characters seen at position i of the bare
	// code. With 80 random bits every position takes all 32 characters;
	// over 2000 codes the chance that one is missing is below 1e-20.
	perPosition := make([]map[rune]bool, store.JoinCodeLength)
	for i := range perPosition {
		perPosition[i] = map[rune]bool{}
	}
	for range n {
		code := store.GenerateJoinCode()
		if !codeFormat.MatchString(code) {
			t.Fatalf("code %q: want four groups of four characters of %s joined by dashes", code, codeAlphabet)
		}
		if seen[code] {
			t.Fatalf("code %q generated twice in %d codes", code, n)
		}
		seen[code] = true
		for i, r := range strings.ReplaceAll(code, "-", "") {
			perPosition[i][r] = true
		}
	}
	for i, chars := range perPosition {
		if len(chars) != len(codeAlphabet) {
			t.Errorf("position %d: got %d distinct characters, want %d", i, len(chars), len(codeAlphabet))
		}
	}
}

func TestNormalizeJoinCode(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"formatted", "ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS", true},
		{"lowercase", "abcd-efgh-jkmn-pqrs", "ABCDEFGHJKMNPQRS", true},
		{"no dashes", "abcdefghjkmnpqrs", "ABCDEFGHJKMNPQRS", true},
		{"spaces", "  abcd efgh\tjkmn pqrs ", "ABCDEFGHJKMNPQRS", true},
		{"look-alikes", "oOiI-lL01-2345-6789", "00111101" + "23456789", true},
		{"too short", "ABCD-EFGH-JKMN-PQR", "", false},
		{"too long", "ABCD-EFGH-JKMN-PQRST", "", false},
		{"letter U", "ABCD-EFGH-JKMN-PQRU", "", false},
		{"punctuation", "ABCD.EFGH.JKMN.PQRS", "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := store.NormalizeJoinCode(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("NormalizeJoinCode(%q): got %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// newJoinCode stores join code c and returns it with its text.
func newJoinCode(tb testing.TB, db *store.DB, c store.JoinCode) (store.JoinCode, string) {
	tb.Helper()
	c, code, err := db.CreateJoinCode(context.Background(), c)
	if err != nil {
		tb.Fatalf("create join code: %v", err)
	}
	return c, code
}

func student(name string) labeling.User {
	return labeling.User{DisplayName: name, Role: labeling.UserAnnotator}
}

func TestJoinWithNewAccount(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 1)
	c, code := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID, Label: "Tuesday class", MaxUses: 30})

	u, got, err := db.JoinWithNewAccount(ctx, strings.ToLower(code), student("  Ada  "), "hash")
	if err != nil {
		t.Fatalf("JoinWithNewAccount: %v", err)
	}
	if got.ID != c.ID {
		t.Errorf("code id: got %s, want %s", got.ID, c.ID)
	}
	if u.DisplayName != "Ada" {
		t.Errorf("display name: got %q, want %q", u.DisplayName, "Ada")
	}
	role, err := db.MemberRole(ctx, p.ID, u.ID)
	if err != nil {
		t.Fatalf("MemberRole: %v", err)
	}
	if role != labeling.UserAnnotator {
		t.Errorf("member role: got %q, want %q", role, labeling.UserAnnotator)
	}
	if n := queryInt(t, db, `SELECT uses FROM join_codes WHERE id = $1`, c.ID); n != 1 {
		t.Errorf("uses: got %d, want 1", n)
	}
	if _, _, err := db.UserByLogin(ctx, "ada"); err != nil {
		t.Errorf("log in by display name: %v", err)
	}
}

func TestJoinCodeResearcherRole(t *testing.T) {
	db := storetest.New(t)
	p := newProject(t, db, 1)
	_, code := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID, Role: labeling.UserResearcher})

	u, _, err := db.JoinWithNewAccount(context.Background(), code, student("Grace"), "hash")
	if err != nil {
		t.Fatalf("JoinWithNewAccount: %v", err)
	}
	role, err := db.MemberRole(context.Background(), p.ID, u.ID)
	if err != nil || role != labeling.UserResearcher {
		t.Errorf("member role: got %q, %v, want %q", role, err, labeling.UserResearcher)
	}
}

func TestJoinCodeRejected(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 1)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}

	revoked, revokedCode := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID})
	if err := db.RevokeJoinCode(ctx, p.ID, revoked.ID); err != nil {
		t.Fatalf("RevokeJoinCode: %v", err)
	}
	_, expiredCode := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID,
		ExpiresAt: time.Now().Add(time.Hour)})
	exec(`UPDATE join_codes SET expires_at = now() - interval '1 minute' WHERE expires_at IS NOT NULL`)
	usedUp, usedUpCode := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID, MaxUses: 2})
	exec(`UPDATE join_codes SET uses = 2 WHERE id = $1`, usedUp.ID)

	tests := []struct {
		name, code, message string
		unknown             bool
	}{
		{"unknown", store.GenerateJoinCode(), "is not valid", true},
		{"malformed", "not-a-code", "is not valid", true},
		{"revoked", revokedCode, "was revoked", false},
		{"expired", expiredCode, "expired on", false},
		{"used up", usedUpCode, "has been used 2 times, its limit", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := countRows(t, db, "users")
			_, _, err := db.JoinWithNewAccount(ctx, tc.code, student("Name "+tc.name), "hash")
			wantKind(t, err, labeling.ErrInvalid)
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error: got %q, want it to contain %q", err, tc.message)
			}
			if got := errors.Is(err, store.ErrUnknownJoinCode); got != tc.unknown {
				t.Errorf("errors.Is(err, ErrUnknownJoinCode): got %v, want %v", got, tc.unknown)
			}
			if after := countRows(t, db, "users"); after != before {
				t.Errorf("users: got %d, want %d", after, before)
			}
			_, err = db.ActiveJoinCode(ctx, tc.code)
			wantKind(t, err, labeling.ErrInvalid)
		})
	}
	if n := queryInt(t, db, `SELECT uses FROM join_codes WHERE id = $1`, usedUp.ID); n != 2 {
		t.Errorf("uses of the used-up code: got %d, want 2", n)
	}
}

func TestJoinNameTaken(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 1)
	_, code := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID})
	if _, err := db.CreateUser(ctx, "Teacher@Example.org", labeling.UserResearcher, "hash"); err != nil {
		t.Fatalf("create user: %v", err)
	}
	if _, _, err := db.JoinWithNewAccount(ctx, code, student("Ada"), "hash"); err != nil {
		t.Fatalf("first join: %v", err)
	}

	for _, name := range []string{"ada", "ADA", "teacher@example.org"} {
		t.Run(name, func(t *testing.T) {
			_, _, err := db.JoinWithNewAccount(ctx, code, student(name), "hash")
			wantKind(t, err, labeling.ErrConflict)
			want := "the name " + name + " is taken; choose another"
			if err.Error() != want {
				t.Errorf("error: got %q, want %q", err, want)
			}
		})
	}
	if n := queryInt(t, db, `SELECT uses FROM join_codes`); n != 1 {
		t.Errorf("uses: got %d, want 1", n)
	}
	if n := countRows(t, db, "users"); n != 2 {
		t.Errorf("users: got %d, want 2", n)
	}
}

func TestJoinConcurrentMaxUses(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 1)
	c, code := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID, MaxUses: 2})

	const n = 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = db.JoinWithNewAccount(ctx, code, student(uuid.NewString()[:8]), "hash")
		})
	}
	wg.Wait()

	joined := 0
	for _, err := range errs {
		switch {
		case err == nil:
			joined++
		case !strings.Contains(err.Error(), "its limit"):
			t.Errorf("join: got error %v, want nil or the used-up error", err)
		}
	}
	if joined != 2 {
		t.Errorf("joins that succeeded: got %d, want 2", joined)
	}
	if got := countRows(t, db, "users"); got != 2 {
		t.Errorf("users: got %d, want 2", got)
	}
	if got := queryInt(t, db, `SELECT uses FROM join_codes WHERE id = $1`, c.ID); got != 2 {
		t.Errorf("uses: got %d, want 2", got)
	}
}

func TestJoinWithCodeExistingUser(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 1)
	c, code := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID, MaxUses: 5})
	user := newUser(t, db)

	for i := range 2 {
		got, err := db.JoinWithCode(ctx, code, user)
		if err != nil {
			t.Fatalf("JoinWithCode, attempt %d: %v", i+1, err)
		}
		if got.ProjectID != p.ID {
			t.Errorf("project: got %s, want %s", got.ProjectID, p.ID)
		}
	}
	if n := queryInt(t, db, `SELECT uses FROM join_codes WHERE id = $1`, c.ID); n != 1 {
		t.Errorf("uses after joining twice: got %d, want 1", n)
	}

	// A researcher who joins with an annotator code stays a researcher.
	boss := newUser(t, db)
	if err := db.AddMember(ctx, p.ID, boss, labeling.UserResearcher); err != nil {
		t.Fatalf("AddMember: %v", err)
	}
	if _, err := db.JoinWithCode(ctx, code, boss); err != nil {
		t.Fatalf("JoinWithCode: %v", err)
	}
	if role, _ := db.MemberRole(ctx, p.ID, boss); role != labeling.UserResearcher {
		t.Errorf("role: got %q, want %q", role, labeling.UserResearcher)
	}
}

func TestJoinCodesListAndRevoke(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p, other := newProject(t, db, 1), newProject(t, db, 1)
	expires := time.Now().Add(48 * time.Hour).Truncate(time.Microsecond)
	c, _ := newJoinCode(t, db, store.JoinCode{ProjectID: p.ID, Label: " Monday ", MaxUses: 3,
		ExpiresAt: expires, CreatedBy: newUser(t, db)})
	newJoinCode(t, db, store.JoinCode{ProjectID: other.ID})

	codes, err := db.JoinCodes(ctx, p.ID)
	if err != nil {
		t.Fatalf("JoinCodes: %v", err)
	}
	if len(codes) != 1 {
		t.Fatalf("codes: got %d, want 1", len(codes))
	}
	got := codes[0]
	if got.Label != "Monday" || got.MaxUses != 3 || got.Role != labeling.UserAnnotator ||
		!got.ExpiresAt.Equal(expires) || got.CreatedBy != c.CreatedBy {
		t.Errorf("code: got %+v, want label Monday, 3 uses, annotator, expiry %s, creator %s",
			got, expires, c.CreatedBy)
	}
	if s := got.Status(time.Now()); s != store.JoinCodeActive {
		t.Errorf("status: got %q, want %q", s, store.JoinCodeActive)
	}

	err = db.RevokeJoinCode(ctx, other.ID, c.ID)
	wantKind(t, err, labeling.ErrNotFound)
	if err := db.RevokeJoinCode(ctx, p.ID, c.ID); err != nil {
		t.Fatalf("RevokeJoinCode: %v", err)
	}
	codes, _ = db.JoinCodes(ctx, p.ID)
	if s := codes[0].Status(time.Now()); s != store.JoinCodeRevoked {
		t.Errorf("status after revoking: got %q, want %q", s, store.JoinCodeRevoked)
	}
}

func TestJoinCodeStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		code store.JoinCode
		want string
	}{
		{"no limits", store.JoinCode{}, store.JoinCodeActive},
		{"uses left", store.JoinCode{MaxUses: 2, Uses: 1}, store.JoinCodeActive},
		{"used up", store.JoinCode{MaxUses: 2, Uses: 2}, store.JoinCodeUsedUp},
		{"expires later", store.JoinCode{ExpiresAt: now.Add(time.Second)}, store.JoinCodeActive},
		{"expires now", store.JoinCode{ExpiresAt: now}, store.JoinCodeExpired},
		{"revoked and expired", store.JoinCode{ExpiresAt: now.Add(-time.Hour), RevokedAt: now},
			store.JoinCodeRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.code.Status(now); got != tc.want {
				t.Errorf("Status: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCreateJoinCodeInvalid(t *testing.T) {
	db := storetest.New(t)
	p := newProject(t, db, 1)
	tests := []struct {
		name string
		code store.JoinCode
	}{
		{"admin role", store.JoinCode{ProjectID: p.ID, Role: labeling.UserAdmin}},
		{"negative uses", store.JoinCode{ProjectID: p.ID, MaxUses: -1}},
		{"long label", store.JoinCode{ProjectID: p.ID, Label: strings.Repeat("x", 201)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := db.CreateJoinCode(context.Background(), tc.code)
			wantKind(t, err, labeling.ErrInvalid)
		})
	}
	if n := countRows(t, db, "join_codes"); n != 0 {
		t.Errorf("join codes: got %d, want 0", n)
	}
}
