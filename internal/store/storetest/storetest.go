// Package storetest gives each test a fresh, migrated PostgreSQL database
// cloned from a template, on a private cluster that the test binary starts
// itself, or on the server that TEST_DATABASE_URL names.
package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/store"
)

var (
	adminURL     string // a database on the test server with CREATE DATABASE rights
	templateName string
	counter      atomic.Int64
	setupErr     error
	cleanup      func()
	setupOnce    sync.Once
)

// Main runs the package's tests between starting and stopping the test
// server. Call it from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	return code
}

func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	templateName = fmt.Sprintf("pairwise_template_%d", os.Getpid())

	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		adminURL = u
	} else if setupErr = startCluster(ctx); setupErr != nil {
		return
	}

	setupErr = createTemplate(ctx)
}

func startCluster(ctx context.Context) error {
	bin, err := store.FindPostgres()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pairwise-test-pg-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	c := &store.Cluster{Dir: dir + "/data", BinDir: bin, Fast: true,
		OSUser: os.Getenv("PAIRWISE_PG_OS_USER")}
	if err := c.Start(ctx); err != nil {
		os.RemoveAll(dir)
		return err
	}
	cleanup = func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c.Stop(stopCtx)
		os.RemoveAll(dir)
	}
	adminURL = c.URL("postgres")
	return nil
}

func createTemplate(ctx context.Context) error {
	if err := exec(ctx, "CREATE DATABASE "+templateName); err != nil {
		return err
	}
	prev := cleanup
	cleanup = func() {
		exec(context.Background(), "DROP DATABASE IF EXISTS "+templateName+" WITH (FORCE)")
		if prev != nil {
			prev()
		}
	}
	return store.Migrate(ctx, withDatabase(adminURL, templateName), slog.New(slog.DiscardHandler))
}

func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns u with its database name replaced by name.
func withDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		panic("storetest: TEST_DATABASE_URL must be a postgres:// URL: " + err.Error())
	}
	parsed.Path = "/" + name
	return parsed.String()
}

// URL creates a fresh database from the migrated template, drops it when
// the test ends, and returns its connection string.
func URL(tb testing.TB) string {
	tb.Helper()
	setupOnce.Do(setup)
	if setupErr != nil {
		tb.Fatalf("start test database: %v", setupErr)
	}

	name := fmt.Sprintf("%s_%d", templateName, counter.Add(1))
	ctx := context.Background()
	if err := exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName); err != nil {
		tb.Fatalf("create test database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(adminURL, name)
}

// New returns an open store on a fresh database, closed when the test ends.
func New(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), URL(tb))
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}
