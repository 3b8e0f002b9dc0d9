package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/server"
)

// config is the settings shared by every command. Each field is read from
// an environment variable and can be overridden by a flag.
type config struct {
	addr           string
	databaseURL    string
	dataDir        string
	pgOSUser       string
	logFormat      string
	logLevel       string
	tlsCert        string
	tlsKey         string
	secureCookies  bool
	maxUploadBytes int64
	maxLineBytes   int
	sessionTTL     time.Duration
	demo           bool
	// Export jobs: where their files go, the project size above which
	// exports become jobs, and how many run at once.
	exportDir       string
	exportThreshold int
	exportWorkers   int
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// newFlagSet registers the shared flags, with defaults from the
// environment, on a flag set named name.
func newFlagSet(name string, c *config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	def := server.DefaultConfig()
	fs.StringVar(&c.databaseURL, "database-url", env("DATABASE_URL", ""),
		"PostgreSQL URL (env DATABASE_URL); empty starts a private cluster under --data-dir")
	fs.StringVar(&c.dataDir, "data-dir", env("PAIRWISE_DATA_DIR", "data"),
		"folder for the private PostgreSQL cluster, used when no database URL is set (env PAIRWISE_DATA_DIR)")
	fs.StringVar(&c.pgOSUser, "pg-os-user", env("PAIRWISE_PG_OS_USER", ""),
		"unprivileged account that runs the private cluster when started as root (env PAIRWISE_PG_OS_USER; default postgres, else nobody)")
	fs.StringVar(&c.logFormat, "log-format", env("PAIRWISE_LOG_FORMAT", "text"),
		"log format: text or json (env PAIRWISE_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", env("PAIRWISE_LOG_LEVEL", "info"),
		"lowest log level shown: debug, info, warn or error (env PAIRWISE_LOG_LEVEL)")
	fs.IntVar(&c.maxLineBytes, "max-line-bytes", envInt("PAIRWISE_MAX_LINE_BYTES", def.MaxLineBytes),
		"largest import record (one JSONL line or array element) in bytes (env PAIRWISE_MAX_LINE_BYTES)")
	return fs
}

func envInt(name string, def int) int {
	v, err := strconv.Atoi(env(name, strconv.Itoa(def)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "server: %s=%q is not a whole number; using %d\n", name, os.Getenv(name), def)
		return def
	}
	return v
}

func envBool(name string, def bool) bool {
	v, err := strconv.ParseBool(env(name, strconv.FormatBool(def)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "server: %s=%q is not true or false; using %v\n", name, os.Getenv(name), def)
		return def
	}
	return v
}

// newLogger builds the logger that c asks for.
func (c *config) newLogger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: want text or json", c.logFormat)
}

func (c *config) clusterDir() string { return filepath.Join(c.dataDir, "postgres") }

func (c *config) ingestOptions() ingest.Options {
	return ingest.Options{MaxLineBytes: c.maxLineBytes}
}
