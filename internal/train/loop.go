package train

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// Config holds the settings every training run shares.
type Config struct {
	OutDir      string
	LR          float64 // peak learning rate
	Warmup      int     // warmup steps
	WeightDecay float64
	MaxGradNorm float64 // global gradient norm limit; 0 disables clipping
	BatchSize   int     // sequences (or pairs) per micro-batch
	Accum       int     // micro-batches per optimizer step
	Epochs      int     // passes over the training data, unless MaxSteps is set
	MaxSteps    int     // optimizer steps; overrides Epochs when positive
	Seed        uint64  // data order and initialisation
	LogEvery    int     // steps between metric lines
	EvalEvery   int     // steps between held-out evaluations; 0 evaluates at the end only
	SaveEvery   int     // steps between checkpoints; 0 saves at the end only
	Resume      bool    // continue from the latest checkpoint in OutDir
	Terminal    io.Writer
	Log         *slog.Logger
}

// maxBatch bounds --batch-size and --accum, so that their product, the
// examples per step, cannot overflow an int.
const maxBatch = 1 << 30

// Validate returns an error naming the first setting that cannot be used,
// with the command-line flag that sets it.
func (c Config) Validate() error {
	checks := []struct {
		bad  bool
		name string
		flag string
		val  any
		want string
	}{
		{c.OutDir == "", "output directory", "--out", `""`, "a directory path"},
		{!(c.LR > 0) || !isFinite(c.LR), "learning rate", "--lr", c.LR, "a positive number"},
		{c.Warmup < 0, "warmup steps", "--warmup", c.Warmup, "zero or more"},
		{!(c.WeightDecay >= 0) || !isFinite(c.WeightDecay), "weight decay", "--weight-decay", c.WeightDecay, "zero or more"},
		{!(c.MaxGradNorm >= 0) || !isFinite(c.MaxGradNorm), "gradient clipping norm", "--max-grad-norm", c.MaxGradNorm, "zero (off) or more"},
		{c.BatchSize < 1 || c.BatchSize > maxBatch, "batch size", "--batch-size", c.BatchSize, "1 to 2^30"},
		{c.Accum < 1 || c.Accum > maxBatch, "gradient accumulation steps", "--accum", c.Accum, "1 to 2^30"},
		{c.Epochs < 1 && c.MaxSteps < 1, "epochs", "--epochs", c.Epochs, "at least 1, or a positive --steps"},
		{c.MaxSteps < 0, "steps", "--steps", c.MaxSteps, "zero (use --epochs) or more"},
		{c.LogEvery < 1, "log interval", "--log-every", c.LogEvery, "at least 1"},
		{c.EvalEvery < 0, "eval interval", "--eval-every", c.EvalEvery, "zero (at the end) or more"},
		{c.SaveEvery < 0, "save interval", "--save-every", c.SaveEvery, "zero (at the end) or more"},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("invalid %s %v (%s): want %s", ch.name, ch.val, ch.flag, ch.want)
		}
	}
	return nil
}

// withLog returns c with a logger that discards when Log is nil.
func (c Config) withLog() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// task is one training objective over a fixed set of examples.
type task interface {
	// size returns the number of training examples.
	size() int
	// fingerprint returns a hash of the tokenised training examples.
	fingerprint() string
	// units returns the number of terms that the mean loss of examples
	// idx averages over: predicted tokens for next-token losses, pairs
	// for preference losses.
	units(idx []int) float64
	// trainBatch runs forward and backward on the training examples idx,
	// adding scale times the gradient of their mean loss to the model's
	// gradients, and returns the batch's metrics. The loop sets scale to
	// units(idx) / units(step), so the accumulated gradient is that of
	// the mean loss over the whole step, as without accumulation.
	trainBatch(idx []int, scale float64) (Metrics, error)
	// evaluate returns held-out metrics without the eval_ prefix, or nil
	// when there is no held-out data.
	evaluate(ctx context.Context) (Metrics, error)
}

// Artifacts holds the savers of the files that a checkpoint keeps beside
// the model.
type Artifacts struct {
	// SaveTokenizer writes the tokenizer files into a directory.
	SaveTokenizer func(dir string) error
}

// Summary is the outcome of a run.
type Summary struct {
	Steps     int
	Final     Metrics // last logged training metrics
	Eval      Metrics // last held-out metrics, eval_ prefixed
	OutDir    string
	Truncated Truncation
	// AlreadyFinished is set when a resumed run's checkpoint was at its
	// last step, so no step ran.
	AlreadyFinished bool
}

// trainer runs the optimisation loop shared by every objective.
type trainer struct {
	cfg    Config
	model  *gpt2.Model
	task   task
	art    Artifacts
	params []Tensor
	opt    *AdamW
	sched  Schedule
	perEp  int // optimizer steps per epoch
	total  int
	start  int // first step this process runs
	log    *Logger
	window *meanWindow // metrics since the last logged step
}

// newTrainer prepares the optimizer, the schedule and the metrics log,
// restoring a checkpoint when cfg.Resume is set.
func newTrainer(cfg Config, model *gpt2.Model, t task, art Artifacts) (*trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if t.size() == 0 {
		return nil, errors.New("no training examples")
	}
	if err := CheckWeights(model); err != nil {
		return nil, fmt.Errorf("the model to train is broken: %w; start from another model", err)
	}
	cfg = cfg.withLog()
	if !cfg.Resume {
		if err := checkNewOutDir(cfg.OutDir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}

	tr := &trainer{cfg: cfg, model: model, task: t, art: art}
	for _, p := range model.Params() {
		tr.params = append(tr.params, Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data, Grad: p.Grad})
	}
	opt := DefaultAdamW()
	opt.WeightDecay = cfg.WeightDecay
	tr.opt = NewAdamW(opt, tr.params)

	perStep := cfg.BatchSize * cfg.Accum
	tr.perEp = (t.size() + perStep - 1) / perStep
	tr.total = cfg.MaxSteps
	if tr.total <= 0 {
		if cfg.Epochs > math.MaxInt/tr.perEp {
			return nil, fmt.Errorf("invalid epochs %d (--epochs): %d steps per epoch make more steps than "+
				"an int holds; give fewer epochs", cfg.Epochs, tr.perEp)
		}
		tr.total = cfg.Epochs * tr.perEp
	}
	tr.sched = Schedule{Peak: cfg.LR, Warmup: cfg.Warmup, Total: tr.total}
	return tr, nil
}

// run trains until the last step, logging, evaluating and saving on the
// way. A cancelled ctx saves a checkpoint and returns ctx's error, so the
// run can be resumed.
func (tr *trainer) run(ctx context.Context) (Summary, error) {
	if tr.cfg.Resume {
		if err := tr.restore(); err != nil {
			return Summary{}, err
		}
	}
	logger, err := NewLogger(tr.cfg.OutDir, tr.cfg.Terminal, tr.total, tr.start)
	if err != nil {
		return Summary{}, err
	}
	defer logger.Close()
	tr.log = logger
	tr.window = newMeanWindow()
	tr.cfg.Log.Info("training started", "steps", tr.total, "start_step", tr.start,
		"examples", tr.task.size(), "steps_per_epoch", tr.perEp, "out_dir", tr.cfg.OutDir)

	sum := Summary{OutDir: tr.cfg.OutDir, Steps: tr.start, AlreadyFinished: tr.start == tr.total}
	if sum.AlreadyFinished {
		tr.cfg.Log.Info("the run had already finished; nothing to train", "steps", tr.total)
	}
	began := time.Now()
	for step := tr.start; step < tr.total; step++ {
		if err := ctx.Err(); err != nil {
			return sum, tr.interrupted(step, err)
		}
		m, err := tr.step(step)
		if err != nil {
			return sum, fmt.Errorf("step %d: %w", step+1, err)
		}
		sum.Steps = step + 1
		if err := tr.report(ctx, step+1, m, &sum); err != nil {
			return sum, err
		}
		if tr.cfg.SaveEvery > 0 && (step+1)%tr.cfg.SaveEvery == 0 && step+1 < tr.total {
			if err := tr.saveCheckpoint(step + 1); err != nil {
				return sum, err
			}
		}
	}
	return sum, tr.finish(sum, time.Since(began))
}

// interrupted saves a checkpoint before step and returns the error that
// stopped the run.
func (tr *trainer) interrupted(step int, cause error) error {
	if err := tr.saveCheckpoint(step); err != nil {
		return errors.Join(cause, err)
	}
	return fmt.Errorf("training stopped at step %d (checkpoint saved, continue with --resume): %w",
		step, cause)
}

// report adds the metrics m of step done (1-based) to the logging window
// and, on a logging or evaluation step, writes a metrics row.
func (tr *trainer) report(ctx context.Context, done int, m Metrics, sum *Summary) error {
	tr.window.add(m)
	last := done == tr.total
	row := Metrics{}
	if done%tr.cfg.LogEvery == 0 || last {
		row = tr.window.mean()
		row["grad_norm"], row["learning_rate"] = m["grad_norm"], m["learning_rate"]
		sum.Final = row
		tr.window = newMeanWindow()
	}

	if (tr.cfg.EvalEvery > 0 && done%tr.cfg.EvalEvery == 0) || last {
		ev, err := tr.task.evaluate(ctx)
		if err != nil {
			return fmt.Errorf("evaluate at step %d: %w", done, err)
		}
		for k, v := range ev {
			row["eval_"+k] = v
		}
		if ev != nil {
			sum.Eval = prefixed(ev)
		}
	}

	if len(row) == 0 {
		return nil
	}
	return tr.log.Log(done, float64(done)/float64(tr.perEp), row)
}

// finish saves the last checkpoint and the final model, and logs the
// run's summary.
func (tr *trainer) finish(sum Summary, took time.Duration) error {
	if err := tr.saveCheckpoint(tr.total); err != nil {
		return err
	}
	if err := tr.saveModel(tr.cfg.OutDir); err != nil {
		return err
	}
	attrs := []any{"steps", sum.Steps, "seconds", took.Round(time.Millisecond).Seconds(),
		"out_dir", tr.cfg.OutDir}
	if loss, ok := sum.Final["loss"]; ok {
		attrs = append(attrs, "loss", loss)
	}
	if loss, ok := sum.Eval["eval_loss"]; ok {
		attrs = append(attrs, "eval_loss", loss)
	}
	tr.cfg.Log.Info("training finished", attrs...)
	return nil
}

// step runs one optimizer step (0-based index) over its micro-batches.
func (tr *trainer) step(step int) (Metrics, error) {
	idx := tr.stepExamples(step)
	tr.model.ZeroGrad()

	window := newMeanWindow()
	total := tr.task.units(idx)
	for lo := 0; lo < len(idx); lo += tr.cfg.BatchSize {
		micro := idx[lo:min(lo+tr.cfg.BatchSize, len(idx))]
		units := tr.task.units(micro)
		m, err := tr.task.trainBatch(micro, units/total)
		if err != nil {
			return nil, err
		}
		window.addWeighted(m, units)
	}

	norm := ClipGradNorm(tr.params, tr.cfg.MaxGradNorm)
	m := window.mean()
	if loss := m["loss"]; !isFinite(loss) || !isFinite(norm) {
		// The update is skipped, so the model keeps the last finite
		// weights, but they are not saved: the run is broken.
		if tr.opt.Steps() == 0 {
			// No update has been applied, so the learning rate is not
			// the cause.
			return nil, fmt.Errorf("the loss is %v and the gradient norm %v at the first step, before any update; "+
				"the objective's settings (such as an extreme --beta) or the model overflow, so change them", loss, norm)
		}
		return nil, fmt.Errorf("training diverged: the loss is %v and the gradient norm %v; "+
			"nothing was saved after the last checkpoint; start again in a new --out with a lower --lr (now %g)%s",
			loss, norm, tr.cfg.LR, clipHint(tr.cfg.MaxGradNorm))
	}
	lr := tr.sched.At(step)
	tr.opt.Step(lr)
	m["grad_norm"] = norm
	m["learning_rate"] = lr
	return m, nil
}

// clipHint suggests gradient clipping when it is off.
func clipHint(maxNorm float64) string {
	if maxNorm > 0 {
		return ""
	}
	return " or with gradient clipping (--max-grad-norm 1)"
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// stepExamples returns the training examples of a step. Each epoch visits
// every example once in an order drawn from the seed and the epoch
// number, so the order is the same in a resumed run. The last step of an
// epoch may be smaller than the others.
func (tr *trainer) stepExamples(step int) []int {
	epoch, k := step/tr.perEp, step%tr.perEp
	order := epochOrder(tr.cfg.Seed, epoch, tr.task.size())
	per := tr.cfg.BatchSize * tr.cfg.Accum
	return order[k*per : min((k+1)*per, len(order))]
}

// epochOrder returns the permutation of n examples for an epoch.
func epochOrder(seed uint64, epoch, n int) []int {
	rng := rand.New(rand.NewPCG(seed, uint64(epoch)+1))
	return rng.Perm(n)
}

// prefixed returns m with every key prefixed by eval_.
func prefixed(m Metrics) Metrics {
	out := make(Metrics, len(m))
	for k, v := range m {
		out["eval_"+k] = v
	}
	return out
}

// meanWindow averages metrics over steps or micro-batches.
type meanWindow struct {
	sum    Metrics
	weight map[string]float64
}

func newMeanWindow() *meanWindow {
	return &meanWindow{sum: Metrics{}, weight: map[string]float64{}}
}

func (w *meanWindow) add(m Metrics) { w.addWeighted(m, 1) }

func (w *meanWindow) addWeighted(m Metrics, weight float64) {
	for k, v := range m {
		w.sum[k] += v * weight
		w.weight[k] += weight
	}
}

func (w *meanWindow) mean() Metrics {
	out := make(Metrics, len(w.sum))
	for k, v := range w.sum {
		out[k] = v / w.weight[k]
	}
	return out
}

// fingerprintSequences returns a hex FNV-1a hash of sequences' token ids
// and prompt lengths, in order.
func fingerprintSequences(seqs []Sequence) string {
	h := fnv.New64a()
	var buf [4]byte
	for _, s := range seqs {
		binary.LittleEndian.PutUint32(buf[:], uint32(s.PromptLen))
		h.Write(buf[:])
		for _, id := range s.IDs {
			binary.LittleEndian.PutUint32(buf[:], uint32(id))
			h.Write(buf[:])
		}
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
