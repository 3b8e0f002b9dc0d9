package train

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// MetricsFile is the name of the metrics log in a run's output directory.
const MetricsFile = "metrics.jsonl"

// Metrics are the values logged at one step, under TRL's names: loss,
// grad_norm, learning_rate, rewards/chosen, rewards/rejected,
// rewards/accuracies, rewards/margins, logps/chosen, logps/rejected, and
// the same names prefixed with eval_ for the held-out split.
type Metrics map[string]float64

// metricOrder fixes the order of the common names on the terminal.
var metricOrder = []string{
	"loss", "grad_norm", "learning_rate",
	"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
	"logps/chosen", "logps/rejected", "accuracy",
}

// sortedKeys returns the keys of m in metricOrder, then eval_ keys in the
// same order, then any others alphabetically.
func (m Metrics) sortedKeys() []string {
	rank := func(k string) int {
		base := strings.TrimPrefix(k, "eval_")
		i := slices.Index(metricOrder, base)
		if i < 0 {
			i = len(metricOrder)
		}
		if base != k {
			i += len(metricOrder) + 1
		}
		return i
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return keys
}

// Logger writes one JSON object per logging step to metrics.jsonl and one
// line to the terminal with a progress bar and an estimate of the time
// left.
type Logger struct {
	file  *os.File
	term  io.Writer
	total int
	start time.Time
	first int // step at which timing started, for the estimate after a resume
}

// NewLogger opens metrics.jsonl in dir for appending (so a resumed run
// continues the log) and writes terminal lines to term, which may be nil.
// total is the number of optimizer steps in the run; startStep is the
// first step this process runs.
func NewLogger(dir string, term io.Writer, total, startStep int) (*Logger, error) {
	f, err := os.OpenFile(filepath.Join(dir, MetricsFile),
		os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open metrics log: %w", err)
	}
	return &Logger{file: f, term: term, total: total, start: time.Now(), first: startStep}, nil
}

// Log records the metrics of step (1-based) in epoch, a fraction of
// passes over the training data.
func (l *Logger) Log(step int, epoch float64, m Metrics) error {
	row := map[string]any{"step": step, "epoch": round(epoch, 4)}
	for k, v := range m {
		row[k] = finite(v)
	}
	line, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("encode metrics: %w", err)
	}
	if _, err := l.file.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write metrics log: %w", err)
	}
	if l.term != nil {
		fmt.Fprintln(l.term, l.terminalLine(step, m))
	}
	return nil
}

// terminalLine formats one step for a person watching the run.
func (l *Logger) terminalLine(step int, m Metrics) string {
	var b strings.Builder
	width := len(fmt.Sprint(l.total))
	fmt.Fprintf(&b, "step %*d/%d %s", width, step, l.total, progressBar(step, l.total, 20))
	for _, k := range m.sortedKeys() {
		fmt.Fprintf(&b, " %s %s", k, formatMetric(k, m[k]))
	}
	fmt.Fprintf(&b, " | %s left", l.timeLeft(step))
	return b.String()
}

// timeLeft estimates the time to the last step from the mean time per
// step so far.
func (l *Logger) timeLeft(step int) string {
	done := step - l.first
	if done <= 0 {
		return "?"
	}
	per := time.Since(l.start) / time.Duration(done)
	left := per * time.Duration(max(0, l.total-step))
	return left.Round(time.Second).String()
}

// Close closes the metrics log.
func (l *Logger) Close() error { return l.file.Close() }

// progressBar draws done/total as a bar of width cells.
func progressBar(done, total, width int) string {
	filled := 0
	if total > 0 {
		filled = min(width, done*width/total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}

// formatMetric prints learning rates in scientific notation and other
// values with four decimals.
func formatMetric(name string, v float64) string {
	if strings.HasSuffix(name, "learning_rate") {
		return fmt.Sprintf("%.2e", v)
	}
	return fmt.Sprintf("%.4f", v)
}

// finite returns v, or nil for NaN and infinities, which JSON cannot
// encode, so the log stays readable and the anomaly shows as null.
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// round rounds v to n decimals.
func round(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}
