package train

import "math"

// Schedule is a learning-rate schedule: linear warmup from 0 to Peak over
// Warmup steps, then cosine decay to 0 at Total steps. It matches
// get_cosine_schedule_with_warmup of Hugging Face transformers.
type Schedule struct {
	Peak   float64
	Warmup int
	Total  int
}

// At returns the learning rate for the update with 0-based index step.
func (s Schedule) At(step int) float64 {
	if step < s.Warmup {
		return s.Peak * float64(step) / float64(max(1, s.Warmup))
	}
	progress := float64(step-s.Warmup) / float64(max(1, s.Total-s.Warmup))
	progress = min(progress, 1)
	return s.Peak * 0.5 * (1 + math.Cos(math.Pi*progress))
}

// ClipGradNorm scales the gradients of params so that their global L2
// norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_ does, and
// returns the norm before clipping. A maxNorm of zero or less disables
// clipping.
func ClipGradNorm(params []Tensor, maxNorm float64) float64 {
	var sum float64
	for _, p := range params {
		for _, g := range p.Grad {
			sum += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(sum)
	if maxNorm <= 0 || norm <= maxNorm {
		return norm
	}
	scale := float32(maxNorm / (norm + 1e-6))
	for _, p := range params {
		for j := range p.Grad {
			p.Grad[j] *= scale
		}
	}
	return norm
}
