package train

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestLoggerWritesJSONAndTerminal(t *testing.T) {
	dir := t.TempDir()
	var term bytes.Buffer
	l, err := NewLogger(dir, &term, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := Metrics{"loss": 0.5, "learning_rate": 1e-4, "eval_loss": 0.75, "rewards/margins": math.NaN()}
	if err := l.Log(2, 0.5, m); err != nil {
		t.Fatal(err)
	}
	l.Close()

	rows := readMetrics(t, dir)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	row := rows[0]
	if row["step"] != 2.0 || row["epoch"] != 0.5 || row["loss"] != 0.5 || row["eval_loss"] != 0.75 {
		t.Errorf("row %v, want step 2, epoch 0.5, loss 0.5 and eval_loss 0.75", row)
	}
	if v, ok := row["rewards/margins"]; !ok || v != nil {
		t.Errorf("NaN metric written as %v, want null", v)
	}

	line := term.String()
	for _, want := range []string{"step 2/4 [##########..........]", "loss 0.5000", "learning_rate 1.00e-04", "left"} {
		if !strings.Contains(line, want) {
			t.Errorf("terminal line %q lacks %q", line, want)
		}
	}
	if strings.Index(line, " loss") > strings.Index(line, "eval_loss") {
		t.Errorf("terminal line %q shows eval_loss before loss", line)
	}
}
