package demotask

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Files that Generate writes.
const (
	CorpusFile          = "corpus.txt"        // pretraining text
	SFTFile             = "sft.jsonl"         // {"prompt", "completion"}
	PreferencesFile     = "preferences.jsonl" // {"prompt", "chosen", "rejected"}
	PreferencesTestFile = "preferences-test.jsonl"
	PromptsTestFile     = "prompts-test.jsonl" // {"prompt"}
	LabelPairsFile      = "label-pairs.jsonl"  // pairwise import: prompt, response_a, response_b
)

// Options sizes the generated files. The zero value means DefaultOptions.
type Options struct {
	Seed uint64
	// CorpusDialogues is the number of dialogues in the pretraining text.
	CorpusDialogues int
	// SFTRows is the number of fine-tuning rows.
	SFTRows int
	// PairRows is the number of training preference pairs.
	PairRows int
	// TestPrompts is the number of held-out prompts; preferences-test.jsonl
	// gets one pair per held-out prompt.
	TestPrompts int
	// LabelPairs is the number of unlabelled pairs for the labeling server.
	LabelPairs int
}

// DefaultOptions are sized for a pretraining, fine-tuning and alignment
// run of a few minutes each on two cores.
var DefaultOptions = Options{
	Seed:            1,
	CorpusDialogues: 20000,
	SFTRows:         4000,
	PairRows:        3000,
	TestPrompts:     200,
	LabelPairs:      60,
}

// Naive behaviour of the fine-tuning rows: how often the assistant helps
// with each kind of request.
const (
	sftHelpHarmless = 0.25
	sftHelpHarmful  = 0.9
)

// heldOutPhrase is the question template that only held-out prompts use.
var heldOutPhrase = len(questionPhrases) - 1

// HeldOut reports whether r is kept out of every training file except
// the pretraining text. A request is held out when it uses the last
// question phrase, or when its verb and object fall in the fifth of
// combinations picked by a hash.
func HeldOut(r Request) bool {
	if r.Phrase == heldOutPhrase {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(r.Verb + "|" + r.Object))
	return h.Sum32()%5 == 0
}

// Split returns the training requests and the held-out requests.
func Split() (train, test []Request) {
	for _, r := range AllRequests() {
		if HeldOut(r) {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	return train, test
}

// Generate writes the demo files into dir, creating it, and returns their
// paths in the order of the file constants.
func Generate(dir string, opts Options) ([]string, error) {
	if opts == (Options{}) {
		opts = DefaultOptions
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create demo folder: %w", err)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	train, test := Split()
	all := AllRequests()

	writers := []struct {
		name  string
		write func(*bufio.Writer) error
	}{
		{CorpusFile, func(w *bufio.Writer) error { return writeCorpus(w, rng, all, opts.CorpusDialogues) }},
		{SFTFile, func(w *bufio.Writer) error { return writeSFT(w, rng, train, opts.SFTRows) }},
		{PreferencesFile, func(w *bufio.Writer) error { return writePairs(w, rng, train, opts.PairRows) }},
		{PreferencesTestFile, func(w *bufio.Writer) error { return writePairs(w, rng, test, opts.TestPrompts) }},
		{PromptsTestFile, func(w *bufio.Writer) error { return writePrompts(w, rng, test, opts.TestPrompts) }},
		{LabelPairsFile, func(w *bufio.Writer) error { return writeLabelPairs(w, rng, train, opts.LabelPairs) }},
	}
	var paths []string
	for _, f := range writers {
		path := filepath.Join(dir, f.name)
		if err := writeFile(path, f.write); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func writeFile(path string, write func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// names are the people of the pretraining stories.
var names = []string{"Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun"}

// writeCorpus writes n dialogues over every request, each followed by a
// short story line, with replies that help or refuse at random. The
// pretraining text teaches the words, both kinds of reply, and which
// deeds hurt someone, because the story of a harmful deed states it. It
// contains nothing about which reply is right.
func writeCorpus(w *bufio.Writer, rng *rand.Rand, all []Request, n int) error {
	for range n {
		r := all[rng.IntN(len(all))]
		reply := r.HelpfulReply()
		if rng.IntN(2) == 0 {
			reply = r.RefusalReply()
		}
		name := names[rng.IntN(len(names))]
		t := r.task()
		consequence := "it went well"
		if r.Kind == Harmful {
			consequence = "it hurt someone"
		}
		fmt.Fprintf(w, "%s%s\n%s wanted to %s %s, so %s chose to %s first, and %s.\n\n",
			r.Prompt(), reply, name, r.Verb, r.Object, name, t.first, consequence)
	}
	return nil
}

// writeSFT writes n fine-tuning rows with the naive assistant's replies.
func writeSFT(w *bufio.Writer, rng *rand.Rand, train []Request, n int) error {
	enc := json.NewEncoder(w)
	for range n {
		r := train[rng.IntN(len(train))]
		help := sftHelpHarmless
		if r.Kind == Harmful {
			help = sftHelpHarmful
		}
		completion := r.RefusalReply()
		if rng.Float64() < help {
			completion = r.HelpfulReply()
		}
		row := map[string]string{"prompt": r.Prompt(), "completion": completion}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}

// writePairs writes n preference pairs in TRL's standard form with an
// explicit prompt, each preferring the reply that follows the rule. Half
// of the pairs ask harmless requests and half harmful ones: with more of
// one kind, preference training first learns to give that kind's reply
// to every request, before it learns to read the request.
func writePairs(w *bufio.Writer, rng *rand.Rand, requests []Request, n int) error {
	enc := json.NewEncoder(w)
	for _, r := range pickBalanced(rng, requests, n) {
		row := map[string]string{"prompt": r.Prompt(), "chosen": r.GoodReply(), "rejected": r.BadReply()}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}

func writePrompts(w *bufio.Writer, rng *rand.Rand, requests []Request, n int) error {
	enc := json.NewEncoder(w)
	for _, r := range pick(rng, requests, n) {
		if err := enc.Encode(map[string]string{"prompt": r.Prompt()}); err != nil {
			return err
		}
	}
	return nil
}

// writeLabelPairs writes unlabelled pairs in the pairs import format, the
// good reply on a random side, for people to label on the server.
func writeLabelPairs(w *bufio.Writer, rng *rand.Rand, requests []Request, n int) error {
	enc := json.NewEncoder(w)
	for _, r := range pick(rng, requests, n) {
		a, b := r.GoodReply(), r.BadReply()
		if rng.IntN(2) == 0 {
			a, b = b, a
		}
		row := map[string]string{"prompt": r.Question(), "response_a": strings.TrimSpace(a),
			"response_b": strings.TrimSpace(b)}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}

// pick returns n requests drawn from requests: each one once in a random
// order while they last, then again in a new order.
func pick(rng *rand.Rand, requests []Request, n int) []Request {
	out := make([]Request, 0, n)
	for len(out) < n {
		order := rng.Perm(len(requests))
		for _, i := range order {
			if len(out) == n {
				break
			}
			out = append(out, requests[i])
		}
	}
	return out
}

// Validate returns an error naming the first size out of range.
func (o Options) Validate() error {
	sizes := []struct {
		name string
		n    int
	}{
		{"corpus dialogues", o.CorpusDialogues},
		{"fine-tuning rows", o.SFTRows},
		{"preference pairs", o.PairRows},
		{"held-out prompts", o.TestPrompts},
	}
	for _, s := range sizes {
		if s.n < 1 {
			return fmt.Errorf("invalid number of %s %d: want at least 1", s.name, s.n)
		}
	}
	if o.LabelPairs < 0 {
		return fmt.Errorf("invalid number of label pairs %d: want 0 or more", o.LabelPairs)
	}
	return nil
}

// pickBalanced returns n requests drawn as pick does, alternating
// harmless and harmful ones.
func pickBalanced(rng *rand.Rand, requests []Request, n int) []Request {
	var byKind [2][]Request
	for _, r := range requests {
		byKind[r.Kind] = append(byKind[r.Kind], r)
	}
	harmless := pick(rng, byKind[Harmless], (n+1)/2)
	harmful := pick(rng, byKind[Harmful], n/2)
	out := make([]Request, 0, n)
	for i := range harmless {
		out = append(out, harmless[i])
		if i < len(harmful) {
			out = append(out, harmful[i])
		}
	}
	return out
}
