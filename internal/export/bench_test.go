package export_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// benchRows is the number of judged comparisons of BenchmarkExport1M.
var benchRows = flag.Int("export-rows", 1_000_000,
	"judged comparisons that BenchmarkExport1M fills its project with")

// fillJudgedSQL creates $2 single-turn comparisons in project $1, each
// with one judgment by one of the 20 annotators whose ids are in $3, with
// generate_series. Prompts are about 120 bytes and responses about 400,
// the size of a short chat reply.
const fillJudgedSQL = `
WITH p AS (
	INSERT INTO prompts (id, project_id, messages, content_hash)
	SELECT gen_random_uuid(), $1,
		jsonb_build_array(jsonb_build_object('role', 'user',
			'content', 'Question ' || i || ': ' || repeat('how does this work? ', 5))),
		sha256(convert_to('prompt ' || i, 'UTF8'))
	FROM generate_series(1, $2) AS i
	RETURNING id
), r AS (
	INSERT INTO responses (id, prompt_id, content, content_hash)
	SELECT gen_random_uuid(), p.id, side || ' answer: ' || repeat('It works like this. ', 20),
		sha256(convert_to(side || p.id::text, 'UTF8'))
	FROM p, (VALUES ('a'), ('b')) AS s(side)
	RETURNING id, prompt_id, content
)
INSERT INTO comparisons (id, project_id, prompt_id, response_a_id, response_b_id, judgment_count)
SELECT gen_random_uuid(), $1, ra.prompt_id, ra.id, rb.id, 1
FROM r ra JOIN r rb ON rb.prompt_id = ra.prompt_id
WHERE ra.content LIKE 'a answer%' AND rb.content LIKE 'b answer%'`

// judgeAllSQL gives every comparison of project $1 one submitted
// assignment and one judgment that prefers response a, by annotator
// $2[seq % 20 + 1].
const judgeAllSQL = `
WITH a AS (
	INSERT INTO assignments (id, comparison_id, annotator_id, left_response_id,
		shown_at, expires_at, submitted_at)
	SELECT gen_random_uuid(), c.id, ($2::uuid[])[c.seq % 20 + 1], c.response_a_id,
		now() - interval '1 minute', now(), now()
	FROM comparisons c WHERE c.project_id = $1
	RETURNING id, comparison_id, annotator_id, left_response_id, shown_at
)
INSERT INTO judgments (id, comparison_id, annotator_id, assignment_id, verdict,
	preferred_response_id, strength, left_response_id, shown_at)
SELECT gen_random_uuid(), a.comparison_id, a.annotator_id, a.id, 'preferred',
	a.left_response_id, 'clearly', a.left_response_id, a.shown_at
FROM a`

// copySQL selects the columns that EachComparisonVotes scans, for the
// COPY baseline.
var copySQL = "COPY (" + store.ComparisonVotesSQL + ") TO STDOUT"

// BenchmarkExport1M exports a project of -export-rows judged comparisons
// (default 1,000,000) as TRL JSONL and as TRL Parquet. As the baseline it
// copies the same query's rows out of PostgreSQL with COPY TO STDOUT. Each run reports
// rows/s, the peak of the Go heap sampled every 10 ms (peak_heap_MB) and
// the process's peak resident set (VmHWM, reset before each run). Run it
// with
//
//	go test ./internal/export/ -run '^$' -bench Export1M -benchtime 1x -timeout 60m
//
// and add -args -export-rows 10000 for a small project.
func BenchmarkExport1M(b *testing.B) {
	ctx := context.Background()
	db := storetest.New(b)
	p := fillBenchProject(b, db, *benchRows)

	b.Run("copy", func(b *testing.B) {
		benchExport(b, *benchRows, func() (int, error) { return copyOut(ctx, db, p.ID) })
	})
	for _, format := range benchFormats {
		b.Run(format.name, func(b *testing.B) {
			benchExport(b, *benchRows, func() (int, error) {
				n, err := export.WriteDataset(ctx, io.Discard, db, p.ID, format.opts)
				return n.Rows, err
			})
		})
	}
}

// benchFormats are the exports that BenchmarkExport1M times.
var benchFormats = []struct {
	name string
	opts export.DatasetOptions
}{
	{"trl-jsonl", export.DatasetOptions{Format: export.FormatTRL}},
	{"trl-parquet", export.DatasetOptions{Format: export.FormatTRL, File: export.FileParquet}},
}

func fillBenchProject(tb testing.TB, db *store.DB, size int) labeling.Project {
	tb.Helper()
	ctx := context.Background()
	p, err := db.CreateProject(ctx, labeling.Project{Name: "export benchmark", JudgmentsWanted: 1})
	if err != nil {
		tb.Fatal(err)
	}
	annotators := make([]string, 20)
	for i := range annotators {
		u, err := db.CreateUser(ctx, fmt.Sprintf("bench%d@example.test", i), labeling.UserAnnotator, "x")
		if err != nil {
			tb.Fatal(err)
		}
		annotators[i] = u.ID.String()
	}

	start := time.Now()
	if _, err := db.Pool().Exec(ctx, fillJudgedSQL, p.ID, size); err != nil {
		tb.Fatalf("fill project: %v", err)
	}
	if _, err := db.Pool().Exec(ctx, judgeAllSQL, p.ID, annotators); err != nil {
		tb.Fatalf("judge project: %v", err)
	}
	if _, err := db.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("filled %d judged comparisons in %s", size, time.Since(start).Round(time.Second))
	return p
}

// copyOut runs copySQL for project projectID into io.Discard and returns
// the rows copied. COPY takes no parameters, so the id goes in as a
// literal.
func copyOut(ctx context.Context, db *store.DB, projectID uuid.UUID) (int, error) {
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	sql := strings.ReplaceAll(copySQL, "$1", "'"+projectID.String()+"'::uuid")
	tag, err := conn.Conn().PgConn().CopyTo(ctx, io.Discard, sql)
	return int(tag.RowsAffected()), err
}

// benchExport times run, which must return want rows, and reports its
// speed and memory.
func benchExport(b *testing.B, want int, run func() (int, error)) {
	runtime.GC()
	resetPeakRSS(b)
	stop := sampleHeap()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		n, err := run()
		if err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("rows: got %d, want %d", n, want)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	peakHeap := stop()

	b.ReportMetric(float64(want*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak_heap_MB")
	if hwm, ok := peakRSS(); ok {
		b.ReportMetric(float64(hwm)/(1<<20), "VmHWM_MB")
	}
}

// sampleHeap samples the bytes of heap objects, live or not yet swept,
// every 10 ms until the returned function is called, which returns the
// largest sample.
func sampleHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// resetPeakRSS resets the process's VmHWM, which Linux allows by writing
// 5 to /proc/self/clear_refs.
func resetPeakRSS(tb testing.TB) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Logf("reset VmHWM: %v; the VmHWM_MB metric covers the whole process", err)
	}
}

// peakRSS returns VmHWM from /proc/self/status in bytes.
func peakRSS() (uint64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(value, "kB")), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}
