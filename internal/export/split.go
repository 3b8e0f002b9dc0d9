package export

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"strconv"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Split names, as the Hugging Face Hub names the splits of a dataset.
const (
	SplitTrain      = "train"
	SplitValidation = "validation"
	SplitTest       = "test"
)

// SplitRatios is the share of prompts that goes to each split.
type SplitRatios struct {
	Train, Validation, Test float64
	// NoTest must be set for a Test share of 0, so that a forgotten test
	// share is an error and not a dataset without a test split.
	NoTest bool
}

// DefaultSplitRatios puts 90% of prompts in train and 10% in test.
var DefaultSplitRatios = SplitRatios{Train: 0.9, Test: 0.1}

// ratioSumTolerance absorbs rounding in shares such as 0.7 + 0.2 + 0.1.
const ratioSumTolerance = 1e-9

// Validate returns an ErrInvalid error, naming the values, unless every
// share is from 0 to 1, the shares sum to 1 and Test is above 0 or
// NoTest is set.
func (r SplitRatios) Validate() error {
	shares := []struct {
		name string
		v    float64
	}{{SplitTrain, r.Train}, {SplitValidation, r.Validation}, {SplitTest, r.Test}}
	for _, s := range shares {
		if !(s.v >= 0 && s.v <= 1) {
			return labeling.Errorf(labeling.ErrInvalid,
				"%s share %g is outside 0 to 1; give each split a share such as 0.1", s.name, s.v)
		}
	}

	sum := r.Train + r.Validation + r.Test
	if math.Abs(sum-1) > ratioSumTolerance {
		return labeling.Errorf(labeling.ErrInvalid,
			"split shares train %g, validation %g and test %g sum to %g; they must sum to 1",
			r.Train, r.Validation, r.Test, sum)
	}
	if r.Test == 0 && !r.NoTest {
		return labeling.Errorf(labeling.ErrInvalid, "test share is 0; give the test "+
			"split a share such as 0.1, or set no test split explicitly")
	}
	if r.Test > 0 && r.NoTest {
		return labeling.Errorf(labeling.ErrInvalid, "test share is %g but no test split "+
			"is set; use a test share of 0 or allow a test split", r.Test)
	}
	return nil
}

// ParseSplitRatios parses split shares written as name=share pairs,
// "train=0.8,validation=0.1,test=0.1", or as three bare shares in the
// order train, validation, test, "0.8,0.1,0.1". A split left out of the
// named form gets 0, and an explicit test=0 (or a bare third share of 0)
// sets NoTest. It returns an ErrInvalid error that names the bad part,
// and the error of Validate for shares that do not sum to 1.
func ParseSplitRatios(s string) (SplitRatios, error) {
	parts := strings.Split(s, ",")
	named := strings.Contains(s, "=")
	if !named && len(parts) != 3 {
		return SplitRatios{}, labeling.Errorf(labeling.ErrInvalid, "split ratios %q have %d "+
			"shares; give three, train,validation,test, such as 0.8,0.1,0.1", s, len(parts))
	}

	var r SplitRatios
	seen := map[string]bool{}
	for i, part := range parts {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !named {
			name, value, ok = []string{SplitTrain, SplitValidation, SplitTest}[i], part, true
		}
		share, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if !ok || err != nil {
			return SplitRatios{}, labeling.Errorf(labeling.ErrInvalid, "split ratio %q is not "+
				"name=share with a number, such as test=0.1", part)
		}
		if seen[name] {
			return SplitRatios{}, labeling.Errorf(labeling.ErrInvalid, "split %q appears twice in "+
				"split ratios %q", name, s)
		}
		seen[name] = true
		switch name {
		case SplitTrain:
			r.Train = share
		case SplitValidation:
			r.Validation = share
		case SplitTest:
			r.Test, r.NoTest = share, share == 0
		default:
			return SplitRatios{}, notOneOf("split", name, DatasetSplits)
		}
	}
	return r, r.Validate()
}

// String returns r in the named form that ParseSplitRatios reads.
func (r SplitRatios) String() string {
	format := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return "train=" + format(r.Train) + ",validation=" + format(r.Validation) +
		",test=" + format(r.Test)
}

// MarshalText returns r in the form of String, so that JSON holds split
// ratios as the split_ratios query parameter writes them.
func (r SplitRatios) MarshalText() ([]byte, error) {
	return []byte(r.String()), nil
}

// UnmarshalText sets r from the forms that ParseSplitRatios reads.
func (r *SplitRatios) UnmarshalText(text []byte) error {
	parsed, err := ParseSplitRatios(string(text))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// SplitOf returns the split of the prompt named by promptKey: "train",
// "validation" or "test". The first 8 bytes of SHA-256(seed + "\x00" +
// promptKey) as a fraction of 2^64 pick the split: train below
// ratios.Train, validation below ratios.Train+ratios.Validation, test
// above. The same key, seed and ratios always give the same split.
// Callers key by prompt, never by comparison, so that every comparison of
// a prompt lands in the same split. A key derived from the conversation
// text also keeps a prompt imported twice in one split. SplitOf returns
// the error of ratios.Validate for invalid ratios.
func SplitOf(promptKey, seed string, ratios SplitRatios) (string, error) {
	if err := ratios.Validate(); err != nil {
		return "", err
	}
	f := hashFraction(seed + "\x00" + promptKey)

	// A share of 0 never receives a key, even where the shares sum to
	// 1 only within the rounding tolerance.
	switch {
	case f < ratios.Train || ratios.Validation == 0 && ratios.Test == 0:
		return SplitTrain, nil
	case f < ratios.Train+ratios.Validation || ratios.Test == 0:
		return SplitValidation, nil
	}
	return SplitTest, nil
}

// hashFraction maps s to a number in [0, 1) through the top 53 bits of
// the first 8 bytes of its SHA-256 hash, all that a float64 holds exactly.
func hashFraction(s string) float64 {
	sum := sha256.Sum256([]byte(s))
	u := binary.BigEndian.Uint64(sum[:8])
	return float64(u>>11) / (1 << 53)
}
