package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// runCLI runs the command line with stdin as its standard input and
// returns what it wrote to standard output.
func runCLI(t *testing.T, dbURL, stdin string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("PAIRWISE_LOG_LEVEL", "error")

	in, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	in.WriteString(stdin)
	in.Seek(0, io.SeekStart)
	outR, outW, _ := os.Pipe()
	oldIn, oldOut := os.Stdin, os.Stdout
	os.Stdin, os.Stdout = in, outW
	defer func() { os.Stdin, os.Stdout = oldIn, oldOut }()

	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(outR)
		done <- string(b)
	}()
	err = run(context.Background(), args)
	outW.Close()
	return <-done, err
}

func TestUserAddReadsPasswordFromStdin(t *testing.T) {
	url := storetest.URL(t)
	out, err := runCLI(t, url, "a long password\n", "user", "add", "--email", "Ada@example.com", "--role", "admin")
	if err != nil {
		t.Fatalf("user add: %v", err)
	}
	if !strings.HasPrefix(out, "created admin Ada@example.com") {
		t.Errorf("output: got %q, want it to start with %q", out, "created admin Ada@example.com")
	}

	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, hash, err := db.UserByEmail(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatalf("find user: %v", err)
	}
	if u.Role != "admin" {
		t.Errorf("role: got %q, want admin", u.Role)
	}
	if err := auth.CheckPassword(hash, "a long password"); err != nil {
		t.Errorf("stored password: got %v, want a match", err)
	}
}

func TestUserAddRejectsBadInput(t *testing.T) {
	url := storetest.URL(t)
	cases := []struct {
		name, stdin, want string
		args              []string
	}{
		{"short password", "short\n", "minimum is 8", []string{"--email", "a@example.com"}},
		{"bad role", "a long password\n", `invalid --role "boss"`, []string{"--email", "a@example.com", "--role", "boss"}},
		{"no email", "a long password\n", "needs --email", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := runCLI(t, url, c.stdin, append([]string{"user", "add"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestImportThenExport(t *testing.T) {
	url := storetest.URL(t)
	dir := t.TempDir()
	input := filepath.Join(dir, "pairs.jsonl")
	os.WriteFile(input, []byte(
		`{"prompt": "Name a prime.", "response_a": "7", "response_b": "9"}`+"\n"+
			`{"prompt": "Name a prime.", "response_a": "9", "response_b": "7"}`+"\n"+
			`{"prompt": "Say hi.", "response_a": "hi", "response_b": "hi"}`+"\n"), 0o644)

	out, err := runCLI(t, url, "", "import", "--project", "cli", "--create", input)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	for _, want := range []string{"records read:         3", "comparisons imported: 1", "skipped:              2",
		"line 2: duplicate_pair", "line 3: identical_responses"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output: got %q, want it to contain %q", out, want)
		}
	}

	// Nothing is judged yet, so the TRL export is empty and the command
	// still succeeds.
	exported := filepath.Join(dir, "out.jsonl")
	if _, err := runCLI(t, url, "", "export", "--project", "cli", "-o", exported); err != nil {
		t.Fatalf("export: %v", err)
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 0 {
		t.Errorf("export of an unjudged project: got %q, want nothing", data)
	}
}

func TestImportUnknownProject(t *testing.T) {
	url := storetest.URL(t)
	input := filepath.Join(t.TempDir(), "p.jsonl")
	os.WriteFile(input, []byte(`{"prompt": "a", "response_a": "b", "response_b": "c"}`+"\n"), 0o644)
	_, err := runCLI(t, url, "", "import", "--project", "missing", input)
	if err == nil || !strings.Contains(err.Error(), "--create") {
		t.Errorf("got %v, want an error that suggests --create", err)
	}
}

func TestImportMalformedWritesNothing(t *testing.T) {
	url := storetest.URL(t)
	input := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(input, []byte(`{"prompt": "a", "response_a": "b", "response_b": "c"}`+"\n"+
		`{"prompt": "a", "response_a": ["b"], "response_b": "c"}`+"\n"), 0o644)
	_, err := runCLI(t, url, "", "import", "--project", "bad", "--create", input)
	if err == nil || !strings.Contains(err.Error(), `line 2: field "response_a": want a string, got array`) {
		t.Fatalf("got %v, want the malformed line listed", err)
	}

	db, _ := store.Open(context.Background(), url)
	defer db.Close()
	var n int
	db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM comparisons`).Scan(&n)
	if n != 0 {
		t.Errorf("comparisons after a rejected import: got %d, want 0", n)
	}
	if _, err := db.ProjectByName(context.Background(), "bad"); err == nil {
		t.Error("the project that --create made for a rejected import is still there")
	}
}

func TestDemoLoadsOnce(t *testing.T) {
	url := storetest.URL(t)
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	logger := discardLogger()
	for range 2 {
		if err := loadDemo(context.Background(), db, logger); err != nil {
			t.Fatalf("load demo: %v", err)
		}
	}
	var projects, comparisons, users int
	db.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM projects),
		(SELECT count(*) FROM comparisons), (SELECT count(*) FROM users)`).Scan(&projects, &comparisons, &users)
	lines := 0
	for sc := bufio.NewScanner(strings.NewReader(string(demoPairs))); sc.Scan(); {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("demo line %d: %v", lines+1, err)
		}
		lines++
	}
	if projects != 1 || comparisons != lines || users != len(demoUsers) {
		t.Errorf("after two loads: got %d projects, %d comparisons, %d users; want 1, %d, %d",
			projects, comparisons, users, lines, len(demoUsers))
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
