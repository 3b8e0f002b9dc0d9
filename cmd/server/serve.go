package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
)

func serve(ctx context.Context, args []string) error {
	var c config
	fs := newFlagSet("serve", &c)
	def := server.DefaultConfig()
	fs.StringVar(&c.addr, "addr", env("PAIRWISE_ADDR", "127.0.0.1:8080"),
		"address to listen on (env PAIRWISE_ADDR)")
	fs.StringVar(&c.tlsCert, "tls-cert", env("PAIRWISE_TLS_CERT", ""),
		"TLS certificate file; with --tls-key serves HTTPS (env PAIRWISE_TLS_CERT)")
	fs.StringVar(&c.tlsKey, "tls-key", env("PAIRWISE_TLS_KEY", ""), "TLS key file (env PAIRWISE_TLS_KEY)")
	fs.BoolVar(&c.secureCookies, "secure-cookies", envBool("PAIRWISE_SECURE_COOKIES", false),
		"mark session cookies Secure over plain HTTP too, behind a TLS proxy (env PAIRWISE_SECURE_COOKIES)")
	fs.Int64Var(&c.maxUploadBytes, "max-upload-bytes", int64(envInt("PAIRWISE_MAX_UPLOAD_BYTES", int(def.MaxUploadBytes))),
		"largest import upload in bytes (env PAIRWISE_MAX_UPLOAD_BYTES)")
	fs.DurationVar(&c.sessionTTL, "session-ttl", def.SessionTTL, "how long a login lasts (env PAIRWISE_SESSION_TTL)")
	if v := env("PAIRWISE_SESSION_TTL", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("invalid PAIRWISE_SESSION_TTL %q: want a duration such as 336h or 30m", v)
		}
		c.sessionTTL = d
	}
	fs.BoolVar(&c.demo, "demo", envBool("PAIRWISE_DEMO", false),
		"load the demo project and demo accounts, and print how to log in (env PAIRWISE_DEMO)")
	fs.StringVar(&c.exportDir, "export-dir", env("PAIRWISE_EXPORT_DIR", ""),
		"folder for the files of background exports (env PAIRWISE_EXPORT_DIR; default exports under --data-dir)")
	fs.IntVar(&c.exportThreshold, "export-job-threshold",
		envInt("PAIRWISE_EXPORT_JOB_THRESHOLD", int(def.ExportJobThreshold)),
		"labelled comparisons above which an export runs in the background (env PAIRWISE_EXPORT_JOB_THRESHOLD)")
	fs.IntVar(&c.exportWorkers, "export-workers", envInt("PAIRWISE_EXPORT_WORKERS", def.ExportWorkers),
		"background exports that run at once (env PAIRWISE_EXPORT_WORKERS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.exportDir == "" {
		c.exportDir = filepath.Join(c.dataDir, "exports")
	}
	if c.exportThreshold < 0 || c.exportWorkers < 1 {
		return fmt.Errorf("invalid --export-job-threshold %d or --export-workers %d: "+
			"want a threshold of 0 or more and at least 1 worker", c.exportThreshold, c.exportWorkers)
	}
	if c.sessionTTL < time.Minute {
		return fmt.Errorf("invalid --session-ttl %s: want at least 1m", c.sessionTTL)
	}
	if c.maxUploadBytes < 1 || c.maxLineBytes < 1 {
		return fmt.Errorf("invalid --max-upload-bytes %d or --max-line-bytes %d: both must be positive",
			c.maxUploadBytes, c.maxLineBytes)
	}

	logger, err := c.newLogger()
	if err != nil {
		return err
	}
	db, closeDB, err := openDatabase(ctx, &c, logger)
	if err != nil {
		return err
	}
	defer closeDB()

	if c.demo {
		if err := loadDemo(ctx, db, logger); err != nil {
			return err
		}
	}
	cfg := server.Config{SecureCookies: c.secureCookies, SessionTTL: c.sessionTTL,
		MaxUploadBytes: c.maxUploadBytes, MaxLineBytes: c.maxLineBytes,
		ExportJobThreshold: int64(c.exportThreshold), ExportDir: c.exportDir,
		ExportWorkers: c.exportWorkers, ExportQueue: def.ExportQueue}
	srv := server.New(db, logger, cfg)
	if err := srv.FailInterruptedExportJobs(ctx); err != nil {
		return err
	}
	if err := srv.RunExportJobs(ctx); err != nil {
		return err
	}
	return listen(ctx, &c, srv, db, logger)
}

// listen serves until ctx is cancelled, then gives requests in flight up
// to 20 seconds to finish.
func listen(ctx context.Context, c *config, h http.Handler, db *store.DB, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}

	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/", scheme, ln.Addr())
	logger.Info("listening", "url", url)
	if c.demo {
		printDemoLogins(url)
	}
	go sweepSessions(ctx, db, logger)

	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- srv.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// sweepSessions deletes expired sessions every hour until ctx ends.
func sweepSessions(ctx context.Context, db *store.DB, logger *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := db.DeleteExpiredSessions(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Error("delete expired sessions", "error", err)
		} else if n > 0 {
			logger.Info("expired sessions deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
