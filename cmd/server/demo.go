package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
)

// demoPairs are response pairs written for the demo project, in the
// generic pairs format.
//
//go:embed demo/pairs.jsonl
var demoPairs []byte

const (
	demoProject  = "Demo: everyday questions"
	demoPassword = "pairwise-demo"
)

var demoUsers = []struct{ email, role string }{
	{"admin@demo.local", labeling.UserAdmin},
	{"annotator@demo.local", labeling.UserAnnotator},
	{"annotator2@demo.local", labeling.UserAnnotator},
}

// loadDemo creates the demo accounts and project unless they exist, so a
// second start keeps what was labelled.
func loadDemo(ctx context.Context, db *store.DB, logger *slog.Logger) error {
	for _, u := range demoUsers {
		hash, err := auth.HashPassword(demoPassword)
		if err != nil {
			return err
		}
		_, err = db.CreateUser(ctx, u.email, u.role, hash)
		if err != nil && !errors.Is(err, labeling.ErrConflict) {
			return fmt.Errorf("create demo user %s: %w", u.email, err)
		}
	}

	_, err := db.ProjectByName(ctx, demoProject)
	if err == nil || !errors.Is(err, labeling.ErrNotFound) {
		return err
	}
	p, err := db.CreateProject(ctx, labeling.Project{Name: demoProject,
		Description: "Pairs written for trying pairwise out."})
	if err != nil {
		return err
	}
	rep, _, err := server.Import(ctx, db, p, bytes.NewReader(demoPairs), "demo/pairs.jsonl",
		server.ImportOptions{Options: ingest.Options{Format: ingest.FormatPairs}}, uuid.Nil)
	if err != nil {
		return fmt.Errorf("import demo pairs: %w", err)
	}
	logger.Info("demo project loaded", "project_id", p.ID, "comparisons", rep.Imported)
	return nil
}

func printDemoLogins(url string) {
	fmt.Printf("\npairwise demo is running at %s\n", url)
	for _, u := range demoUsers {
		fmt.Printf("  log in as %-22s password %s  (%s)\n", u.email, demoPassword, u.role)
	}
	fmt.Println("These demo passwords are public: do not expose this server beyond your machine.")
	fmt.Println("Press Ctrl-C to stop.")
}
