package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pairwise/pairwise/internal/train"
)

// stringList is a repeatable string flag. Each value has the escapes \n,
// \t and \\ replaced by a newline, a tab and a backslash, because a shell
// passes "\n" on as two characters and a stop string is most often a
// newline.
type stringList []string

var flagEscapes = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t")

func (s *stringList) String() string { return strings.Join(*s, ", ") }

func (s *stringList) Set(v string) error {
	*s = append(*s, flagEscapes.Replace(v))
	return nil
}

// samplingFlags are the generation flags, shared with eval.
type samplingFlags struct {
	temperature, topP float64
	topK, maxNew      int
	stop              stringList
	seed              uint64
}

// registerSampling adds the sampling flags to fs.
func registerSampling(fs *flag.FlagSet, s *samplingFlags) {
	fs.Float64Var(&s.temperature, "temperature", 1, "sampling temperature; 0 picks the most likely token")
	fs.IntVar(&s.topK, "top-k", 0, "sample from the `K` most likely tokens; 0 keeps all")
	fs.Float64Var(&s.topP, "top-p", 1, "sample from the smallest set of tokens whose probability reaches `P`")
	fs.IntVar(&s.maxNew, "max-new-tokens", 64, "maximum `tokens` to generate")
	fs.Var(&s.stop, "stop", "stop generating at this `text` (repeatable; \\n is a newline, \\t a tab, \\\\ a backslash)")
	fs.Uint64Var(&s.seed, "seed", 42, "random seed for sampling")
}

// sampling returns the validated sampling settings.
func (s *samplingFlags) sampling() (train.Sampling, error) {
	out := train.Sampling{Temperature: s.temperature, TopK: s.topK, TopP: s.topP,
		MaxNewTokens: s.maxNew, Stop: s.stop}
	return out, out.Validate()
}

// generateCommand samples completions from a model.
func generateCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "generate", "Sample completions from --model for --prompt, or for every prompt "+
		"of --prompts (JSONL/Parquet with a \"prompt\" field, a preference file, or a text file with one "+
		"prompt per line), written as JSONL in the importer's completions format.")
	model := fs.String("model", "", "model `directory` (required)")
	tokenizer := fs.String("tokenizer", "", "tokenizer `path` (default: the model directory)")
	prompt := fs.String("prompt", "", "prompt `text`")
	prompts := fs.String("prompts", "", "`file` of prompts")
	chat := fs.Bool("chat", false, "render --prompt, and the plain-text prompts of --prompts, as a user message with the chat template")
	n := fs.Int("n", 1, "samples per prompt")
	out := fs.String("out", "", "output JSONL `file` for --prompts (default: stdout)")
	name := fs.String("model-name", "", "model name recorded with each completion (default: the model directory's name)")
	var s samplingFlags
	registerSampling(fs, &s)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sampling, err := s.sampling()
	if err != nil {
		return err
	}
	// An empty --prompt is allowed: the model then samples after the
	// end-of-text token alone, unconditionally.
	hasPrompt := isSet(fs, "prompt")
	if hasPrompt == (*prompts != "") {
		return errors.New("give exactly one of --prompt and --prompts")
	}
	if *n < 1 {
		return fmt.Errorf("invalid --n %d: want at least 1", *n)
	}
	m, vocab, err := loadModel(*model, *tokenizer)
	if err != nil {
		return err
	}
	gen := train.NewGenerator(m, vocab, s.seed)

	if hasPrompt {
		text := *prompt
		if *chat {
			text = train.RenderPrompt(userTurn(text))
		}
		for i := 0; i < *n; i++ {
			completion, err := gen.Generate(text, sampling)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, completion)
		}
		return nil
	}

	list, err := train.ReadPrompts(ctx, *prompts)
	if err != nil {
		return err
	}
	if *chat {
		for i, p := range list {
			if p.IsText {
				list[i].Text = train.RenderPrompt(p.Conversation)
				list[i].IsText = false
			}
		}
	}
	if *name == "" {
		*name = filepath.Base(filepath.Clean(modelDir(*model)))
	}
	return writeCompletions(ctx, e, *out, list, gen, sampling, *n, *name)
}

// completionRow is one line of generate's output: the importer's
// completions format.
type completionRow struct {
	Prompt any `json:"prompt"` // a string or a list of messages

	Completions []completionEntry `json:"completions"`
}

type completionEntry struct {
	Content string `json:"content"`
	Model   string `json:"model"`
}

// writeCompletions samples n completions per prompt and writes one JSONL
// row per prompt to path, or to stdout when path is empty.
func writeCompletions(ctx context.Context, e *env, path string, prompts []train.Prompt,
	gen *train.Generator, s train.Sampling, n int, name string) error {
	w := bufio.NewWriter(e.stdout)
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		defer f.Close()
		w = bufio.NewWriter(f)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, p := range prompts {
		if err := ctx.Err(); err != nil {
			return err
		}
		row := completionRow{Prompt: p.Conversation}
		if p.IsText {
			row.Prompt = p.Text
		}
		for i := 0; i < n; i++ {
			text, err := gen.Generate(p.Text, s)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Source, err)
			}
			row.Completions = append(row.Completions, completionEntry{Content: text, Model: name})
		}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write completions: %w", err)
	}
	if path != "" {
		e.log.Info("completions written", "prompts", len(prompts), "samples_per_prompt", n, "file", path)
	}
	return nil
}
