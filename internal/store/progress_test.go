package store_test

import (
	"context"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestProgressCapsLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	p, err := db.CreateProject(ctx, labeling.NewProject("big"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, fillProjectSQL, p.ID, labeling.MaxCountedLeft+5); err != nil {
		t.Fatalf("fill project: %v", err)
	}
	u, err := db.CreateUser(ctx, "big@example.test", labeling.UserAnnotator, "x")
	if err != nil {
		t.Fatal(err)
	}

	got, err := db.Progress(ctx, p, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := labeling.Progress{Done: 0, Left: labeling.MaxCountedLeft, More: true}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
