package export_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// fakePreferences is a PreferenceSource that walks a slice for one
// project and nothing for any other.
type fakePreferences struct {
	project uuid.UUID
	rows    []labeling.Preference
	err     error // returned after the rows, when set
}

func (f fakePreferences) EachPreference(ctx context.Context, projectID uuid.UUID,
	fn func(labeling.Preference) error) error {
	if projectID != f.project {
		return nil
	}
	for _, p := range f.rows {
		if err := fn(p); err != nil {
			return err
		}
	}
	return f.err
}

func msg(role, content string) labeling.Message {
	return labeling.Message{Role: role, Content: content}
}

// preference returns a preference of chosen over rejected after prompt.
func preference(prompt labeling.Conversation, chosen, rejected string) labeling.Preference {
	return labeling.Preference{
		ComparisonID: uuid.New(),
		Prompt:       prompt,
		Chosen:       labeling.Response{ID: uuid.New(), Content: chosen, Model: "m1"},
		Rejected:     labeling.Response{ID: uuid.New(), Content: rejected, Model: "m2"},
		Votes:        2,
		Total:        3,
	}
}

func TestWriteTRLRow(t *testing.T) {
	single := labeling.Conversation{msg("user", "What is 2+2?")}
	system := labeling.Conversation{msg("system", "Be brief."), msg("user", "What is 2+2?")}
	multi := labeling.Conversation{msg("user", "Hi"), msg("assistant", "Hello!"), msg("user", "What is 2+2?")}

	tests := []struct {
		name string
		pref labeling.Preference
		opts export.TRLOptions
		want string
	}{
		{
			name: "single turn standard",
			pref: preference(single, "4", "5"),
			want: `{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}` + "\n",
		},
		{
			name: "single turn conversational option",
			pref: preference(single, "4", "5"),
			opts: export.TRLOptions{Conversational: true},
			want: `{"prompt":[{"role":"user","content":"What is 2+2?"}],` +
				`"chosen":[{"role":"assistant","content":"4"}],` +
				`"rejected":[{"role":"assistant","content":"5"}]}` + "\n",
		},
		{
			name: "system prompt",
			pref: preference(system, "4", "5"),
			want: `{"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2+2?"}],` +
				`"chosen":[{"role":"assistant","content":"4"}],` +
				`"rejected":[{"role":"assistant","content":"5"}]}` + "\n",
		},
		{
			name: "multi turn",
			pref: preference(multi, "4", "5"),
			want: `{"prompt":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},` +
				`{"role":"user","content":"What is 2+2?"}],` +
				`"chosen":[{"role":"assistant","content":"4"}],` +
				`"rejected":[{"role":"assistant","content":"5"}]}` + "\n",
		},
		{
			name: "html and non-ascii unescaped",
			pref: preference(labeling.Conversation{msg("user", "<b>Größe</b> & 日本")},
				"a < b && c > d", "naïve \"quote\"\nnext line"),
			want: `{"prompt":"<b>Größe</b> & 日本","chosen":"a < b && c > d",` +
				`"rejected":"naïve \"quote\"\nnext line"}` + "\n",
		},
		{
			name: "html in conversational form",
			pref: preference(system, "<ok>", "&amp;"),
			opts: export.TRLOptions{Conversational: true},
			want: `{"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2+2?"}],` +
				`"chosen":[{"role":"assistant","content":"<ok>"}],` +
				`"rejected":[{"role":"assistant","content":"&amp;"}]}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := uuid.New()
			src := fakePreferences{project: project, rows: []labeling.Preference{tt.pref}}
			var buf bytes.Buffer
			n, err := export.WriteTRL(context.Background(), &buf, src, project, tt.opts)
			if err != nil {
				t.Fatalf("WriteTRL: %v", err)
			}
			if n != 1 {
				t.Errorf("rows: got %d, want 1", n)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("output:\ngot  %s\nwant %s", got, tt.want)
			}
			if strings.Contains(buf.String(), `\u00`) {
				t.Errorf("output %s has \\u00 escapes, want characters as they are", buf.String())
			}
		})
	}
}

// TestWriteTRLRowsInSourceOrder also checks that a multi-turn prompt
// puts every row in the conversational form.
func TestWriteTRLRowsInSourceOrder(t *testing.T) {
	project := uuid.New()
	src := fakePreferences{project: project, rows: []labeling.Preference{
		preference(labeling.Conversation{msg("user", "one")}, "1", "x"),
		preference(labeling.Conversation{msg("system", "s"), msg("user", "two")}, "2", "y"),
		preference(labeling.Conversation{msg("user", "three")}, "3", "z"),
	}}
	var buf bytes.Buffer
	n, err := export.WriteTRL(context.Background(), &buf, src, project, export.TRLOptions{})
	if err != nil {
		t.Fatalf("WriteTRL: %v", err)
	}
	if n != 3 {
		t.Errorf("rows: got %d, want 3", n)
	}
	want := `{"prompt":[{"role":"user","content":"one"}],` +
		`"chosen":[{"role":"assistant","content":"1"}],"rejected":[{"role":"assistant","content":"x"}]}` + "\n" +
		`{"prompt":[{"role":"system","content":"s"},{"role":"user","content":"two"}],` +
		`"chosen":[{"role":"assistant","content":"2"}],"rejected":[{"role":"assistant","content":"y"}]}` + "\n" +
		`{"prompt":[{"role":"user","content":"three"}],` +
		`"chosen":[{"role":"assistant","content":"3"}],"rejected":[{"role":"assistant","content":"z"}]}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("output:\ngot  %s\nwant %s", got, want)
	}
}

func TestWriteTRLNoRows(t *testing.T) {
	src := fakePreferences{project: uuid.New(), rows: []labeling.Preference{
		preference(labeling.Conversation{msg("user", "p")}, "a", "b"),
	}}
	var buf bytes.Buffer
	n, err := export.WriteTRL(context.Background(), &buf, src, uuid.New(), export.TRLOptions{})
	if err != nil {
		t.Fatalf("WriteTRL: %v", err)
	}
	if n != 0 {
		t.Errorf("rows: got %d, want 0", n)
	}
	if buf.Len() != 0 {
		t.Errorf("output: got %q, want nothing", buf.String())
	}
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteTRLErrors(t *testing.T) {
	project := uuid.New()
	rows := []labeling.Preference{preference(labeling.Conversation{msg("user", "p")}, "a", "b")}
	sourceErr := errors.New("connection reset")
	writeErr := errors.New("disk full")

	tests := []struct {
		name string
		src  fakePreferences
		w    io.Writer
		want error
	}{
		{"source fails", fakePreferences{project: project, rows: rows, err: sourceErr}, &bytes.Buffer{}, sourceErr},
		{"writer fails", fakePreferences{project: project, rows: rows}, failingWriter{writeErr}, writeErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := export.WriteTRL(context.Background(), tt.w, tt.src, project, export.TRLOptions{})
			if !errors.Is(err, tt.want) {
				t.Errorf("error: got %v, want %v", err, tt.want)
			}
		})
	}
}
