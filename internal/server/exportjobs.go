package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/quality"
	"github.com/pairwise/pairwise/internal/store"
)

// Defaults of the export job settings in Config.
const (
	DefaultExportJobThreshold = 20_000
	DefaultExportWorkers      = 1
	DefaultExportQueue        = 16
)

// exportProgressInterval is how often a running job stores its progress.
const exportProgressInterval = 500 * time.Millisecond

// interruptedMessage is the error of jobs that a stop or crash of the
// server interrupted.
const interruptedMessage = "the server stopped while this export was queued or running; start it again"

// exportJobRequest is the export that a job runs, stored as the job's
// options.
type exportJobRequest struct {
	Export ExportOptions `json:"export"`
	Bundle BundleRequest `json:"bundle"`
}

// fileName returns the download name of the job's file for project p.
func (req exportJobRequest) fileName(p labeling.Project, day time.Time) string {
	if req.Bundle.Archive != "" {
		return req.Bundle.FileName(p, req.Export, day)
	}
	return fmt.Sprintf("%s-%s-%s%s", slug(p.Name), req.Export.Format, day.UTC().Format("20060102"),
		req.Export.FileOptions().Extension())
}

// exportRunner runs export jobs in a fixed number of workers that take
// job ids from a bounded queue.
type exportRunner struct {
	db      *store.DB
	log     *slog.Logger
	dir     string
	workers int
	queue   chan uuid.UUID
}

func newExportRunner(db *store.DB, logger *slog.Logger, cfg Config) *exportRunner {
	return &exportRunner{db: db, log: logger, dir: cfg.ExportDir, workers: max(cfg.ExportWorkers, 1),
		queue: make(chan uuid.UUID, max(cfg.ExportQueue, 1))}
}

// FailInterruptedExportJobs marks the jobs that an earlier run of the
// server left queued or running as failed. A server calls it once at
// start-up, before RunExportJobs.
//
// NOTE: Job files live on this server's disk and start-up fails every
// unfinished job in the database, so several server instances must not
// share one database while they run export jobs.
func (s *Server) FailInterruptedExportJobs(ctx context.Context) error {
	n, err := s.db.FailUnfinishedExportJobs(ctx, interruptedMessage)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Warn("export jobs interrupted by a restart marked failed", "count", n)
	}
	return nil
}

// RunExportJobs creates the export folder and starts the workers, which
// run until ctx ends. Jobs created before it is called wait in the queue.
//
// TODO: Delete the files of old jobs. They stay in the folder, also
// after their project is deleted, until an operator removes them.
func (s *Server) RunExportJobs(ctx context.Context) error {
	x := s.exports
	if err := os.MkdirAll(x.dir, 0o750); err != nil {
		return fmt.Errorf("create export folder: %w", err)
	}
	for range x.workers {
		go x.work(ctx)
	}
	x.log.Info("export jobs ready", "dir", x.dir, "workers", x.workers)
	return nil
}

// enqueue hands job id to the workers. When the queue is full it marks
// the job failed and returns an ErrConflict error.
func (x *exportRunner) enqueue(ctx context.Context, id uuid.UUID) error {
	select {
	case x.queue <- id:
		return nil
	default:
	}
	msg := fmt.Sprintf("%d export jobs are already waiting; try again when one has finished", cap(x.queue))
	if err := x.db.FailExportJob(ctx, id, msg); err != nil {
		return err
	}
	return labeling.Errorf(labeling.ErrConflict, "%s", msg)
}

func (x *exportRunner) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-x.queue:
			x.run(ctx, id)
		}
	}
}

// run runs job id and records how it ended. A job cut short by the end
// of ctx is marked failed.
func (x *exportRunner) run(ctx context.Context, id uuid.UUID) {
	if err := x.db.StartExportJob(ctx, id); err != nil {
		x.log.Warn("export job not started", "job_id", id, "error", err)
		return
	}
	start := time.Now()
	job, err := x.export(ctx, id)
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil {
			msg = "the server stopped during this export; start it again"
		}
		x.log.Error("export job failed", "job_id", id, "error", err)
		if err := x.db.FailExportJob(context.WithoutCancel(ctx), id, msg); err != nil {
			x.log.Error("mark export job failed", "job_id", id, "error", err)
		}
		return
	}
	x.log.Info("export job finished", "job_id", id, "project_id", job.ProjectID,
		"rows", job.Rows, "bytes", job.FileBytes, "seconds", time.Since(start).Seconds())
}

// export writes the file of running job id and marks the job done.
func (x *exportRunner) export(ctx context.Context, id uuid.UUID) (store.ExportJob, error) {
	job, p, req, err := x.load(ctx, id)
	if err != nil {
		return job, err
	}
	path := filepath.Join(x.dir, id.String())
	f, err := os.Create(path + ".part")
	if err != nil {
		return job, fmt.Errorf("create export file: %w", err)
	}
	defer os.Remove(path + ".part")
	defer f.Close()

	src := &countingSource{DB: x.db}
	stop := x.reportProgress(ctx, id, &src.n)
	rows, err := req.write(ctx, src, f, p)
	stop()
	if err != nil {
		return job, err
	}
	if err := f.Close(); err != nil {
		return job, fmt.Errorf("write export file: %w", err)
	}
	if err := os.Rename(path+".part", path); err != nil {
		return job, fmt.Errorf("store export file: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return job, err
	}

	job.Rows, job.FileBytes = int64(rows), info.Size()
	err = x.db.FinishExportJob(ctx, id, src.n.Load(), job.Rows, req.fileName(p, job.CreatedAt), path,
		job.FileBytes)
	return job, err
}

// load returns job id, its project and its request.
func (x *exportRunner) load(ctx context.Context, id uuid.UUID) (store.ExportJob, labeling.Project,
	exportJobRequest, error) {
	var req exportJobRequest
	job, err := x.db.ExportJobByID(ctx, id)
	if err != nil {
		return job, labeling.Project{}, req, err
	}
	p, err := x.db.Project(ctx, job.ProjectID)
	if err != nil {
		return job, p, req, err
	}
	if err := json.Unmarshal(job.Options, &req); err != nil {
		return job, p, req, fmt.Errorf("decode options of export job %s: %w", id, err)
	}
	return job, p, req, nil
}

// write runs the export of req into f and returns the rows written.
func (req exportJobRequest) write(ctx context.Context, src ExportSource, f *os.File,
	p labeling.Project) (int, error) {
	if req.Bundle.Archive != "" {
		splits, err := ExportBundle(ctx, src, f, p, req.Export, req.Bundle)
		rows := 0
		for _, s := range splits {
			rows += s.Rows
		}
		return rows, err
	}
	n, err := Export(ctx, src, f, p, req.Export)
	return n.Rows, err
}

// reportProgress stores *n as job id's progress every
// exportProgressInterval until the returned function is called.
func (x *exportRunner) reportProgress(ctx context.Context, id uuid.UUID, n *atomic.Int64) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(exportProgressInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := x.db.SetExportProgress(ctx, id, n.Load()); err != nil && ctx.Err() == nil {
				x.log.Error("store export progress", "job_id", id, "error", err)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// countingSource counts every comparison, judgment and response that an
// export reads through it, for a job's progress.
type countingSource struct {
	*store.DB
	n atomic.Int64
}

func (c *countingSource) EachComparisonVotes(ctx context.Context, projectID uuid.UUID,
	fn func(store.ComparisonVotes) error) error {
	return c.DB.EachComparisonVotes(ctx, projectID, func(v store.ComparisonVotes) error {
		c.n.Add(1)
		return fn(v)
	})
}

func (c *countingSource) EachPreference(ctx context.Context, projectID uuid.UUID,
	fn func(labeling.Preference) error) error {
	return c.DB.EachPreference(ctx, projectID, func(p labeling.Preference) error {
		c.n.Add(1)
		return fn(p)
	})
}

func (c *countingSource) EachJudgment(ctx context.Context, projectID uuid.UUID,
	fn func(labeling.Judgment) error) error {
	return c.DB.EachJudgment(ctx, projectID, func(j labeling.Judgment) error {
		c.n.Add(1)
		return fn(j)
	})
}

func (c *countingSource) EachResponseRatings(ctx context.Context, projectID uuid.UUID,
	fn func(store.ResponseRatings) error) error {
	return c.DB.EachResponseRatings(ctx, projectID, func(r store.ResponseRatings) error {
		c.n.Add(1)
		return fn(r)
	})
}

// EachRating is not counted: it computes the card of a bundle, which the
// estimate in exportTotal leaves out.
func (c *countingSource) EachRating(ctx context.Context, projectID uuid.UUID,
	fn func(quality.Rating) error) error {
	return c.DB.EachRating(ctx, projectID, fn)
}

// exportTotal estimates the items that the export of req reads from a
// project with labelled comparisons and judgments: every read of the
// comparisons counts them once. The progress bar's end grows when the
// estimate was short.
func exportTotal(req exportJobRequest, labelled, judgments int64) int64 {
	if req.Export.Format == ExportJudgments {
		return judgments
	}
	reads := int64(1)
	if req.Export.Policy == export.PolicyDawidSkene {
		reads++
	}
	if req.Bundle.Archive != "" {
		reads *= 3 // one pass per split
	}
	return labelled * reads
}

// startExportJob creates a job for req on project p by user and queues it.
func (s *Server) startExportJob(ctx context.Context, p labeling.Project, user uuid.UUID,
	req exportJobRequest) (store.ExportJob, error) {
	labelled, err := s.db.CountLabelledComparisons(ctx, p.ID)
	if err != nil {
		return store.ExportJob{}, err
	}
	stats, err := s.db.ProjectStats(ctx, p.ID)
	if err != nil {
		return store.ExportJob{}, err
	}
	options, err := json.Marshal(req)
	if err != nil {
		return store.ExportJob{}, fmt.Errorf("encode export job options: %w", err)
	}
	job, err := s.db.CreateExportJob(ctx, store.ExportJob{ProjectID: p.ID, CreatedBy: user,
		Options: options, Total: exportTotal(req, labelled, int64(stats.Judgments))})
	if err != nil {
		return job, err
	}
	if err := s.exports.enqueue(ctx, job.ID); err != nil {
		return job, err
	}
	s.log.Info("export job queued", "job_id", job.ID, "project_id", p.ID, "format", req.Export.Format,
		"bundle", req.Bundle.Archive)
	return job, nil
}
