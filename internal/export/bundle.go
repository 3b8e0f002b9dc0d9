package export

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Archive kinds of WriteBundle.
const (
	ArchiveZip   = "zip"
	ArchiveTarGz = "tar.gz"
)

// BundleArchives lists the archive kinds of WriteBundle.
var BundleArchives = []string{ArchiveZip, ArchiveTarGz}

// bundleSplits are the splits of a bundle in the order the Hugging Face
// Hub lists them.
var bundleSplits = []string{SplitTrain, SplitValidation, SplitTest}

// bundleFileTime is the modification time of every file in a bundle. A
// fixed time makes the archive's bytes depend on the data alone; 1980 is
// the earliest time a zip header can hold.
var bundleFileTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// BundleOptions selects the rows, the archive and the card of
// WriteBundle.
type BundleOptions struct {
	// Dataset selects the format, the policy and the split assignment;
	// WriteBundle sets Split itself, once per split.
	Dataset DatasetOptions
	// Archive is one of BundleArchives.
	Archive string
	Card    CardInfo
}

// Validate returns an ErrInvalid error that names the first invalid value
// and the accepted ones.
func (o BundleOptions) Validate() error {
	if !slices.Contains(BundleArchives, o.Archive) {
		return notOneOf("archive", o.Archive, BundleArchives)
	}
	d := o.Dataset
	d.Split = SplitTrain
	if err := d.Validate(); err != nil {
		return err
	}
	return o.Card.Validate()
}

// BundleFileName returns the file name of the data file of split in a
// bundle, in the Hugging Face Hub's shard naming.
func BundleFileName(split string) string {
	return "data/" + split + "-00000-of-00001" + bundleFileExt
}

// WriteBundle writes the dataset of projectID to w as an archive in the
// layout of a Hugging Face dataset repository: README.md, a dataset card
// (see WriteCard), then one data file per non-empty split under data/
// (see BundleFileName). It returns the rows of each split written.
//
// Each split is written to a temporary file first, because the card
// needs the counts and a tar header needs each file's size. So the
// project is read once per split, and the disk holds the dataset once
// while the archive is written. For the same data and options the
// archive's bytes are the same.
func WriteBundle(ctx context.Context, w io.Writer, src DatasetSource, projectID uuid.UUID,
	opts BundleOptions) ([]SplitCount, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pairwise-bundle-")
	if err != nil {
		return nil, fmt.Errorf("bundle project %s: %w", projectID, err)
	}
	defer os.RemoveAll(dir)

	// Write each split, and keep the ones with rows.
	var splits []SplitCount
	for _, split := range bundleSplits {
		counts, err := writeSplitFile(ctx, filepath.Join(dir, split), src, projectID, opts.Dataset, split)
		if err != nil {
			return nil, err
		}
		if counts.Rows > 0 {
			splits = append(splits, SplitCount{Split: split, DatasetCounts: counts})
		}
	}

	card := WriteCard(opts.Card, opts.Dataset, splits, BundleFileName)
	if err := writeArchive(w, opts.Archive, dir, card, splits); err != nil {
		return nil, fmt.Errorf("bundle project %s: %w", projectID, err)
	}
	return splits, nil
}

// writeSplitFile writes the rows of one split to a new file at path.
func writeSplitFile(ctx context.Context, path string, src DatasetSource, projectID uuid.UUID,
	opts DatasetOptions, split string) (DatasetCounts, error) {
	f, err := os.Create(path)
	if err != nil {
		return DatasetCounts{}, fmt.Errorf("bundle project %s: %w", projectID, err)
	}
	defer f.Close()
	counts, err := WriteDataset(ctx, f, src, projectID, bundleDatasetOptions(opts, split))
	if err != nil {
		return counts, err
	}
	if err := f.Close(); err != nil {
		return counts, fmt.Errorf("bundle project %s: write %s split: %w", projectID, split, err)
	}
	return counts, nil
}

// archiveWriter adds files to a zip or tar.gz stream.
type archiveWriter interface {
	add(name string, size int64, r io.Reader) error
	Close() error
}

// writeArchive writes card as README.md, then the split files of dir.
func writeArchive(w io.Writer, kind, dir string, card []byte, splits []SplitCount) error {
	var a archiveWriter
	if kind == ArchiveZip {
		a = &zipArchive{zip.NewWriter(w)}
	} else {
		a = newTarGzArchive(w)
	}
	if err := a.add("README.md", int64(len(card)), strings.NewReader(string(card))); err != nil {
		return err
	}
	for _, s := range splits {
		if err := addFile(a, BundleFileName(s.Split), filepath.Join(dir, s.Split)); err != nil {
			return err
		}
	}
	return a.Close()
}

func addFile(a archiveWriter, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	return a.add(name, info.Size(), f)
}

type zipArchive struct{ zw *zip.Writer }

func (z *zipArchive) add(name string, _ int64, r io.Reader) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: bundleFileTime}
	h.SetMode(0o644)
	fw, err := z.zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("add %s to zip: %w", name, err)
	}
	if _, err := io.Copy(fw, r); err != nil {
		return fmt.Errorf("add %s to zip: %w", name, err)
	}
	return nil
}

func (z *zipArchive) Close() error { return z.zw.Close() }

// tarGzArchive writes a gzip stream without a name or time in its header,
// so that it too depends on the content alone.
type tarGzArchive struct {
	gz *gzip.Writer
	tw *tar.Writer
}

func newTarGzArchive(w io.Writer) *tarGzArchive {
	gz := gzip.NewWriter(w)
	return &tarGzArchive{gz: gz, tw: tar.NewWriter(gz)}
}

func (t *tarGzArchive) add(name string, size int64, r io.Reader) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644,
		ModTime: bundleFileTime, Format: tar.FormatUSTAR}
	if err := t.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("add %s to tar: %w", name, err)
	}
	if _, err := io.Copy(t.tw, r); err != nil {
		return fmt.Errorf("add %s to tar: %w", name, err)
	}
	return nil
}

func (t *tarGzArchive) Close() error {
	if err := t.tw.Close(); err != nil {
		return err
	}
	return t.gz.Close()
}
