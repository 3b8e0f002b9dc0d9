// Package train trains GPT-2-style models on text, instruction and
// preference data: next-token pretraining, supervised fine-tuning on
// completions, Bradley-Terry reward models and direct preference
// optimisation against a frozen reference model. It reads the dataset
// files that pairwise exports (TRL preference rows as JSONL, gzipped
// JSONL or Parquet), writes Hugging Face GPT-2 checkpoints and logs
// metrics under TRL's names. cmd/train is its command line.
package train
