package train

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// ReferenceFile is the cache of the reference model's log-probabilities
// in a DPO run's output directory.
const ReferenceFile = "reference_logps.json"

// refCache is the content of ReferenceFile. Log-probabilities are stored
// as float64 JSON numbers, which round-trip exactly, so a resumed run
// uses the same values as an uninterrupted one.
type refCache struct {
	Data          string    `json:"data_fingerprint"`
	Reference     string    `json:"reference_fingerprint"`
	TrainChosen   []float64 `json:"train_chosen"`
	TrainRejected []float64 `json:"train_rejected"`
	EvalChosen    []float64 `json:"eval_chosen"`
	EvalRejected  []float64 `json:"eval_rejected"`
}

// referenceLogps returns the reference model's log-probabilities of the
// training and held-out pairs. A resumed run reads them from the cache
// file when the file was written for the same data and reference weights.
// Otherwise they are computed and the cache is written.
func referenceLogps(ctx context.Context, cfg Config, ref *gpt2.Model, train, eval []pair, pad int32) (refLogps, refLogps, error) {
	path := filepath.Join(cfg.OutDir, ReferenceFile)
	want := refCache{
		Data:      pairFingerprint(train) + "-" + pairFingerprint(eval),
		Reference: modelFingerprint(ref),
	}
	if cfg.Resume {
		if c, err := readRefCache(path); err == nil && c.Data == want.Data && c.Reference == want.Reference &&
			len(c.TrainChosen) == len(train) && len(c.EvalChosen) == len(eval) {
			cfg.Log.Info("reference log-probabilities read from cache", "file", path)
			return refLogps{c.TrainChosen, c.TrainRejected}, refLogps{c.EvalChosen, c.EvalRejected}, nil
		}
	}

	cfg.Log.Info("computing reference log-probabilities", "pairs", len(train)+len(eval))
	var err error
	c := want
	if c.TrainChosen, c.TrainRejected, err = pairLogProbs(ctx, ref, train, pad, cfg.BatchSize); err != nil {
		return refLogps{}, refLogps{}, err
	}
	if c.EvalChosen, c.EvalRejected, err = pairLogProbs(ctx, ref, eval, pad, cfg.BatchSize); err != nil {
		return refLogps{}, refLogps{}, err
	}
	for _, logps := range [][]float64{c.TrainChosen, c.TrainRejected, c.EvalChosen, c.EvalRejected} {
		for _, v := range logps {
			if !isFinite(v) {
				return refLogps{}, refLogps{}, fmt.Errorf("the reference model gives a log-probability of %v; "+
					"its weights are broken (NaN or infinite), so train the reference again or name another with --ref", v)
			}
		}
	}
	if err := writeRefCache(path, c); err != nil {
		return refLogps{}, refLogps{}, err
	}
	return refLogps{c.TrainChosen, c.TrainRejected}, refLogps{c.EvalChosen, c.EvalRejected}, nil
}

func readRefCache(path string) (refCache, error) {
	var c refCache
	data, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(data, &c)
}

func writeRefCache(path string, c refCache) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode reference cache: %w", err)
	}
	if err := gpt2.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("write reference cache: %w", err)
	}
	return nil
}

// modelFingerprint returns a hex FNV-1a hash of a model's tensor names
// and weights.
func modelFingerprint(m *gpt2.Model) string {
	h := fnv.New64a()
	var buf [4]byte
	for _, p := range m.Params() {
		h.Write([]byte(p.Name))
		for _, v := range p.Data {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			h.Write(buf[:])
		}
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
