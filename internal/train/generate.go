package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// Sampling holds the settings of text generation.
type Sampling struct {
	// Temperature divides the logits; 0 picks the most likely token
	// (greedy decoding).
	Temperature float64
	// TopK keeps the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose
	// probabilities sum to at least TopP (nucleus sampling); 1 keeps all.
	TopP float64
	// MaxNewTokens is the maximum number of tokens generated.
	MaxNewTokens int
	// Stop ends generation at the first occurrence of any of these
	// strings, which is not part of the output.
	Stop []string
}

// Validate returns an error naming the first setting out of range and
// the flag that sets it.
func (s Sampling) Validate() error {
	switch {
	case !(s.Temperature >= 0) || math.IsInf(s.Temperature, 0):
		return fmt.Errorf("invalid temperature %v (--temperature): want 0 (greedy) or more", s.Temperature)
	case s.TopK < 0:
		return fmt.Errorf("invalid top-k %d (--top-k): want 0 (off) or more", s.TopK)
	case !(s.TopP > 0 && s.TopP <= 1):
		return fmt.Errorf("invalid top-p %v (--top-p): want a number in (0, 1], where 1 keeps every token; "+
			"for greedy decoding use --temperature 0", s.TopP)
	case s.MaxNewTokens < 1:
		return fmt.Errorf("invalid max new tokens %d (--max-new-tokens): want at least 1", s.MaxNewTokens)
	}
	for _, stop := range s.Stop {
		if stop == "" {
			return fmt.Errorf("invalid empty stop string (--stop): want at least one character")
		}
	}
	return nil
}

// Generator samples completions from a model with a key/value cache.
type Generator struct {
	Model *gpt2.Model
	Vocab Vocab
	rng   *rand.Rand
}

// NewGenerator returns a generator whose samples are repeatable for a
// seed.
func NewGenerator(m *gpt2.Model, v Vocab, seed uint64) *Generator {
	return &Generator{Model: m, Vocab: v, rng: rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc908))}
}

// Generate returns the completion of prompt. Generation stops at the
// end-of-text token, a stop string, MaxNewTokens, or the end of the
// model's context (n_positions); see fitPrompt for long prompts.
func (g *Generator) Generate(prompt string, s Sampling) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	ctxLen := g.Model.Config().NPositions
	ids := g.Vocab.Tok.Encode(prompt)
	if len(ids) == 0 {
		ids = []int32{g.Vocab.EOS}
	}
	ids, room := fitPrompt(ids, ctxLen, s.MaxNewTokens)
	if err := g.Model.CheckIDs(ids, len(ids)); err != nil {
		return "", fmt.Errorf("prompt: %w", err)
	}

	cache := g.Model.NewCache(len(ids) + room)
	logits := g.Model.Step(cache, ids)
	var out []int32
	for len(out) < room {
		next := g.sample(logits, s)
		if next == g.Vocab.EOS {
			break
		}
		out = append(out, next)
		if text, ok := cutAtStop(g.Vocab.Tok.Decode(out), s.Stop); ok {
			return text, nil
		}
		if len(out) < room {
			logits = g.Model.Step(cache, []int32{next})
		}
	}
	return g.Vocab.Tok.Decode(out), nil
}

// fitPrompt returns the prompt tokens to feed and how many tokens may
// follow them. A prompt that fits keeps every token, and generation stops
// at the end of the context. A prompt that fills the context loses its
// start, as in training, so that up to a quarter of the context is left
// for new tokens.
func fitPrompt(ids []int32, ctxLen, maxNew int) ([]int32, int) {
	if room := min(maxNew, ctxLen-len(ids)); room >= 1 {
		return ids, room
	}
	room := min(maxNew, max(1, ctxLen/4))
	return ids[len(ids)-(ctxLen-room):], room
}

// cutAtStop returns text up to the first stop string and whether one was
// found.
func cutAtStop(text string, stops []string) (string, bool) {
	cut := -1
	for _, s := range stops {
		if i := strings.Index(text, s); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut < 0 {
		return text, false
	}
	return text[:cut], true
}

// sample draws the next token from logits [V].
func (g *Generator) sample(logits []float32, s Sampling) int32 {
	if s.Temperature == 0 {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return int32(best)
	}

	if s.TopK == 0 && s.TopP >= 1 {
		return g.sampleAll(logits, s.Temperature)
	}

	type cand struct {
		id int32
		p  float64
	}
	cands := make([]cand, len(logits))
	maxLogit := slices.Max(logits)
	for i, v := range logits {
		cands[i] = cand{int32(i), float64(v-maxLogit) / s.Temperature}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		switch {
		case a.p > b.p:
			return -1
		case a.p < b.p:
			return 1
		}
		return int(a.id - b.id)
	})
	if s.TopK > 0 && s.TopK < len(cands) {
		cands = cands[:s.TopK]
	}

	var total float64
	for i := range cands {
		cands[i].p = math.Exp(cands[i].p)
		total += cands[i].p
	}
	keep, cum := len(cands), 0.0
	for i := range cands {
		cands[i].p /= total
		cum += cands[i].p
		if cum >= s.TopP {
			keep = i + 1
			break
		}
	}
	if keep == len(cands) {
		cum = 1
	}
	cands = cands[:keep]

	// The kept probabilities sum to cum, so u is drawn from that mass.
	u := g.rng.Float64() * cum
	for _, c := range cands {
		u -= c.p
		if u < 0 {
			return c.id
		}
	}
	return cands[len(cands)-1].id
}

// sampleAll draws from the softmax of logits/temperature over the whole
// vocabulary, without the sort that top-k and top-p need.
func (g *Generator) sampleAll(logits []float32, temperature float64) int32 {
	maxLogit := slices.Max(logits)
	weights := make([]float64, len(logits))
	var total float64
	for i, v := range logits {
		weights[i] = math.Exp(float64(v-maxLogit) / temperature)
		total += weights[i]
	}
	u := g.rng.Float64() * total
	for i, w := range weights {
		u -= w
		if u < 0 {
			return int32(i)
		}
	}
	return int32(len(logits) - 1)
}
