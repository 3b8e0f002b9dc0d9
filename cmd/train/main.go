// Command train trains GPT-2-style models on a CPU: pretraining on a text
// corpus, supervised fine-tuning, reward models and DPO on the preference
// files that pairwise exports, then sampling and evaluation. See
// docs/trainer.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: train COMMAND [flags]

commands:
  pretrain   next-token training on a text corpus (can train the tokenizer first)
  sft        supervised fine-tuning: loss on completion tokens only
  reward     reward model: score head with the Bradley-Terry loss
  dpo        direct preference optimisation against a frozen reference model
  generate   sample completions from a model
  eval       preference accuracy of a reward model or a DPO policy, or the
             win rate of one model's samples over another's
  demo-data  write the demo task's corpus, fine-tuning rows and preference pairs
  judge      win rate of an aligned model over a reference by the demo task's rule
  bench      time DPO training steps on random tokens (tokens per second, peak memory)

Run "train COMMAND -h" for the flags of one command. Documentation:
docs/trainer.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C stops the run at the next step and saves a
	// checkpoint. Restoring the default handling then lets a second
	// Ctrl-C end the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()

	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", errorMessage(err))
		if errors.Is(err, context.Canceled) {
			os.Exit(130) // the shell's status for a process ended by SIGINT
		}
		os.Exit(1)
	}
}

// errorMessage returns the text printed for err, which names an
// interruption in words rather than as a cancelled context.
func errorMessage(err error) string {
	if err.Error() == context.Canceled.Error() {
		return "interrupted (SIGINT or SIGTERM)"
	}
	return err.Error()
}

// run executes one subcommand. Progress and results go to stdout, log
// records and flag help to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	env := &env{stdout: stdout, stderr: stderr, log: log}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "pretrain":
		return pretrainCommand(ctx, env, args)
	case "sft":
		return sftCommand(ctx, env, args)
	case "reward":
		return rewardCommand(ctx, env, args)
	case "dpo":
		return dpoCommand(ctx, env, args)
	case "generate":
		return generateCommand(ctx, env, args)
	case "eval":
		return evalCommand(ctx, env, args)
	case "demo-data":
		return demoDataCommand(ctx, env, args)
	case "judge":
		return judgeCommand(ctx, env, args)
	case "bench":
		return benchCommand(ctx, env, args)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// env holds the output streams and the logger of a subcommand.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}
