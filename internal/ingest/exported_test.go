package ingest

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

func TestDetectExportFormats(t *testing.T) {
	tests := []struct {
		name, line string
		want       Format
	}{
		{"reward", `{"prompt": "p", "chosen": "a", "rejected": "b", "margin": 1.0}`, FormatReward},
		{"kto", `{"prompt": "p", "completion": "a", "label": true}`, FormatKTO},
		{"openai", `{"input": {"messages": [{"role": "user", "content": "p"}]}, ` +
			`"preferred_output": [{"role": "assistant", "content": "a"}], ` +
			`"non_preferred_output": [{"role": "assistant", "content": "b"}]}`, FormatOpenAI},
		{"sft standard", `{"prompt": "p", "completion": "a"}`, FormatSFT},
		{"sft messages", `{"messages": [{"role": "user", "content": "p"}, ` +
			`{"role": "assistant", "content": "a"}]}`, FormatSFT},
		{"rubric", `{"prompt": "p", "response": "a", "model": "m", "helpfulness": 3.5}`, FormatRubric},
		{"judgments", `{"comparison_id": "c", "verdict": "tie", "prompt": "p", ` +
			`"response_a": "a", "response_b": "b"}`, FormatJudgments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := readString(t, tt.line+"\n"+tt.line+"\n", Options{})
			if err != nil {
				t.Fatalf("Read: got error %v, want none", err)
			}
			if res.Format != tt.want {
				t.Errorf("format: got %q, want %q", res.Format, tt.want)
			}
		})
	}
}

func TestReadKTOPairsRowsByPrompt(t *testing.T) {
	input := strings.Join([]string{
		`{"prompt": "p1", "completion": "good", "label": true}`,
		`{"prompt": "p2", "completion": "x", "label": false}`,
		`{"prompt": "p1", "completion": "bad", "label": false}`,
		`{"prompt": "p2", "completion": "y", "label": false}`,
		`{"prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": "p3"}], ` +
			`"completion": [{"role": "assistant", "content": "worse"}], "label": false}`,
		`{"prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": "p3"}], ` +
			`"completion": [{"role": "assistant", "content": "better"}], "label": true}`,
		`{"prompt": "p4", "completion": "u", "label": true}`,
		`{"prompt": "p4", "completion": "v", "label": true}`,
		`{"prompt": "p5", "completion": "alone", "label": true}`,
	}, "\n")
	rows, res := mustRead(t, input, Options{})

	want := []struct {
		line   int
		prompt labeling.Conversation
		texts  []string
		label  labeling.SourceLabel
	}{
		{1, user("p1"), []string{"good", "bad"}, *preferredFirst},
		{2, user("p2"), []string{"x", "y"}, labeling.SourceLabel{Verdict: labeling.VerdictBothBad}},
		{5, labeling.Conversation{msg("system", "s"), msg("user", "p3")},
			[]string{"better", "worse"}, *preferredFirst},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows: got %d, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line {
			t.Errorf("row %d line: got %d, want %d", i, r.Line, w.line)
		}
		if !reflect.DeepEqual(r.Prompt, w.prompt) {
			t.Errorf("row %d prompt: got %v, want %v", i, r.Prompt, w.prompt)
		}
		if got := texts(r.Candidates); !reflect.DeepEqual(got, w.texts) {
			t.Errorf("row %d candidates: got %q, want %q", i, got, w.texts)
		}
		if r.Label == nil || *r.Label != w.label {
			t.Errorf("row %d label: got %v, want %v", i, r.Label, w.label)
		}
	}

	wantSkips := []Skip{
		{Line: 7, Reason: SkipBothDesirable},
		{Line: 9, Reason: SkipUnpaired},
	}
	if len(res.Skipped) != len(wantSkips) {
		t.Fatalf("skips: got %+v, want %d", res.Skipped, len(wantSkips))
	}
	for i, w := range wantSkips {
		if got := res.Skipped[i]; got.Line != w.Line || got.Reason != w.Reason {
			t.Errorf("skip %d: got line %d %s, want line %d %s", i, got.Line, got.Reason, w.Line, w.Reason)
		}
	}
}

func TestReadKTOLabelNotBoolean(t *testing.T) {
	_, _, err := readString(t, `{"prompt": "p", "completion": "a", "label": "yes"}`, Options{})
	m := mustMalformed(t, err)
	want := `line 1: field "label": want true or false, got string`
	if got := m.Lines[0].Error(); got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
}

func TestReadSFTGroupsCompletions(t *testing.T) {
	input := strings.Join([]string{
		`{"prompt": "p1", "completion": "a"}`,
		`{"prompt": "p2", "completion": "only"}`,
		`{"prompt": "p1", "completion": "b"}`,
		`{"prompt": "p1", "completion": "a"}`,
		`{"messages": [{"role": "user", "content": "p1"}, {"role": "assistant", "content": "c"}]}`,
	}, "\n")
	rows, res := mustRead(t, input, Options{Format: FormatSFT})
	if len(rows) != 1 {
		t.Fatalf("rows: got %d, want 1", len(rows))
	}
	if got, want := texts(rows[0].Candidates), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("candidates: got %q, want %q", got, want)
	}
	if rows[0].Label != nil {
		t.Errorf("label: got %v, want none", rows[0].Label)
	}
	reasons := map[int]SkipReason{}
	for _, s := range res.Skipped {
		reasons[s.Line] = s.Reason
	}
	want := map[int]SkipReason{2: SkipUnpaired, 4: SkipIdentical}
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("skips: got %v, want %v", reasons, want)
	}
}

func TestReadSFTMessagesEndWithUser(t *testing.T) {
	_, _, err := readString(t, `{"messages": [{"role": "user", "content": "p"}, {"role": "user", "content": "q"}]}`,
		Options{Format: FormatSFT})
	m := mustMalformed(t, err)
	if got := m.Lines[0]; got.Field != "messages" || !strings.Contains(got.Reason, "role user") {
		t.Errorf("error: got %v, want one on messages about the last role", got.Error())
	}
}

func TestReadRubricGroupsResponses(t *testing.T) {
	input := strings.Join([]string{
		`{"prompt": "p", "response": "r1", "model": "m1", "response_id": "x", "helpfulness": 4.0, "ratings": 1}`,
		`{"prompt": "p", "response": "r2", "model": "m2", "response_id": "y", "helpfulness": null, "ratings": 0}`,
	}, "\n")
	rows, _ := mustRead(t, input, Options{})
	if len(rows) != 1 {
		t.Fatalf("rows: got %d, want 1", len(rows))
	}
	want := []labeling.Candidate{{Content: "r1", Model: "m1"}, {Content: "r2", Model: "m2"}}
	if !reflect.DeepEqual(rows[0].Candidates, want) {
		t.Errorf("candidates: got %+v, want %+v", rows[0].Candidates, want)
	}
}

func TestReadOpenAIKeepsSystemMessage(t *testing.T) {
	line := `{"input": {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}, ` +
		`{"role": "assistant", "content": "a"}, {"role": "user", "content": "u2"}]}, ` +
		`"preferred_output": [{"role": "assistant", "content": "good"}], ` +
		`"non_preferred_output": [{"role": "assistant", "content": "bad"}]}`
	rows, _ := mustRead(t, line, Options{})
	want := labeling.Conversation{msg("system", "s"), msg("user", "u"), msg("assistant", "a"), msg("user", "u2")}
	if len(rows) != 1 || !reflect.DeepEqual(rows[0].Prompt, want) {
		t.Fatalf("rows: got %+v, want one with prompt %v", rows, want)
	}
	if got := texts(rows[0].Candidates); !reflect.DeepEqual(got, []string{"good", "bad"}) {
		t.Errorf("candidates: got %q", got)
	}
	if rows[0].Label == nil || *rows[0].Label != *preferredFirst {
		t.Errorf("label: got %v, want %v", rows[0].Label, preferredFirst)
	}
}

func TestReadOpenAIMalformed(t *testing.T) {
	tests := []struct {
		name, line, field string
	}{
		{"missing messages", `{"input": {}, "preferred_output": [], "non_preferred_output": []}`,
			"input.messages"},
		{"two outputs", `{"input": {"messages": [{"role": "user", "content": "u"}]}, ` +
			`"preferred_output": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], ` +
			`"non_preferred_output": [{"role": "assistant", "content": "c"}]}`, "preferred_output"},
		{"null role", `{"input": {"messages": [{"role": null, "content": "u"}]}, ` +
			`"preferred_output": [], "non_preferred_output": []}`, "input.messages[0].role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.line, Options{Format: FormatOpenAI})
			m := mustMalformed(t, err)
			if got := m.Lines[0].Field; got != tt.field {
				t.Errorf("field: got %q, want %q (%v)", got, tt.field, m.Lines[0].Error())
			}
		})
	}
}

func TestReadRewardIgnoresMargin(t *testing.T) {
	rows, res := mustRead(t, `{"prompt": "p", "chosen": "a", "rejected": "b", "margin": 2.0}`, Options{})
	if res.Format != FormatReward || len(rows) != 1 {
		t.Fatalf("got format %q and %d rows, want reward and 1", res.Format, len(rows))
	}
	_, _, err := readString(t, `{"prompt": "p", "chosen": "a", "rejected": "b", "margin": "big"}`, Options{})
	m := mustMalformed(t, err)
	if got, want := m.Lines[0].Error(), `line 1: field "margin": want a number, got string`; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
}

func TestReadJudgmentsMajority(t *testing.T) {
	row := func(comparison, verdict, preferred string) string {
		p := "null"
		if preferred != "" {
			p = `"` + preferred + `"`
		}
		return `{"comparison_id": "` + comparison + `", "verdict": "` + verdict + `", ` +
			`"preferred_response_id": ` + p + `, "response_a_id": "ra-` + comparison + `", ` +
			`"response_b_id": "rb-` + comparison + `", "prompt": "q` + comparison + `", ` +
			`"response_a": "A", "response_b": "B"}`
	}
	input := strings.Join([]string{
		row("1", "preferred", "rb-1"),
		row("2", "preferred", "ra-2"),
		row("1", "preferred", "rb-1"),
		row("2", "tie", ""),
		row("1", "preferred", "ra-1"),
	}, "\n")
	rows, _ := mustRead(t, input, Options{})
	if len(rows) != 2 {
		t.Fatalf("rows: got %d, want 2", len(rows))
	}
	b := labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 1}
	if rows[0].Label == nil || *rows[0].Label != b {
		t.Errorf("comparison 1 label: got %v, want %v", rows[0].Label, b)
	}
	if rows[1].Label != nil {
		t.Errorf("comparison 2 label: got %v, want none, because one vote for a and one tie is no majority",
			rows[1].Label)
	}
}

func TestReadJudgmentsWithoutTexts(t *testing.T) {
	line := `{"judgment_id": "j", "comparison_id": "c", "verdict": "tie", "preferred_response_id": null, ` +
		`"response_a_id": "a", "response_b_id": "b", "prompt_id": "p"}`
	_, _, err := readString(t, line, Options{})
	m := mustMalformed(t, err)
	if got := m.Lines[0]; got.Field != "prompt" || !strings.Contains(got.Reason, "response_a") {
		t.Errorf("error: got %v, want one on prompt that asks for the texts", got.Error())
	}
}

func TestReadJudgmentsLookup(t *testing.T) {
	row := func(comparison, verdict, preferred string) string {
		return `{"comparison_id": "` + comparison + `", "verdict": "` + verdict + `", ` +
			`"preferred_response_id": "` + preferred + `", "prompt_id": "p-` + comparison + `", ` +
			`"response_a_id": "a-` + comparison + `", "response_b_id": "b-` + comparison + `"}`
	}
	var calls []string
	lookup := func(_ context.Context, prompt, a, b string) (labeling.Conversation,
		labeling.Candidate, labeling.Candidate, error) {
		calls = append(calls, prompt)
		if prompt == "p-gone" {
			return nil, labeling.Candidate{}, labeling.Candidate{},
				labeling.Errorf(labeling.ErrNotFound, "prompt %s not found", prompt)
		}
		return user("q " + prompt), labeling.Candidate{Content: "text " + a}, labeling.Candidate{Content: "text " + b}, nil
	}

	input := row("1", "preferred", "b-1") + "\n" + row("1", "preferred", "b-1") + "\n"
	rows, _ := mustRead(t, input, Options{Lookup: lookup})
	if len(rows) != 1 {
		t.Fatalf("rows: got %d, want 1", len(rows))
	}
	if got, want := texts(rows[0].Candidates), []string{"text a-1", "text b-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("candidates: got %q, want %q", got, want)
	}
	if want := (labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 1}); rows[0].Label == nil ||
		*rows[0].Label != want {
		t.Errorf("label: got %v, want %v", rows[0].Label, want)
	}
	if len(calls) != 1 {
		t.Errorf("lookups: got %d, want 1 per comparison", len(calls))
	}

	_, _, err := readString(t, input+row("gone", "preferred", "a-gone")+"\n", Options{Lookup: lookup})
	m := mustMalformed(t, err)
	if got := m.Lines[0]; got.Line != 3 || got.Field != "prompt_id" {
		t.Errorf("error: got %v, want one on line 3, field prompt_id", got.Error())
	}
}
