package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
)

// bundleFlags registers the flags of a dataset bundle on fs and returns
// a function that reads them after parsing.
func bundleFlags(fs *flag.FlagSet) func() server.BundleRequest {
	archive := fs.String("bundle", "", "write a Hugging Face dataset bundle instead of one file: "+
		"zip or tar.gz, with a Parquet file per split and a README.md dataset card")
	license := fs.String("license", "", "bundle: license id for the dataset card, such as cc-by-4.0; "+
		"empty means unknown")
	languages := fs.String("language", "", "bundle: comma-separated ISO 639 codes of the data's "+
		"languages for the dataset card; empty means en")
	return func() server.BundleRequest { return server.NewBundleRequest(*archive, *license, *languages) }
}

// exportBundle writes the bundle b of project p to the file out, or to
// stdout for "-", and reports the rows per split on stderr. A file is
// written under a temporary name and renamed when complete, so a failed
// export leaves an existing file at out as it was.
func exportBundle(ctx context.Context, db *store.DB, p labeling.Project, opts server.ExportOptions,
	b server.BundleRequest, out string) error {
	w, err := openExportOutput(out)
	if err != nil {
		return err
	}
	splits, err := server.ExportBundle(ctx, db, w, p, opts, b)
	if err != nil {
		w.discard()
		return err
	}
	if err := w.commit(); err != nil {
		return err
	}
	for _, s := range splits {
		fmt.Fprintf(os.Stderr, "%s: %d rows\n", s.Split, s.Rows)
	}
	fmt.Fprintf(os.Stderr, "exported project %q as a %s bundle of %s\n", p.Name, b.Archive, opts.Format)
	return nil
}
