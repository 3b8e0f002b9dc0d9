package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindPostgresMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := postgresBinGlob
	postgresBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	defer func() { postgresBinGlob = old }()

	_, err := FindPostgres()
	if !errors.Is(err, ErrNoPostgres) {
		t.Fatalf("got %v, want ErrNoPostgres", err)
	}
	for _, way := range []string{"install PostgreSQL", "DATABASE_URL", "docker compose up"} {
		if !strings.Contains(err.Error(), way) {
			t.Errorf("message %q does not name %q", err, way)
		}
	}
}

func TestFindPostgresPicksNewest(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "13"} {
		bin := filepath.Join(root, v, "bin")
		os.MkdirAll(bin, 0o755)
		os.WriteFile(filepath.Join(bin, "pg_ctl"), nil, 0o755)
	}
	old := postgresBinGlob
	postgresBinGlob = filepath.Join(root, "*", "bin")
	defer func() { postgresBinGlob = old }()

	got, err := FindPostgres()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
