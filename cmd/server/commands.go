package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
	format := fs.String("format", "auto", "input format: auto, pairs, trl, hh, completions, csv, oasst, "+
		"or one that export writes: reward, kto, openai, sft, rubric or judgments; "+
		"auto reads a file whose name ends in .csv or .csv.gz as csv; Parquet files are recognised by their content")
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
		_, lookupErr := db.ProjectByName(ctx, *project)
		p, err := findProject(ctx, db, *project, *create)
		if err != nil {
			return err
		}
		created := errors.Is(lookupErr, labeling.ErrNotFound)
		f, err := os.Open(path)
		if err == nil {
			defer f.Close()
		}
		var rep ingest.Report
		if err == nil {
			rep, _, err = server.Import(ctx, db, p, f, filepath.Base(path),
				server.ImportOptions{Options: opts, Gold: *gold}, uuid.Nil)
		}
		if err != nil {
			// A project made for this import goes again with it.
			if created {
				_, _ = db.DeleteEmptyProject(ctx, p.ID)
			}
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
	for _, reason := range slices.Sorted(maps.Keys(rep.ByReason)) {
		fmt.Printf("  %-20s %d\n", reason+":", rep.ByReason[reason])
	}
	unit := rep.Unit
	if unit == "" {
		unit = ingest.UnitLine
	}
	for _, s := range rep.Skips {
		fmt.Printf("  %s %d: %s: %s\n", unit, s.Line, s.Reason, s.Detail)
	}
	if rep.MoreSkips > 0 {
		fmt.Printf("  ... and %d more skipped %ss\n", rep.MoreSkips, unit)
	}
}

func exportCommand(ctx context.Context, args []string) error {
	var c config
	fs := newFlagSet("export", &c)
	project := fs.String("project", "", "name of the project to export")
	var opts server.ExportOptions
	fs.StringVar(&opts.Format, "format", server.ExportTRL,
		"trl, judgments, trl-implicit, reward, kto, openai, hh, sft or rubric")
	fs.StringVar(&opts.File, "file", "",
		"file type: jsonl or parquet; empty means parquet for an -o name ending in .parquet, else jsonl")
	fs.BoolVar(&opts.Gzip, "gzip", false, "gzip a JSONL file (set by an -o name ending in .gz)")
	fs.StringVar(&opts.Policy, "policy", export.PolicyMajority,
		"how votes become a label: "+strings.Join(export.DatasetPolicies, ", ")+
			"; source writes the labels that came with the imported file")
	fs.IntVar(&opts.MinVotes, "min-votes", 0,
		"fewest votes a comparison needs for a label; 0 means 1")
	fs.BoolVar(&opts.Conversational, "conversational", false,
		"write trl, reward and sft rows in the conversational form even for single-turn prompts")
	fs.BoolVar(&opts.Metadata, "metadata", false, "add a metadata object with each row's provenance")
	fs.StringVar(&opts.Split, "split", "", "write only one split: train, test or validation; empty writes all")
	fs.StringVar(&opts.Seed, "seed", "", "seed of the split assignment")
	ratios := fs.String("split-ratios", "", "shares of prompts per split, train,validation,test "+
		"(0.8,0.1,0.1) or named (train=0.9,test=0.1); empty means train=0.9,test=0.1")
	fs.StringVar(&opts.Salt, "salt", "", "judgments format: key of the annotator pseudonyms, "+
		"at least 16 characters; empty means a fresh random salt per export")
	out := fs.String("o", "-", "output file; - is stdout")
	bundle := bundleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *project == "" {
		return errors.New("usage: server export --project NAME [--format FORMAT] [--file jsonl|parquet] " +
			"[--gzip] [--policy POLICY] [--min-votes N] [--conversational] [--metadata] [--split SPLIT] " +
			"[--split-ratios R] [--seed S] [--salt S] [--bundle zip|tar.gz] [-o FILE]")
	}
	if *ratios != "" {
		r, err := export.ParseSplitRatios(*ratios)
		if err != nil {
			return fmt.Errorf("--split-ratios: %w", err)
		}
		opts.Ratios = r
	}
	if bundle().Archive == "" {
		if err := fileFromName(&opts, *out); err != nil {
			return err
		}
	}
	if opts.MinVotes < 0 {
		return fmt.Errorf("--min-votes %d is negative; use 0 or more", opts.MinVotes)
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	if err := bundle().Validate(opts); err != nil {
		return err
	}

	return withDatabase(ctx, &c, fs, args, func(db *store.DB) error {
		p, err := db.ProjectByName(ctx, *project)
		if errors.Is(err, labeling.ErrNotFound) {
			return fmt.Errorf("project %q not found: check the name on the start page", *project)
		}
		if err != nil {
			return err
		}
		if b := bundle(); b.Archive != "" {
			return exportBundle(ctx, db, p, opts, b, *out)
		}
		w, err := openExportOutput(*out)
		if err != nil {
			return err
		}
		n, err := server.Export(ctx, db, w, p, opts)
		if err != nil {
			w.discard()
			return err
		}
		if err := w.commit(); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "exported %d rows of project %q as %s\n", n.Rows, p.Name, opts.Format)
		if n.Rows == 0 {
			fmt.Fprint(os.Stderr, emptyExportHint(opts))
		}
		if n.Skipped > 0 {
			fmt.Fprintf(os.Stderr, "skipped %d comparisons that the %s format cannot hold\n",
				n.Skipped, opts.Format)
		}
		return nil
	})
}

// emptyExportHint returns the likely reasons for an export of no rows,
// or "" for the formats that write every vote or score.
func emptyExportHint(opts server.ExportOptions) string {
	if opts.Format == server.ExportJudgments || opts.Format == export.FormatRubric {
		return ""
	}
	if opts.Policy == export.PolicySource {
		return "no comparison has an imported label in this selection; " +
			"import a file with labels, such as TRL or HH, or choose a voting policy\n"
	}
	return "no comparison in this selection has a winner by its votes, and ties give no row; " +
		"check the votes on the project page, lower --min-votes, or export the labels that " +
		"came with the imported file with --policy source\n"
}

// fileFromName sets the file type that the output name implies when no
// --file was given: parquet for ".parquet", and gzip for ".gz". It
// returns an error when --file names another type than the name, so that
// a Parquet file never gets a .jsonl.gz name or the reverse.
func fileFromName(opts *server.ExportOptions, out string) error {
	implied := ""
	switch {
	case strings.HasSuffix(out, ".parquet"):
		implied = export.FileParquet
	case strings.HasSuffix(out, ".gz"), strings.HasSuffix(out, ".jsonl"):
		implied = export.FileJSONL
	}
	if opts.File != "" && implied != "" && opts.File != implied {
		return fmt.Errorf("-o %q names a %s file, but --file is %s; "+
			"end the name in .parquet for Parquet, or .jsonl or .jsonl.gz for JSONL", out, implied, opts.File)
	}
	if opts.File == "" && implied == export.FileParquet {
		opts.File = export.FileParquet
	}
	if strings.HasSuffix(out, ".gz") {
		opts.Gzip = true
	}
	return nil
}

// output is the destination of an export. A regular file is written to a
// temporary file beside it and renamed into place by commit, so a failed
// or interrupted export leaves an existing file as it was.
type output struct {
	io.Writer
	file *os.File
	// path is the file that commit replaces. It is empty for stdout, a
	// device or a pipe, which are written in place.
	path string
}

func openExportOutput(path string) (*output, error) {
	if path == "-" {
		return &output{Writer: os.Stdout}, nil
	}
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &output{Writer: f, file: f}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output file beside %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &output{Writer: f, file: f, path: path}, nil
}

// commit closes the output and moves a temporary file to its name.
func (o *output) commit() error {
	if o.file == nil {
		return nil
	}
	if err := o.file.Close(); err != nil {
		o.discard()
		return fmt.Errorf("write %s: %w", o.file.Name(), err)
	}
	if o.path == "" {
		return nil
	}
	if err := os.Rename(o.file.Name(), o.path); err != nil {
		os.Remove(o.file.Name())
		return fmt.Errorf("move export to %s: %w", o.path, err)
	}
	return nil
}

// discard closes the output and deletes a temporary file.
func (o *output) discard() {
	if o.file == nil {
		return
	}
	o.file.Close()
	if o.path != "" {
		os.Remove(o.file.Name())
	}
}
