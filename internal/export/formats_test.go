package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// encodeRow encodes v as one JSON line the way the writers do, with HTML
// left unescaped.
func encodeRow(tb testing.TB, v any) string {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatalf("encode %#v: %v", v, err)
	}
	return buf.String()
}

// Fixtures: a single-turn prompt and a multi-turn prompt with a system
// message and characters that HTML escaping would change.
var (
	singleTurn = Labeled{
		ComparisonID: "c1",
		Prompt:       labeling.Conversation{{Role: "user", Content: "The sky is"}},
		Chosen:       labeling.Response{Content: " blue.", Model: "m1"},
		Rejected:     labeling.Response{Content: " green.", Model: "m2"},
		Verdict:      labeling.VerdictPreferred,
		Margin:       2,
	}
	multiTurn = Labeled{
		ComparisonID: "c2",
		Prompt: labeling.Conversation{
			{Role: "system", Content: "Be brief."},
			{Role: "user", Content: "Hi"},
			{Role: "assistant", Content: "Hello!"},
			{Role: "user", Content: "Is 2<3 & 3>2?"},
		},
		Chosen:   labeling.Response{Content: "Yes."},
		Rejected: labeling.Response{Content: "No."},
		Verdict:  labeling.VerdictPreferred,
		Margin:   0.25,
	}
)

// multiPrompt is multiTurn's prompt as a JSON array, and multiMessages
// the same messages without the brackets.
const (
	multiPrompt = `[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},` +
		`{"role":"assistant","content":"Hello!"},{"role":"user","content":"Is 2<3 & 3>2?"}]`
	multiMessages = `{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},` +
		`{"role":"assistant","content":"Hello!"},{"role":"user","content":"Is 2<3 & 3>2?"}`
)

func TestRowBuilders(t *testing.T) {
	tests := []struct {
		name string
		row  any
		want string
	}{
		{
			name: "implicit single turn",
			row:  TRLImplicit(singleTurn),
			want: `{"chosen":"The sky is blue.","rejected":"The sky is green."}`,
		},
		{
			name: "implicit multi turn",
			row:  TRLImplicit(multiTurn),
			want: `{"chosen":[` + multiMessages + `,{"role":"assistant","content":"Yes."}],` +
				`"rejected":[` + multiMessages + `,{"role":"assistant","content":"No."}]}`,
		},
		{
			name: "reward single turn",
			row:  RewardRow(singleTurn, false),
			want: `{"prompt":"The sky is","chosen":" blue.","rejected":" green.","margin":2.0}`,
		},
		{
			name: "reward single turn conversational",
			row:  RewardRow(singleTurn, true),
			want: `{"prompt":[{"role":"user","content":"The sky is"}],` +
				`"chosen":[{"role":"assistant","content":" blue."}],` +
				`"rejected":[{"role":"assistant","content":" green."}],"margin":2.0}`,
		},
		{
			name: "reward multi turn",
			row:  RewardRow(multiTurn, false),
			want: `{"prompt":` + multiPrompt + `,"chosen":[{"role":"assistant","content":"Yes."}],` +
				`"rejected":[{"role":"assistant","content":"No."}],"margin":0.25}`,
		},
		{
			name: "openai single turn",
			row:  OpenAIPreference(singleTurn),
			want: `{"input":{"messages":[{"role":"user","content":"The sky is"}]},` +
				`"preferred_output":[{"role":"assistant","content":" blue."}],` +
				`"non_preferred_output":[{"role":"assistant","content":" green."}]}`,
		},
		{
			name: "openai multi turn",
			row:  OpenAIPreference(multiTurn),
			want: `{"input":{"messages":` + multiPrompt + `},` +
				`"preferred_output":[{"role":"assistant","content":"Yes."}],` +
				`"non_preferred_output":[{"role":"assistant","content":"No."}]}`,
		},
		{
			name: "sft single turn",
			row:  SFTRow(singleTurn, false),
			want: `{"prompt":"The sky is","completion":" blue."}`,
		},
		{
			name: "sft single turn conversational",
			row:  SFTRow(singleTurn, true),
			want: `{"messages":[{"role":"user","content":"The sky is"},{"role":"assistant","content":" blue."}]}`,
		},
		{
			name: "sft multi turn",
			row:  SFTRow(multiTurn, false),
			want: `{"messages":[` + multiMessages + `,{"role":"assistant","content":"Yes."}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encodeRow(t, tt.row); got != tt.want+"\n" {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestKTORows(t *testing.T) {
	bothBad := singleTurn
	bothBad.Verdict = labeling.VerdictBothBad
	tie := singleTurn
	tie.Verdict = labeling.VerdictTie

	tests := []struct {
		name string
		in   Labeled
		want []string
	}{
		{
			name: "preferred single turn",
			in:   singleTurn,
			want: []string{
				`{"prompt":"The sky is","completion":" blue.","label":true}`,
				`{"prompt":"The sky is","completion":" green.","label":false}`,
			},
		},
		{
			name: "preferred multi turn",
			in:   multiTurn,
			want: []string{
				`{"prompt":` + multiPrompt + `,"completion":[{"role":"assistant","content":"Yes."}],"label":true}`,
				`{"prompt":` + multiPrompt + `,"completion":[{"role":"assistant","content":"No."}],"label":false}`,
			},
		},
		{
			name: "both bad",
			in:   bothBad,
			want: []string{
				`{"prompt":"The sky is","completion":" blue.","label":false}`,
				`{"prompt":"The sky is","completion":" green.","label":false}`,
			},
		},
		{name: "tie", in: tie, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := KTORows(tt.in)
			if len(rows) != len(tt.want) {
				t.Fatalf("got %d rows, want %d", len(rows), len(tt.want))
			}
			for i, row := range rows {
				if got := encodeRow(t, row); got != tt.want[i]+"\n" {
					t.Errorf("row %d: got %s, want %s", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestAnthropicHH(t *testing.T) {
	noSystem := multiTurn
	noSystem.Prompt = multiTurn.Prompt[1:]

	tests := []struct {
		name string
		in   Labeled
		want string
	}{
		{
			name: "single turn",
			in:   singleTurn,
			want: `{"chosen":"\n\nHuman: The sky is\n\nAssistant:  blue.",` +
				`"rejected":"\n\nHuman: The sky is\n\nAssistant:  green."}`,
		},
		{
			name: "multi turn",
			in:   noSystem,
			want: `{"chosen":"\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Is 2<3 & 3>2?\n\nAssistant: Yes.",` +
				`"rejected":"\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Is 2<3 & 3>2?\n\nAssistant: No."}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, err := AnthropicHH(tt.in)
			if err != nil {
				t.Fatalf("AnthropicHH: %v", err)
			}
			if got := encodeRow(t, row); got != tt.want+"\n" {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAnthropicHHSystemMessage(t *testing.T) {
	row, err := AnthropicHH(multiTurn)
	if row != nil {
		t.Errorf("got row %v, want nil", row)
	}
	if !errors.Is(err, labeling.ErrInvalid) {
		t.Fatalf("got error %v, want an ErrInvalid error", err)
	}
	if !strings.Contains(err.Error(), "comparison c2") {
		t.Errorf("got error %q, want it to name comparison c2", err)
	}
}

func TestRowMetadata(t *testing.T) {
	withMeta := singleTurn
	withMeta.Meta = &RowMeta{ComparisonID: "c1", Votes: 3, Agreement: 1,
		SourceLabel: "a", ChosenModel: "<m1>", RejectedModel: "m2"}
	const meta = `"metadata":{"comparison_id":"c1","votes":3,"agreement":1.0,` +
		`"source_label":"a","chosen_model":"<m1>","rejected_model":"m2"}`

	hh, err := AnthropicHH(withMeta)
	if err != nil {
		t.Fatalf("AnthropicHH: %v", err)
	}
	tests := []struct {
		name string
		row  any
		want string
	}{
		{
			name: "implicit",
			row:  TRLImplicit(withMeta),
			want: `{"chosen":"The sky is blue.","rejected":"The sky is green.",` + meta + `}`,
		},
		{
			name: "reward",
			row:  RewardRow(withMeta, false),
			want: `{"prompt":"The sky is","chosen":" blue.","rejected":" green.","margin":2.0,` + meta + `}`,
		},
		{
			name: "kto",
			row:  KTORows(withMeta)[1],
			want: `{"prompt":"The sky is","completion":" green.","label":false,` + meta + `}`,
		},
		{
			name: "openai",
			row:  OpenAIPreference(withMeta),
			want: `{"input":{"messages":[{"role":"user","content":"The sky is"}]},` +
				`"preferred_output":[{"role":"assistant","content":" blue."}],` +
				`"non_preferred_output":[{"role":"assistant","content":" green."}],` + meta + `}`,
		},
		{
			name: "hh",
			row:  hh,
			want: `{"chosen":"\n\nHuman: The sky is\n\nAssistant:  blue.",` +
				`"rejected":"\n\nHuman: The sky is\n\nAssistant:  green.",` + meta + `}`,
		},
		{
			name: "sft",
			row:  SFTRow(withMeta, false),
			want: `{"prompt":"The sky is","completion":" blue.",` + meta + `}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encodeRow(t, tt.row); got != tt.want+"\n" {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRewardRowMargin(t *testing.T) {
	tests := []struct {
		margin float64
		want   string
	}{
		{0, `"margin":0.0}`},
		{1, `"margin":1.0}`},
		{0.5, `"margin":0.5}`},
		{-2, `"margin":-2.0}`},
		{1e21, `"margin":1e+21}`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			l := singleTurn
			l.Margin = tt.margin
			line := encodeRow(t, RewardRow(l, false))
			if !strings.HasSuffix(line, tt.want+"\n") {
				t.Errorf("got %s, want it to end in %s", line, tt.want)
			}

			var decoded map[string]any
			if err := json.Unmarshal([]byte(line), &decoded); err != nil {
				t.Fatalf("decode %s: %v", line, err)
			}
			if got, ok := decoded["margin"].(float64); !ok || got != tt.margin {
				t.Errorf("got margin %#v, want %v", decoded["margin"], tt.margin)
			}
		})
	}
}

func TestRewardRowMarginNotFinite(t *testing.T) {
	l := singleTurn
	l.Margin = math.NaN()
	err := json.NewEncoder(&bytes.Buffer{}).Encode(RewardRow(l, false))
	if err == nil {
		t.Fatal("got no error for a NaN margin, want one")
	}
}

func TestRowsDoNotShareThePrompt(t *testing.T) {
	l := multiTurn
	l.Prompt = append(labeling.Conversation(nil), multiTurn.Prompt...)
	row := OpenAIPreference(l)
	l.Prompt[1].Content = "changed"

	want := `{"input":{"messages":` + multiPrompt + `},` +
		`"preferred_output":[{"role":"assistant","content":"Yes."}],` +
		`"non_preferred_output":[{"role":"assistant","content":"No."}]}` + "\n"
	if got := encodeRow(t, row); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
