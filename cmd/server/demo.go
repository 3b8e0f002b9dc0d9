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
	{"researcher@demo.local", labeling.UserResearcher},
	{"annotator@demo.local", labeling.UserAnnotator},
	{"annotator2@demo.local", labeling.UserAnnotator},
}

// demoGuidelines are shown to each annotator before their first judgment.
const demoGuidelines = `## How to judge

- Pick the response that helps the user more, **and** is honest and safe.
- A short correct answer beats a long wrong one.
- Use *tie* when neither is clearly better, and *both bad* when you would
  send neither.
- Score the rubric only when you are sure; it is optional.
`

// loadDemo creates the demo accounts and project unless they exist, so a
// second start keeps what was labelled. Every demo account except the
// admin is a member of the project, and each comparison wants two
// judgments, so the dashboard has agreement to show.
func loadDemo(ctx context.Context, db *store.DB, logger *slog.Logger) error {
	hash, err := auth.HashPassword(demoPassword)
	if err != nil {
		return err
	}
	p, err := db.ProjectByName(ctx, demoProject)
	if errors.Is(err, labeling.ErrNotFound) {
		p, err = createDemoProject(ctx, db, logger)
	}
	if err != nil {
		return err
	}

	for _, du := range demoUsers {
		u, err := db.CreateUser(ctx, du.email, du.role, hash)
		if errors.Is(err, labeling.ErrConflict) {
			u, _, err = db.UserByEmail(ctx, du.email)
		}
		if err != nil {
			return fmt.Errorf("create demo user %s: %w", du.email, err)
		}
		if du.role == labeling.UserAdmin {
			continue
		}
		role := labeling.UserAnnotator
		if du.role == labeling.UserResearcher {
			role = labeling.UserResearcher
		}
		if err := db.AddMember(ctx, p.ID, u.ID, role); err != nil {
			return err
		}
	}
	return nil
}

func createDemoProject(ctx context.Context, db *store.DB, logger *slog.Logger) (labeling.Project, error) {
	p := labeling.NewProject(demoProject)
	p.Description = "Pairs written for trying pairwise out."
	p.Guidelines = demoGuidelines
	p.JudgmentsWanted = 2
	p, err := db.CreateProject(ctx, p)
	if err != nil {
		return p, err
	}
	rep, _, err := server.Import(ctx, db, p, bytes.NewReader(demoPairs), "demo/pairs.jsonl",
		server.ImportOptions{Options: ingest.Options{Format: ingest.FormatPairs}}, uuid.Nil)
	if err != nil {
		return p, fmt.Errorf("import demo pairs: %w", err)
	}
	logger.Info("demo project loaded", "project_id", p.ID, "comparisons", rep.Imported)
	return p, nil
}

func printDemoLogins(url string) {
	fmt.Printf("\npairwise demo is running at %s\n", url)
	for _, u := range demoUsers {
		fmt.Printf("  log in as %-22s password %s  (%s)\n", u.email, demoPassword, u.role)
	}
	fmt.Println("These demo passwords are public: do not expose this server beyond your machine.")
	fmt.Println("Press Ctrl-C to stop.")
}
