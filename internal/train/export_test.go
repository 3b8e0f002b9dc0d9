package train

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// TestReadsExportedRows checks that every preference and SFT row shape
// the exporter writes is read back with the same prompt and responses.
func TestReadsExportedRows(t *testing.T) {
	single := labeling.Conversation{{Role: labeling.RoleUser, Content: "Name a colour."}}
	multi := labeling.Conversation{
		{Role: labeling.RoleSystem, Content: "Be brief."},
		{Role: labeling.RoleUser, Content: "Name a colour."},
	}
	labeled := func(prompt labeling.Conversation) export.Labeled {
		return export.Labeled{Prompt: prompt, Verdict: labeling.VerdictPreferred, Margin: 2,
			Chosen: labeling.Response{Content: " Blue."}, Rejected: labeling.Response{Content: " Sky."}}
	}
	hh, err := export.AnthropicHH(labeled(single))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		row    any
		prompt string
		margin float64
	}{
		{"reward standard", export.RewardRow(labeled(single), false), "Name a colour.", 2},
		{"reward conversational", export.RewardRow(labeled(multi), true), RenderPrompt(multi), 2},
		{"implicit standard", export.TRLImplicit(labeled(single)), "Name a colour.", 0},
		{"implicit conversational", export.TRLImplicit(labeled(multi)), RenderPrompt(multi), 0},
		{"openai", export.OpenAIPreference(labeled(multi)), RenderPrompt(multi), 0},
		{"anthropic hh", hh, RenderPrompt(single), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line, err := json.Marshal(c.row)
			if err != nil {
				t.Fatal(err)
			}
			path := writeFile(t, t.TempDir(), "export.jsonl", string(line)+"\n")
			prefs, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
			if err != nil {
				t.Fatalf("%s\n%v", line, err)
			}
			p := prefs[0]
			chosen, rejected := " Blue.", " Sky."
			if p.Prompt != c.prompt || p.Chosen != chosen || p.Rejected != rejected || p.Margin != c.margin {
				t.Errorf("read %+v from %s, want prompt %q, chosen %q, rejected %q, margin %v",
					p, line, c.prompt, chosen, rejected, c.margin)
			}
		})
	}

	for _, conv := range []bool{false, true} {
		line, _ := json.Marshal(export.SFTRow(labeled(single), conv))
		path := writeFile(t, t.TempDir(), "sft.jsonl", string(line)+"\n")
		rows, _, err := ReadCompletions(context.Background(), path, ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if rows[0].Completion != " Blue." {
			t.Errorf("SFT row %s read as %+v, want completion %q", line, rows[0], " Blue.")
		}
	}
}
