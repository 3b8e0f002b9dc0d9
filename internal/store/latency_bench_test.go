package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// fillProjectSQL creates $2 single-turn comparisons in project $1 with
// generate_series, far faster than importing them row by row.
const fillProjectSQL = `
WITH p AS (
	INSERT INTO prompts (id, project_id, messages, content_hash)
	SELECT gen_random_uuid(), $1,
		jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'prompt ' || i)),
		sha256(convert_to('prompt ' || i, 'UTF8'))
	FROM generate_series(1, $2) AS i
	RETURNING id
), r AS (
	INSERT INTO responses (id, prompt_id, content, content_hash)
	SELECT gen_random_uuid(), p.id, side || ' answer', sha256(convert_to(side, 'UTF8'))
	FROM p, (VALUES ('a'), ('b')) AS s(side)
	RETURNING id, prompt_id, content
)
INSERT INTO comparisons (id, project_id, prompt_id, response_a_id, response_b_id)
SELECT gen_random_uuid(), $1, ra.prompt_id, ra.id, rb.id
FROM r ra JOIN r rb ON rb.prompt_id = ra.prompt_id
WHERE ra.content = 'a answer' AND rb.content = 'b answer'`

// BenchmarkNextComparison measures how long leasing the next comparison
// takes as a project grows. Each iteration is one annotator (of 100, in
// turn) leasing a comparison and submitting a verdict, the cycle of a
// labeling session; only the lease is timed. Run it with
//
//	go test ./internal/store/ -run '^$' -bench NextComparison -benchtime 2000x
func BenchmarkNextComparison(b *testing.B) {
	for _, size := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("comparisons=%d", size), func(b *testing.B) {
			benchNextComparison(b, size)
		})
	}
}

func benchNextComparison(b *testing.B, size int) {
	ctx := context.Background()
	db := storetest.New(b)
	p, err := db.CreateProject(ctx, labeling.Project{Name: "latency", JudgmentsWanted: 3})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, fillProjectSQL, p.ID, size); err != nil {
		b.Fatalf("fill project: %v", err)
	}
	if _, err := db.Pool().Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	annotators := make([]uuid.UUID, 100)
	for i := range annotators {
		u, err := db.CreateUser(ctx, fmt.Sprintf("a%d@example.test", i), labeling.UserAnnotator, "x")
		if err != nil {
			b.Fatal(err)
		}
		annotators[i] = u.ID
	}

	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		a, err := db.NextAssignment(ctx, p, annotators[i%len(annotators)])
		latencies = append(latencies, time.Since(start))
		if err != nil {
			b.Fatalf("lease %d: %v", i, err)
		}
		b.StopTimer()
		benchSubmit(b, db, annotators[i%len(annotators)], a)
		b.StartTimer()
	}
	b.StopTimer()

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99_ms")
}

func benchSubmit(b *testing.B, db *store.DB, annotator uuid.UUID, a labeling.Assignment) {
	b.Helper()
	vote := labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred, Preferred: a.Left.ID}
	if _, _, err := db.Submit(context.Background(), annotator, vote); err != nil {
		b.Fatalf("submit: %v", err)
	}
}
