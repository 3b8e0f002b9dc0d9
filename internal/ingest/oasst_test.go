package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// oasstTree is a hand-written tree in the layout of the trees file:
//
//	P0 "Name a tea."
//	├─ A1 rank 1 "Black tea."
//	│  └─ P3 "Why?"
//	│     ├─ A5 rank 0 "It is strong."
//	│     └─ A6 rank 1 "No reason."
//	├─ A0 rank 0 "Green tea."
//	├─ A2 rank 2 "Coffee."
//	├─ A3 no rank "Water."
//	├─ A4 deleted, rank 3 "Gone." with one reply below it
//	└─ A7 lang de, rank 4 "Grüner Tee."
const oasstTree = `{"message_tree_id": "P0", "tree_state": "ready_for_export", "prompt": ` +
	`{"message_id": "P0", "role": "prompter", "text": "Name a tea.", "lang": "en", "replies": [` +
	`{"message_id": "A1", "role": "assistant", "text": "Black tea.", "rank": 1, "model_name": "m1", "replies": [` +
	`{"message_id": "P3", "role": "prompter", "text": "Why?", "replies": [` +
	`{"message_id": "A5", "role": "assistant", "text": "It is strong.", "rank": 0, "replies": []},` +
	`{"message_id": "A6", "role": "assistant", "text": "No reason.", "rank": 1, "replies": []}]}]},` +
	`{"message_id": "A0", "role": "assistant", "text": "Green tea.", "rank": 0, "replies": []},` +
	`{"message_id": "A2", "role": "assistant", "text": "Coffee.", "rank": 2, "replies": []},` +
	`{"message_id": "A3", "role": "assistant", "text": "Water.", "rank": null, "replies": []},` +
	`{"message_id": "A4", "role": "assistant", "text": "Gone.", "rank": 3, "deleted": true, "replies": [` +
	`{"message_id": "P4", "role": "prompter", "text": "Hello?", "replies": []}]},` +
	`{"message_id": "A7", "role": "assistant", "text": "Grüner Tee.", "rank": 4, "lang": "de", "replies": []}]}}`

// better returns the row of a pair whose first candidate is preferred.
func better(prompt labeling.Conversation, first, second labeling.Candidate) labeling.Row {
	return labeling.Row{
		Line:       1,
		Prompt:     prompt,
		Candidates: []labeling.Candidate{first, second},
		Label:      preferredFirst,
	}
}

func TestOASSTHandWrittenTree(t *testing.T) {
	rows, res := mustRead(t, oasstTree, Options{})
	if res.Format != FormatOASST {
		t.Errorf("format: got %v, want %v", res.Format, FormatOASST)
	}

	// All pairs of the ranks 0, 1 and 2 under P0, then the pair under P3,
	// whose prompt is the whole path from the root. The skips come in the
	// same order.
	first := user("Name a tea.")
	followUp := labeling.Conversation{
		msg("user", "Name a tea."), msg("assistant", "Black tea."), msg("user", "Why?"),
	}
	green, black, coffee := labeling.Candidate{Content: "Green tea."},
		labeling.Candidate{Content: "Black tea.", Model: "m1"}, labeling.Candidate{Content: "Coffee."}
	want := []labeling.Row{
		better(first, green, black),
		better(first, green, coffee),
		better(first, black, coffee),
		better(followUp, labeling.Candidate{Content: "It is strong."}, labeling.Candidate{Content: "No reason."}),
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\ngot  %+v\nwant %+v", rows, want)
	}

	wantSkips := []Skip{
		{Line: 1, Reason: SkipUnranked, Detail: "assistant reply A3 has no rank"},
		{Line: 1, Reason: SkipDeleted, Detail: "assistant message A4 is deleted; the message below it is left out too"},
		{Line: 1, Reason: SkipNotEnglish, Detail: `assistant message A7 has lang "de", not English`},
	}
	if !reflect.DeepEqual(res.Skipped, wantSkips) {
		t.Errorf("skips:\ngot  %+v\nwant %+v", res.Skipped, wantSkips)
	}
}

func TestOASSTMessageLayout(t *testing.T) {
	// The same tree with the root message as the record, as in an
	// export's nested message file, gives the same rows.
	var wrapper struct {
		Prompt json.RawMessage `json:"prompt"`
	}
	if err := json.Unmarshal([]byte(oasstTree), &wrapper); err != nil {
		t.Fatal(err)
	}
	want, _ := mustRead(t, oasstTree, Options{})
	rows, res := mustRead(t, string(wrapper.Prompt), Options{})
	if res.Format != FormatOASST {
		t.Errorf("format: got %v, want %v", res.Format, FormatOASST)
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\ngot  %+v\nwant %+v", rows, want)
	}
}

// oasstReplies returns a one-line tree whose root prompt "p" has the
// given replies, each a JSON object.
func oasstReplies(replies ...string) string {
	return `{"message_tree_id": "t", "prompt": {"message_id": "p", "role": "prompter", ` +
		`"text": "p", "replies": [` + strings.Join(replies, ", ") + `]}}`
}

// oasstReply returns an assistant reply with a rank, or none when rank is
// negative.
func oasstReply(id, text string, rank int) string {
	r := "null"
	if rank >= 0 {
		r = fmt.Sprint(rank)
	}
	return fmt.Sprintf(`{"message_id": %q, "role": "assistant", "text": %q, "rank": %s}`, id, text, r)
}

func TestOASSTSkips(t *testing.T) {
	tests := []struct {
		name  string
		tree  string
		rows  int
		skips []Skip
	}{
		{
			name: "single unranked reply",
			tree: oasstReplies(oasstReply("a", "x", -1)),
			skips: []Skip{{Line: 1, Reason: SkipUnranked,
				Detail: "assistant reply a has no rank"}},
		},
		{
			name: "lone ranked reply",
			tree: oasstReplies(oasstReply("a", "x", 0), oasstReply("b", "y", -1)),
			skips: []Skip{
				{Line: 1, Reason: SkipUnranked, Detail: "assistant reply b has no rank"},
				{Line: 1, Reason: SkipLoneRanked, Detail: "assistant reply a has rank 0, " +
					"but no other usable reply to the same message has a rank"},
			},
		},
		{
			name: "equal ranks",
			tree: oasstReplies(oasstReply("a", "x", 0), oasstReply("b", "y", 0), oasstReply("c", "z", 1)),
			rows: 2,
			skips: []Skip{{Line: 1, Reason: SkipEqualRank,
				Detail: "assistant replies a and b share rank 0, so neither is preferred"}},
		},
		{
			name: "identical texts",
			tree: oasstReplies(oasstReply("a", "same", 0), oasstReply("b", "same", 1)),
			skips: []Skip{{Line: 1, Reason: SkipIdentical,
				Detail: "assistant replies a and b are identical"}},
		},
		{
			name: "failed review",
			tree: oasstReplies(oasstReply("a", "x", 0), oasstReply("b", "y", 1),
				`{"message_id": "c", "role": "assistant", "text": "z", "rank": 2, "review_result": false}`),
			rows: 1,
			skips: []Skip{{Line: 1, Reason: SkipFailedReview,
				Detail: "assistant message c failed review (review_result is false)"}},
		},
		{
			name: "English region tag",
			tree: oasstReplies(oasstReply("a", "x", 0),
				`{"message_id": "b", "role": "assistant", "text": "y", "rank": 1, "lang": "en-GB"}`),
			rows: 1,
		},
		{
			name: "deleted root",
			tree: `{"message_tree_id": "t", "prompt": {"message_id": "p", "role": "prompter", "text": "p", ` +
				`"deleted": true, "replies": [` + oasstReply("a", "x", 0) + `, ` + oasstReply("b", "y", 1) + `]}}`,
			skips: []Skip{{Line: 1, Reason: SkipDeleted,
				Detail: "prompter message p is deleted; the 2 messages below it are left out too"}},
		},
		{
			name: "no replies",
			tree: `{"message_tree_id": "t", "prompt": {"role": "prompter", "text": "p"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, tt.tree, Options{Format: FormatOASST})
			if len(rows) != tt.rows {
				t.Errorf("rows: got %v, want %v", len(rows), tt.rows)
			}
			if !slices.Equal(res.Skipped, tt.skips) {
				t.Errorf("skips:\ngot  %+v\nwant %+v", res.Skipped, tt.skips)
			}
		})
	}
}

func TestOASSTRanksOrderPairs(t *testing.T) {
	// Replies listed out of rank order still put the lower rank first.
	tree := oasstReplies(oasstReply("c", "third", 2), oasstReply("a", "first", 0), oasstReply("b", "second", 1))
	rows, _ := mustRead(t, tree, Options{})
	var got [][]string
	for _, row := range rows {
		got = append(got, texts(row.Candidates))
	}
	want := [][]string{{"first", "second"}, {"first", "third"}, {"second", "third"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pairs: got %q, want %q", got, want)
	}
}

func TestOASSTMalformed(t *testing.T) {
	tests := []struct {
		name   string
		record string
		field  string
		reason string // a part of the reason
	}{
		{"root is assistant", `{"message_tree_id": "t", "prompt": {"role": "assistant", "text": "x"}}`,
			"prompt.role", `the root message has role "assistant"`},
		{"prompt missing", `{"message_tree_id": "t"}`, "prompt", "missing"},
		{"prompt not an object", `{"message_tree_id": "t", "prompt": "hi"}`, "prompt", "want an object, got string"},
		{"text missing", oasstReplies(`{"role": "assistant", "rank": 0}`),
			"prompt.replies[0].text", "missing"},
		{"unknown role", oasstReplies(`{"role": "bot", "text": "x"}`),
			"prompt.replies[0].role", `role "bot" is not prompter or assistant`},
		{"roles do not alternate", oasstReplies(`{"role": "prompter", "text": "x"}`),
			"prompt.replies[0].role", "a prompter message replies to a prompter message"},
		{"negative rank", oasstReplies(`{"role": "assistant", "text": "x", "rank": -1}`),
			"prompt.replies[0].rank", "want a whole number, 0 or more, or null; got -1"},
		{"fractional rank", oasstReplies(`{"role": "assistant", "text": "x", "rank": 0.5}`),
			"prompt.replies[0].rank", "got 0.5"},
		{"string rank", oasstReplies(`{"role": "assistant", "text": "x", "rank": "0"}`),
			"prompt.replies[0].rank", `got "0"`},
		{"deleted not a boolean", oasstReplies(`{"role": "assistant", "text": "x", "deleted": 0}`),
			"prompt.replies[0].deleted", "want a boolean, got number"},
		{"replies not a list", `{"message_tree_id": "t", "prompt": {"role": "prompter", "text": "p", "replies": {}}}`,
			"prompt.replies", "want an array, got object"},
		{"NUL in text", oasstReplies(`{"role": "assistant", "text": "x\u0000"}`),
			"prompt.replies[0].text", "NUL"},
		{"flat message", `{"message_id": "m", "parent_id": null, "role": "prompter", "text": "hi"}`,
			"replies", "import the trees file of the export"},
		{"other record", `{"prompt": "p", "response_a": "a", "response_b": "b"}`,
			"", "want an OpenAssistant message tree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.record, Options{Format: FormatOASST})
			malformed := mustMalformed(t, err)
			got := malformed.Lines[0]
			if got.Field != tt.field {
				t.Errorf("field: got %q, want %q", got.Field, tt.field)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason: got %q, want it to contain %q", got.Reason, tt.reason)
			}
		})
	}
}

// oasstPairKey identifies a pair: the whole prompt and the better and the
// worse reply.
type oasstPairKey struct {
	prompt, better, worse string
}

// rowKey returns the key of a row emitted by Read.
func rowKey(row labeling.Row) oasstPairKey {
	var b strings.Builder
	for _, m := range row.Prompt {
		fmt.Fprintf(&b, "%s: %s\n", m.Role, m.Content)
	}
	return oasstPairKey{b.String(), row.Candidates[0].Content, row.Candidates[1].Content}
}

// genericMessage is an OpenAssistant message decoded without the package
// under test.
type genericMessage struct {
	Role    string           `json:"role"`
	Text    string           `json:"text"`
	Rank    *int             `json:"rank"`
	Replies []genericMessage `json:"replies"`
}

// expectedOASSTPairs walks each tree of an OpenAssistant file with plain
// encoding/json and returns the key of every pair of ranked sibling
// assistant replies, the lower rank first, and the number of unranked
// assistant replies. The real files have no deleted, unreviewed or
// non-English messages, no equal ranks and no repeated texts, so those
// rules do not arise.
func expectedOASSTPairs(t *testing.T, path string, root func([]byte) (genericMessage, error)) (map[oasstPairKey]int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	pairs := map[oasstPairKey]int{}
	unranked := 0
	var walk func(history string, m genericMessage)
	walk = func(history string, m genericMessage) {
		role := map[string]string{"prompter": "user", "assistant": "assistant"}[m.Role]
		history += fmt.Sprintf("%s: %s\n", role, m.Text)
		var ranked []genericMessage
		for _, r := range m.Replies {
			if m.Role == "prompter" && r.Rank != nil {
				ranked = append(ranked, r)
			}
			if m.Role == "prompter" && r.Rank == nil {
				unranked++
			}
			walk(history, r)
		}
		for _, a := range ranked {
			for _, b := range ranked {
				if *a.Rank < *b.Rank {
					pairs[oasstPairKey{history, a.Text, b.Text}]++
				}
			}
		}
	}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 4<<20)
	for scanner.Scan() {
		m, err := root(scanner.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		walk("", m)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return pairs, unranked
}

func TestOASSTEn100Trees(t *testing.T) {
	tests := []struct {
		file string
		root func([]byte) (genericMessage, error)
	}{
		{"en_100_tree.jsonl", func(line []byte) (genericMessage, error) {
			var tree struct {
				Prompt genericMessage `json:"prompt"`
			}
			err := json.Unmarshal(line, &tree)
			return tree.Prompt, err
		}},
		{"en_100_message.jsonl", func(line []byte) (genericMessage, error) {
			var m genericMessage
			err := json.Unmarshal(line, &m)
			return m, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := sharedDataFile(t, "oasst-en100-trees/"+tt.file)
			rows, res, err := readFile(t, path, Options{})
			if err != nil {
				t.Fatalf("Read: got error %v, want none", err)
			}
			checkEn100(t, path, tt.root, rows, res)
		})
	}
}

// checkEn100 checks the rows and skips read from one file of the
// oasst-en100-trees data set against counts measured on it and against
// the pairs that expectedOASSTPairs computes.
func checkEn100(t *testing.T, path string, root func([]byte) (genericMessage, error),
	rows []labeling.Row, res Result) {
	t.Helper()
	if res.Format != FormatOASST {
		t.Errorf("format: got %v, want %v", res.Format, FormatOASST)
	}
	if res.Read != 100 {
		t.Errorf("records read: got %v, want %v", res.Read, 100)
	}

	// 211 fully ranked sets of sizes 2 (57), 3 (116), 4 (27), 5 (3),
	// 6 (6), 8 (1) and 9 (1) give 751 pairs, and the set ranked
	// [0, 1, 2, null] gives 3 more.
	if len(rows) != 754 {
		t.Errorf("rows: got %v, want %v", len(rows), 754)
	}
	byReason := map[SkipReason]int{}
	for _, s := range res.Skipped {
		byReason[s.Reason]++
	}
	if want := map[SkipReason]int{SkipUnranked: 46}; !reflect.DeepEqual(byReason, want) {
		t.Errorf("skips by reason: got %v, want %v", byReason, want)
	}
	wantSkip := Skip{Line: 59, Reason: SkipUnranked,
		Detail: "assistant reply 07c66bb5-58ec-4df7-9613-7afc351c4c84 has no rank"}
	if !slices.Contains(res.Skipped, wantSkip) {
		t.Errorf("skips: got none %+v, want it listed", wantSkip)
	}

	multiTurn := 0
	got := map[oasstPairKey]int{}
	for _, row := range rows {
		if len(row.Prompt) > 1 {
			multiTurn++
		}
		if err := row.Prompt.ValidatePrompt(); err != nil {
			t.Errorf("line %d: prompt: %v", row.Line, err)
		}
		got[rowKey(row)]++
	}
	if multiTurn != 316 {
		t.Errorf("rows with a multi-turn prompt: got %v, want %v", multiTurn, 316)
	}
	want, unranked := expectedOASSTPairs(t, path, root)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pairs differ from those computed with encoding/json: got %d distinct, want %d",
			len(got), len(want))
	}
	if unranked != 46 {
		t.Errorf("unranked replies computed with encoding/json: got %v, want %v", unranked, 46)
	}
}

func TestOASSTDocExample(t *testing.T) {
	rows, res := mustRead(t, docExample(t, "oasst", "json"), Options{})
	if res.Format != FormatOASST {
		t.Errorf("format: got %v, want %v", res.Format, FormatOASST)
	}
	var got [][]string
	for _, row := range rows {
		got = append(got, texts(row.Candidates))
	}
	want := [][]string{{"Green tea.", "Black tea."}, {"Green tea.", "Coffee."}, {"Black tea.", "Coffee."}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pairs: got %q, want %q", got, want)
	}
}
