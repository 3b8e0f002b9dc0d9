package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestHasMultiTurnPrompt(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	single := newProject(t, db, 1)
	importRows(t, db, single, row(1, "p", "a", "b"), row(2, "q", "c", "d"))

	tests := []struct {
		name   string
		prompt labeling.Conversation
		want   bool
	}{
		{"system message", labeling.Conversation{{Role: labeling.RoleSystem, Content: "s"},
			{Role: labeling.RoleUser, Content: "u"}}, true},
		{"several turns", labeling.Conversation{{Role: labeling.RoleUser, Content: "u"},
			{Role: labeling.RoleAssistant, Content: "a"}, {Role: labeling.RoleUser, Content: "v"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t, db, 1)
			importRows(t, db, p, row(1, "p", "a", "b"), labeling.Row{Line: 2, Prompt: tt.prompt,
				Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}}})
			got, err := db.HasMultiTurnPrompt(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	for name, id := range map[string]uuid.UUID{"single-turn": single.ID, "unknown project": uuid.New()} {
		got, err := db.HasMultiTurnPrompt(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got {
			t.Errorf("%s: got true, want false", name)
		}
	}
}
