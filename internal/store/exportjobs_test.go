package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestExportJobLifecycle(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p, err := db.CreateProject(ctx, labeling.Project{Name: "jobs"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateProject(ctx, labeling.Project{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	options := []byte(`{"export": {"Format": "trl"}}`)

	job, err := db.CreateExportJob(ctx, store.ExportJob{ProjectID: p.ID, Options: options, Total: 10})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if job.Status != store.ExportQueued || job.Total != 10 || job.CreatedAt.IsZero() {
		t.Errorf("new job: got %s, total %d, created %s; want queued, 10, a time", job.Status, job.Total, job.CreatedAt)
	}
	if _, err := db.ExportJob(ctx, other.ID, job.ID); !errors.Is(err, labeling.ErrNotFound) {
		t.Errorf("job through another project: got %v, want ErrNotFound", err)
	}
	if err := db.FinishExportJob(ctx, job.ID, 1, 1, "x", "/x", 1); !errors.Is(err, labeling.ErrConflict) {
		t.Errorf("finish a queued job: got %v, want ErrConflict", err)
	}

	if err := db.StartExportJob(ctx, job.ID); err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := db.StartExportJob(ctx, job.ID); !errors.Is(err, labeling.ErrConflict) {
		t.Errorf("start twice: got %v, want ErrConflict", err)
	}
	if err := db.SetExportProgress(ctx, job.ID, 14); err != nil {
		t.Fatalf("progress: %v", err)
	}
	got, err := db.ExportJob(ctx, p.ID, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.ExportRunning || got.Processed != 14 || got.Total != 14 || got.StartedAt.IsZero() {
		t.Errorf("running job: got %s %d of %d, started %s; want running 14 of 14 with a start time",
			got.Status, got.Processed, got.Total, got.StartedAt)
	}

	if err := db.FinishExportJob(ctx, job.ID, 20, 18, "jobs.jsonl", "/tmp/jobs", 4096); err != nil {
		t.Fatalf("finish: %v", err)
	}
	got, err = db.ExportJob(ctx, p.ID, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := store.ExportJob{Status: store.ExportDone, Processed: 20, Total: 20, Rows: 18,
		FileName: "jobs.jsonl", FilePath: "/tmp/jobs", FileBytes: 4096}
	if got.Status != want.Status || got.Processed != want.Processed || got.Total != want.Total ||
		got.Rows != want.Rows || got.FileName != want.FileName || got.FilePath != want.FilePath ||
		got.FileBytes != want.FileBytes || got.FinishedAt.IsZero() || !got.Finished() {
		t.Errorf("done job: got %+v, want %+v with a finish time", got, want)
	}
	if err := db.FailExportJob(ctx, job.ID, "late"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ExportJob(ctx, p.ID, job.ID); got.Status != store.ExportDone || got.Error != "" {
		t.Errorf("failing a done job: got %s %q, want it left done", got.Status, got.Error)
	}
}

func TestFailUnfinishedExportJobs(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p, err := db.CreateProject(ctx, labeling.Project{Name: "jobs"})
	if err != nil {
		t.Fatal(err)
	}
	create := func() store.ExportJob {
		j, err := db.CreateExportJob(ctx, store.ExportJob{ProjectID: p.ID, Options: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	queued, running, done := create(), create(), create()
	for _, j := range []store.ExportJob{running, done} {
		if err := db.StartExportJob(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FinishExportJob(ctx, done.ID, 1, 1, "f", "/f", 1); err != nil {
		t.Fatal(err)
	}

	n, err := db.FailUnfinishedExportJobs(ctx, "stopped")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("jobs marked failed: got %d, want 2", n)
	}
	jobs, err := db.ExportJobs(ctx, p.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, j := range jobs {
		status[j.ID.String()] = j.Status + " " + j.Error
	}
	for id, want := range map[string]string{queued.ID.String(): "failed stopped",
		running.ID.String(): "failed stopped", done.ID.String(): "done "} {
		if status[id] != want {
			t.Errorf("job %s: got %q, want %q", id, status[id], want)
		}
	}
}
