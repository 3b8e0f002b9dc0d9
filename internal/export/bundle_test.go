package export_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// archiveFile is one file read back from a bundle.
type archiveFile struct {
	name     string
	data     []byte
	modified time.Time
}

// readArchive returns the files of a zip or tar.gz archive in order.
func readArchive(tb testing.TB, kind string, data []byte) []archiveFile {
	tb.Helper()
	var files []archiveFile
	switch kind {
	case export.ArchiveZip:
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			tb.Fatalf("open zip: %v", err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				tb.Fatalf("open %s: %v", f.Name, err)
			}
			body, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				tb.Fatalf("read %s: %v", f.Name, err)
			}
			files = append(files, archiveFile{f.Name, body, f.Modified})
		}
	case export.ArchiveTarGz:
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("open gzip: %v", err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				tb.Fatalf("read tar: %v", err)
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				tb.Fatalf("read %s: %v", h.Name, err)
			}
			files = append(files, archiveFile{h.Name, body, h.ModTime})
		}
	}
	return files
}

func writeBundle(tb testing.TB, db *store.DB, p labeling.Project, opts export.BundleOptions) ([]byte, []export.SplitCount) {
	tb.Helper()
	var buf bytes.Buffer
	splits, err := export.WriteBundle(context.Background(), &buf, db, p.ID, opts)
	if err != nil {
		tb.Fatalf("WriteBundle %+v: %v", opts, err)
	}
	return buf.Bytes(), splits
}

// bundleTestOptions splits the dataset fixture's prompts so that train
// and test both get rows and validation none.
func bundleTestOptions(archive string) export.BundleOptions {
	return export.BundleOptions{
		Archive: archive,
		Dataset: export.DatasetOptions{Format: export.FormatTRL, Seed: "seed-1",
			Ratios: export.SplitRatios{Train: 0.5, Test: 0.5}},
		Card: export.CardInfo{Name: `Sky "colours"`, License: "cc-by-4.0", Languages: []string{"en", "de"},
			Annotators: 9, Judgments: 11},
	}
}

func TestWriteBundleLayout(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)

	for _, archive := range export.BundleArchives {
		t.Run(archive, func(t *testing.T) {
			opts := bundleTestOptions(archive)
			data, splits := writeBundle(t, db, p, opts)
			files := readArchive(t, archive, data)

			// The archive holds the card, then one file per split with rows.
			wantNames := []string{"README.md"}
			var wantSplits []string
			for _, split := range []string{export.SplitTrain, export.SplitValidation, export.SplitTest} {
				o := opts.Dataset
				o.Split = split
				if lines, _ := writeDataset(t, db, p, o); len(lines) > 0 {
					wantNames = append(wantNames, export.BundleFileName(split))
					wantSplits = append(wantSplits, split)
				}
			}
			var names, gotSplits []string
			for _, f := range files {
				names = append(names, f.name)
			}
			for _, s := range splits {
				gotSplits = append(gotSplits, s.Split)
			}
			if !slices.Equal(names, wantNames) {
				t.Errorf("files: got %v, want %v", names, wantNames)
			}
			if !slices.Equal(gotSplits, wantSplits) || len(wantSplits) != 2 {
				t.Errorf("splits: got %v, want %v (train and test)", gotSplits, wantSplits)
			}
			for _, f := range files {
				if !f.modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("%s: modified %s, want 1980-01-01 00:00 UTC", f.name, f.modified)
				}
			}
			checkBundleData(t, db, p, opts, files[1:], splits)
			checkCardHeader(t, string(files[0].data), opts, splits)

			again, _ := writeBundle(t, db, p, opts)
			if !bytes.Equal(again, data) {
				t.Errorf("a second bundle of the same project differs: %d and %d bytes", len(again), len(data))
			}
		})
	}
}

// checkBundleData compares each Parquet data file with WriteDataset's
// JSONL rows of its split. The fixture has a multi-turn prompt, so the
// Parquet files hold the conversational form.
func checkBundleData(tb testing.TB, db *store.DB, p labeling.Project, opts export.BundleOptions,
	files []archiveFile, splits []export.SplitCount) {
	tb.Helper()
	if len(files) != len(splits) {
		tb.Fatalf("data files: got %d, want one per split, %d", len(files), len(splits))
	}
	for i, s := range splits {
		o := opts.Dataset
		o.Split = s.Split
		o.Conversational = true
		lines, _ := writeDataset(tb, db, p, o)
		var want []string
		for _, line := range lines {
			var row map[string]any
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				tb.Fatalf("decode %s: %v", line, err)
			}
			want = append(want, jsonOf(tb, row))
		}
		got := parquetRows(tb, files[i])
		if !slices.Equal(got, want) {
			tb.Errorf("%s rows:\ngot  %q\nwant %q", files[i].name, got, want)
		}
		if s.Rows != len(want) {
			tb.Errorf("%s: counted %d rows, want %d", s.Split, s.Rows, len(want))
		}
	}
}

// parquetRows returns the rows of a Parquet file as JSON objects with
// sorted keys.
func parquetRows(tb testing.TB, f archiveFile) []string {
	tb.Helper()
	file, err := parquet.OpenFile(bytes.NewReader(f.data), int64(len(f.data)))
	if err != nil {
		tb.Fatalf("open %s as Parquet: %v", f.name, err)
	}
	rows := make([]map[string]any, file.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	n, err := parquet.NewGenericReader[map[string]any](file, file.Schema()).Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		tb.Fatalf("read %s: %v", f.name, err)
	}
	var out []string
	for _, row := range rows[:n] {
		out = append(out, jsonOf(tb, row))
	}
	return out
}

func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("encode %v: %v", v, err)
	}
	return string(out)
}

// checkCardHeader compares the YAML header of card with the one that
// opts and splits give.
func checkCardHeader(tb testing.TB, card string, opts export.BundleOptions, splits []export.SplitCount) {
	tb.Helper()
	header, body, ok := strings.Cut(strings.TrimPrefix(card, "---\n"), "\n---\n")
	if !strings.HasPrefix(card, "---\n") || !ok {
		tb.Fatalf("card does not start with a --- delimited YAML header:\n%s", card)
	}
	want := `license: cc-by-4.0
language:
- en
- de
task_categories:
- text-generation
tags:
- human-feedback
- pairwise
- preference
- dpo
- rlhf
- trl
size_categories:
- n<1K
pretty_name: "Sky \"colours\""
configs:
- config_name: default
  data_files:
`
	for _, s := range splits {
		want += "  - split: " + s.Split + "\n    path: " + export.BundleFileName(s.Split) + "\n"
	}
	if header+"\n" != want {
		tb.Errorf("card header:\ngot\n%s\nwant\n%s", header, want)
	}
	for _, s := range splits {
		if !strings.Contains(body, "| "+s.Split+" | ") {
			tb.Errorf("card body has no count for %s:\n%s", s.Split, body)
		}
	}
}

func TestWriteCardBody(t *testing.T) {
	info := export.CardInfo{Name: "Class | 2026", Annotators: 3, Judgments: 120,
		FirstJudgment: time.Date(2026, 3, 1, 23, 30, 0, 0, time.FixedZone("X", -2*3600)),
		LastJudgment:  time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC),
		Agreement: []export.AgreementStat{
			{Name: "Krippendorff's alpha (verdicts)", Value: 0.61234, N: 40, Unit: "comparisons", OK: true},
			{Name: "Fleiss' kappa", N: 0, Unit: "comparisons"},
		}}
	opts := export.DatasetOptions{Format: export.FormatReward, Policy: export.PolicyStrength, MinVotes: 2,
		Metadata: true, Seed: "s1", Ratios: export.SplitRatios{Train: 0.8, Validation: 0.1, Test: 0.1}}
	splits := []export.SplitCount{{Split: "train", DatasetCounts: export.DatasetCounts{Rows: 1500, Skipped: 2}},
		{Split: "test", DatasetCounts: export.DatasetCounts{Rows: 200}}}
	card := string(export.WriteCard(info, opts, splits, export.BundleFileName))

	for _, want := range []string{
		"license: unknown\n",
		"language:\n- en\n",
		"task_categories:\n- text-generation\n- text-classification\n",
		"- reward-modeling\n",
		"size_categories:\n- 1K<n<10K\n",
		"# Class \\| 2026\n",
		"| train | 1500 | 2 |\n",
		"| test | 200 | 0 |\n",
		"- annotators: 3\n",
		"- judgments: 120\n",
		"- judged between 2026-03-02 and 2026-03-09 (UTC)\n",
		"| Krippendorff's alpha (verdicts) | 0.612 | 40 comparisons |\n",
		"| Fleiss' kappa | too few overlapping judgments | 0 comparisons |\n",
		"| aggregation policy | `strength` |\n",
		"| minimum votes per comparison | 2 |\n",
		"| split seed | `s1` |\n",
		"| split ratios (train / validation / test) | 0.8 / 0.1 / 0.1 |\n",
		"| `margin` | float64 |",
		"| `metadata` | {comparison_id: string,",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
}

func TestWriteBundleRejectsOptions(t *testing.T) {
	db := storetest.New(t)
	tests := []struct {
		name string
		edit func(*export.BundleOptions)
		want string
	}{
		{"archive", func(o *export.BundleOptions) { o.Archive = "rar" }, `archive "rar"`},
		{"format", func(o *export.BundleOptions) { o.Dataset.Format = "csv" }, `export format "csv"`},
		{"license", func(o *export.BundleOptions) { o.Card.License = "MIT\nx: y" }, `license "MIT\nx: y"`},
		{"language", func(o *export.BundleOptions) { o.Card.Languages = []string{"english"} }, `language "english"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := bundleTestOptions(export.ArchiveZip)
			tt.edit(&opts)
			var buf bytes.Buffer
			_, err := export.WriteBundle(context.Background(), &buf, db, [16]byte{1}, opts)
			if !errors.Is(err, labeling.ErrInvalid) {
				t.Fatalf("error: got %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before rejecting the options", buf.Len())
			}
		})
	}
}
