// Package gpt2 implements the GPT-2 transformer in float32: the forward
// pass over a batch of right-padded sequences, its backward pass,
// generation with a key/value cache, and Hugging Face checkpoints in
// safetensors.
//
// The architecture is Hugging Face's GPT2LMHeadModel. Token and learned
// position embeddings feed n_layer pre-LayerNorm blocks. Each block runs
// causal self-attention with a fused c_attn projection, then an MLP with
// the tanh GELU "gelu_new". A final LayerNorm ln_f follows, and the logits
// use the token embedding wte as the output matrix. A reward model adds "score.weight"
// [1, n_embd] as GPT2ForSequenceClassification does, applied to the final
// hidden state of each sequence's last real token.
//
// Checkpoints are a directory with config.json and model.safetensors.
// Tensor names and shapes are Hugging Face's, with linear weights stored
// [in, out] as its Conv1D layer does. Load reads GPT-2 checkpoints in
// that layout when they are tied, unsharded and in F32, F16, BF16 or F64.
// NOTE: the tests check the layout against weights written by a PyTorch
// script; loading a saved checkpoint in transformers itself is untested.
//
// Every matrix product goes through kernels.Gemm. Attention, LayerNorm,
// GELU and softmax split their rows across GOMAXPROCS goroutines. A pass
// keeps its buffers until Release, after which the next Forward of a batch
// that fits reuses them, so a training loop allocates them once.
package gpt2
