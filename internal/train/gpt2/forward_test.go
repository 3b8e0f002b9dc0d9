package gpt2_test

import (
	"math"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestForwardInferenceMatchesTraining(t *testing.T) {
	m := roughModel(t, 1)
	probe := newProbeLoss(m.Config(), 2)
	train := m.Forward(probe.ids, probe.B, probe.T, true)
	defer train.Release()
	infer := m.Forward(probe.ids, probe.B, probe.T, false)
	defer infer.Release()
	if d := maxAbsDiff(train.Logits, infer.Logits); d > 1e-5 {
		t.Errorf("logits differ by %g between training and inference passes", d)
	}
	if d := maxAbsDiff(train.Hidden, infer.Hidden); d > 1e-5 {
		t.Errorf("hidden states differ by %g between training and inference passes", d)
	}
}

// TestForwardReusesBuffers checks that a released pass's buffers give the
// same results when the next Forward reuses them.
func TestForwardReusesBuffers(t *testing.T) {
	m := roughModel(t, 1)
	probe := newProbeLoss(m.Config(), 2)
	first := m.Forward(probe.ids, probe.B, probe.T, true)
	want := append([]float32(nil), first.Logits...)
	first.Release()

	other := append([]int32(nil), probe.ids...)
	other[0] = (other[0] + 1) % int32(m.Config().VocabSize)
	m.Forward(other, probe.B, probe.T, true).Release()

	again := m.Forward(probe.ids, probe.B, probe.T, true)
	defer again.Release()
	if d := maxAbsDiff(again.Logits, want); d != 0 {
		t.Errorf("logits differ by %g after buffer reuse", d)
	}
}

// TestForwardRightPadding checks that padding after a sequence leaves the
// outputs at its real positions unchanged.
func TestForwardRightPadding(t *testing.T) {
	m := roughModel(t, 1)
	V := m.Config().VocabSize
	short := []int32{3, 1, 4, 1}
	alone := m.Forward(short, 1, len(short), false)
	want := append([]float32(nil), alone.Logits...)
	alone.Release()

	padded := append(append([]int32(nil), short...), 0, 0, 9, 2, 6, 5)
	batch := append(append([]int32(nil), padded[:5]...), padded[:5]...)
	batch[5], batch[6] = 12, 11 // second sequence differs, first one is padded
	p := m.Forward(batch, 2, 5, false)
	defer p.Release()
	if d := maxAbsDiff(p.Logits[:len(short)*V], want); d > 1e-6 {
		t.Errorf("logits of the real tokens change by %g with padding", d)
	}
}

func TestCacheMatchesForward(t *testing.T) {
	m := roughModel(t, 8)
	V := m.Config().VocabSize
	ids := []int32{5, 2, 11, 0, 7, 7, 3, 12}
	full := m.Forward(ids, 1, len(ids), false)
	defer full.Release()

	c := m.NewCache(len(ids))
	// A three-token prompt in one step, then one token per step.
	got := m.Step(c, ids[:3])
	for pos := 2; pos < len(ids); pos++ {
		if pos > 2 {
			got = m.Step(c, ids[pos:pos+1])
		}
		want := full.Logits[pos*V : (pos+1)*V]
		if d := maxAbsDiff(got, want); d > 1e-5 {
			t.Errorf("position %d: cached logits differ by %g from Forward", pos, d)
		}
	}
	if c.Len() != len(ids) {
		t.Errorf("cache length: got %d, want %d", c.Len(), len(ids))
	}

	c.Reset()
	got = m.Step(c, ids[:1])
	if d := maxAbsDiff(got, full.Logits[:V]); d > 1e-5 {
		t.Errorf("after Reset: first logits differ by %g", d)
	}
}

func TestCloneCopiesWeights(t *testing.T) {
	m := roughModel(t, 1)
	c := m.Clone()
	for i, p := range m.Params() {
		q := c.Params()[i]
		if p.Name != q.Name || maxAbsDiff(p.Data, q.Data) != 0 {
			t.Fatalf("clone parameter %d: got %s, want %s with equal data", i, q.Name, p.Name)
		}
	}
	c.Params()[0].Data[0]++
	if m.Params()[0].Data[0] == c.Params()[0].Data[0] {
		t.Errorf("clone shares weights with the original")
	}
}

// TestForwardReusesLargerBuffers checks that a smaller batch run in the
// buffers of a larger one gives the results of a fresh model.
func TestForwardReusesLargerBuffers(t *testing.T) {
	m := roughModel(t, 1)
	fresh := m.Clone()
	probe := newProbeLoss(m.Config(), 2)
	V := m.Config().VocabSize

	big := m.Forward(probe.ids, probe.B, probe.T, true)
	big.Backward(probe.wLogits, nil)
	big.Release()

	small := probe.ids[:4]
	dLogits := probe.wLogits[:4*V]
	for _, model := range []*gpt2.Model{m, fresh} {
		model.ZeroGrad()
		p := model.Forward(small, 1, 4, true)
		p.Backward(dLogits, nil)
		p.Release()
	}
	for i, p := range m.Params() {
		if d := maxAbsDiff(p.Grad, fresh.Params()[i].Grad); d > 1e-6 {
			t.Errorf("%s: gradients differ by %g in reused buffers", p.Name, d)
		}
	}
}

func TestForwardHiddenSkipsLogits(t *testing.T) {
	m := roughModel(t, 1)
	probe := newProbeLoss(m.Config(), 2)
	full := m.Forward(probe.ids, probe.B, probe.T, false)
	defer full.Release()
	hidden := m.ForwardHidden(probe.ids, probe.B, probe.T, false)
	defer hidden.Release()
	if hidden.Logits != nil {
		t.Errorf("ForwardHidden: got %d logits, want none", len(hidden.Logits))
	}
	if d := maxAbsDiff(hidden.Hidden, full.Hidden); d != 0 {
		t.Errorf("ForwardHidden: hidden states differ by %g from Forward", d)
	}
}

func TestCheckIDs(t *testing.T) {
	m := roughModel(t, 1)
	cases := []struct {
		name string
		ids  []int32
		T    int
		want string
	}{
		{"negative id", []int32{1, -1}, 2, "token id -1 at position 1 is outside the vocabulary [0, 13)"},
		{"id past vocabulary", []int32{13}, 1, "token id 13 at position 0"},
		{"too long", make([]int32, 9), 9, "sequence length 9 exceeds the model's n_positions 8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := m.CheckIDs(tc.ids, tc.T)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if err := m.CheckIDs([]int32{0, 12}, 2); err != nil {
		t.Errorf("valid ids: got %v", err)
	}
}
