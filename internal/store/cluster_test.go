package store_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// TestClusterRestartKeepsData starts a private cluster, stores a user,
// stops it, starts it again from the same data folder and finds the user.
func TestClusterRestartKeepsData(t *testing.T) {
	t.Parallel()
	bin, err := store.FindPostgres()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("FindPostgres: %v", err)
		}
		t.Skipf("no PostgreSQL server binaries, so no cluster to start: %v", err)
	}
	ctx := context.Background()

	// As root, the cluster runs as an unprivileged account that must be
	// able to pass through the temporary folder.
	root, err := os.MkdirTemp("", "pairwise-cluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "data")
	newCluster := func() *store.Cluster {
		c := &store.Cluster{Dir: dir, BinDir: bin, Fast: true, OSUser: os.Getenv("PAIRWISE_PG_OS_USER")}
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c.Stop(stopCtx)
		})
		return c
	}

	first := newCluster()
	if err := first.Start(ctx); err != nil {
		t.Fatalf("first Start: %v", err)
	}
	url := first.URL("pairwise")
	if err := store.EnsureDatabase(ctx, first.URL("postgres"), "pairwise"); err != nil {
		t.Fatalf("EnsureDatabase: %v", err)
	}
	if err := store.Migrate(ctx, url, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	want, err := db.CreateUser(ctx, "kept@example.org", labeling.UserAdmin, "hash")
	db.Close()
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := first.Stop(ctx); err != nil {
		t.Fatalf("first Stop: %v", err)
	}
	if db, err := store.Open(ctx, url); err == nil {
		db.Close()
		t.Fatalf("Open after Stop: got a connection, want an error")
	}

	second := newCluster()
	if err := second.Start(ctx); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if got := second.URL("pairwise"); got != url {
		t.Errorf("URL after restart: got %s, want %s", got, url)
	}
	db, err = store.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open after restart: %v", err)
	}
	defer db.Close()
	got, _, err := db.UserByEmail(ctx, "kept@example.org")
	if err != nil {
		t.Fatalf("UserByEmail after restart: %v", err)
	}
	if got.ID != want.ID {
		t.Errorf("user id after restart: got %v, want %v", got.ID, want.ID)
	}

	// A cluster value started on a running server reuses it, and its Stop
	// leaves the server to its owner.
	third := newCluster()
	if err := third.Start(ctx); err != nil {
		t.Fatalf("Start on a running server: %v", err)
	}
	if err := third.Stop(ctx); err != nil {
		t.Fatalf("Stop of the reused server: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping after the reusing cluster stopped: got %v, want no error", err)
	}
}
