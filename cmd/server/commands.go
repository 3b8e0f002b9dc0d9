package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/term"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
)

// withDatabase parses fs, then opens the database for fn.
func withDatabase(ctx context.Context, c *config, fs interface{ Parse([]string) error }, args []string,
	fn func(*store.DB) error) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := c.newLogger()
	if err != nil {
		return err
	}
	db, closeDB, err := openDatabase(ctx, c, logger)
	if err != nil {
		return err
	}
	defer closeDB()
	return fn(db)
}

func migrateCommand(ctx context.Context, args []string) error {
	var c config
	fs := newFlagSet("migrate", &c)
	return withDatabase(ctx, &c, fs, args, func(*store.DB) error { return nil })
}

func userAdd(ctx context.Context, args []string) error {
	var c config
	fs := newFlagSet("user add", &c)
	email := fs.String("email", "", "the user's email address, used to log in")
	role := fs.String("role", labeling.UserAnnotator, "admin, researcher or annotator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("user add needs --email")
	}
	if *role != labeling.UserAdmin && *role != labeling.UserResearcher && *role != labeling.UserAnnotator {
		return fmt.Errorf("invalid --role %q: want admin, researcher or annotator", *role)
	}
	password, err := readPassword(*email)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}

	return withDatabase(ctx, &c, fs, args, func(db *store.DB) error {
		u, err := db.CreateUser(ctx, *email, *role, hash)
		if err != nil {
			return err
		}
		fmt.Printf("created %s %s (id %s)\n", u.Role, u.Email, u.ID)
		return nil
	})
}

// readPassword asks for a password twice on a terminal, or reads the
// first line of stdin when it is piped.
func readPassword(email string) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprintf(os.Stderr, "Password for %s: ", email)
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(os.Stderr, "Repeat it: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

func importCommand(ctx context.Context, args []string) error {
	var c config
	fs := newFlagSet("import", &c)
	project := fs.String("project", "", "name of the project to import into")
	create := fs.Bool("create", false, "create the project when it does not exist")
	format := fs.String("format", "auto", "input format: auto, pairs, trl, hh or completions")
	fields := fs.String("map", "", "field names of the file, e.g. prompt=instruction+input,response_a=output_1")
	gold := fs.Bool("gold", false, "mark every comparison that comes with a label as gold, with that label as its answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *project == "" || fs.NArg() != 1 {
		return errors.New("usage: server import --project NAME [--create] [--format F] [--map M] [--gold] FILE " +
			"(flags go before the file name)")
	}
	opts := c.ingestOptions()
	var err error
	if opts.Format, err = ingest.ParseFormat(*format); err != nil {
		return err
	}
	if *fields != "" {
		if opts.Fields, err = ingest.ParseFieldMap(*fields); err != nil {
			return err
		}
	}
	path := fs.Arg(0)

	return withDatabase(ctx, &c, fs, args, func(db *store.DB) error {
		p, err := findProject(ctx, db, *project, *create)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rep, _, err := server.Import(ctx, db, p, f, filepath.Base(path), server.ImportOptions{Options: opts, Gold: *gold}, uuid.Nil)
		if err != nil {
			return err
		}
		printReport(rep)
		return nil
	})
}

func findProject(ctx context.Context, db *store.DB, name string, create bool) (labeling.Project, error) {
	p, err := db.ProjectByName(ctx, name)
	if errors.Is(err, labeling.ErrNotFound) && create {
		return db.CreateProject(ctx, labeling.Project{Name: name})
	}
	if errors.Is(err, labeling.ErrNotFound) {
		return p, fmt.Errorf("project %q not found: check the name on the start page, "+
			"or let import create it with --create", name)
	}
	return p, err
}

func printReport(rep ingest.Report) {
	fmt.Printf("format:               %s\n", rep.Format)
	fmt.Printf("records read:         %d\n", rep.Read)
	fmt.Printf("comparisons imported: %d\n", rep.Imported)
	fmt.Printf("skipped:              %d\n", rep.Skipped)
	for reason, n := range rep.ByReason {
		fmt.Printf("  %-20s %d\n", reason+":", n)
	}
	for _, s := range rep.Skips {
		fmt.Printf("  line %d: %s: %s\n", s.Line, s.Reason, s.Detail)
	}
	if rep.MoreSkips > 0 {
		fmt.Printf("  ... and %d more skipped lines\n", rep.MoreSkips)
	}
}

func exportCommand(ctx context.Context, args []string) error {
	var c config
	fs := newFlagSet("export", &c)
	project := fs.String("project", "", "name of the project to export")
	var opts server.ExportOptions
	fs.StringVar(&opts.Format, "format", server.ExportTRL,
		"trl, judgments, trl-implicit, reward, kto, openai, hh or sft")
	fs.StringVar(&opts.Policy, "policy", export.PolicyMajority,
		"how votes become a label: majority, unanimous, strength or dawid-skene")
	fs.IntVar(&opts.MinVotes, "min-votes", 0,
		"fewest votes a comparison needs for a label; 0 means 1")
	fs.BoolVar(&opts.Conversational, "conversational", false,
		"write trl, reward and sft rows in the conversational form even for single-turn prompts")
	fs.BoolVar(&opts.Metadata, "metadata", false, "add a metadata object with each row's provenance")
	fs.StringVar(&opts.Split, "split", "", "write only one split: train, test or validation; empty writes all")
	fs.StringVar(&opts.Seed, "seed", "", "seed of the split assignment")
	out := fs.String("o", "-", "output file; - is stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *project == "" {
		return errors.New("usage: server export --project NAME [--format FORMAT] [--policy POLICY] " +
			"[--min-votes N] [--split SPLIT] [-o FILE]")
	}
	if opts.MinVotes < 0 {
		return fmt.Errorf("--min-votes %d is negative; use 0 or more", opts.MinVotes)
	}
	if err := opts.Validate(); err != nil {
		return err
	}

	return withDatabase(ctx, &c, fs, args, func(db *store.DB) error {
		p, err := findProject(ctx, db, *project, false)
		if err != nil {
			return err
		}
		w, closeOut, err := openOutput(*out)
		if err != nil {
			return err
		}
		n, err := server.Export(ctx, db, w, p, opts)
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "exported %d rows of project %q as %s\n", n.Rows, p.Name, opts.Format)
		if n.Skipped > 0 {
			fmt.Fprintf(os.Stderr, "skipped %d comparisons that the %s format cannot hold\n",
				n.Skipped, opts.Format)
		}
		return nil
	})
}

func openOutput(path string) (io.Writer, func() error, error) {
	if path == "-" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}
