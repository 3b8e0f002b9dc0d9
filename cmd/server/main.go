// Command server runs the pairwise labeling server and its admin
// subcommands: migrate, user add, import and export.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: server [command] [flags]

commands:
  serve      run the web server (the default)
  migrate    apply database migrations and exit
  user add   create a user: --email ADDRESS --role admin|researcher|annotator
             (the password is read from a prompt, or from stdin when piped)
  import     import a file: --project NAME [--create] [--format F] [--map M] [--gold] FILE
  export     export a project: --project NAME [--format trl|judgments] [--conversational] [-o FILE]
             [--bundle zip|tar.gz] writes a Hugging Face dataset archive instead

Run "server COMMAND -h" for the flags of one command; flags go before file
names. Every command takes the database flags of serve (--database-url,
--data-dir, ...).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	err := run(ctx, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args)
	case "migrate":
		return migrateCommand(ctx, args)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return fmt.Errorf("unknown user command %v: want \"user add\"", args)
		}
		return userAdd(ctx, args[1:])
	case "import":
		return importCommand(ctx, args)
	case "export":
		return exportCommand(ctx, args)
	case "help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
