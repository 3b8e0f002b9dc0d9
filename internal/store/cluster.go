package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoPostgres is returned by FindPostgres when no PostgreSQL server
// binaries are installed. Its message names the three ways out.
var ErrNoPostgres = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) " +
	"found on PATH or under /usr/lib/postgresql/*/bin; either install " +
	"PostgreSQL (Debian: apt-get install postgresql), set DATABASE_URL to " +
	"an existing database, or run `docker compose up`")

// clusterPort is the port number in the socket file's name. The cluster
// listens on no TCP address, so it cannot clash with another server.
const clusterPort = 5432

// maxSocketPath is the longest Unix socket path Linux accepts, less one.
const maxSocketPath = 107

// Cluster is a private PostgreSQL cluster in a data folder of its own,
// reachable only over a Unix socket in that folder.
type Cluster struct {
	// Dir is the data folder; it is created on first start.
	Dir string
	// BinDir holds initdb and pg_ctl.
	BinDir string
	// OSUser is the unprivileged account that runs PostgreSQL when the
	// process is root; empty means "postgres", or "nobody" without one.
	OSUser string
	// Fast turns off fsync and synchronous commits: for throwaway test
	// clusters only, because a crash can then lose committed data.
	Fast bool
	// Logger receives start and stop messages.
	Logger *slog.Logger

	socketDir string
	cred      *syscall.Credential
	owned     bool // started by us, so Stop stops it
}

// postgresBinGlob matches the server binaries of Debian's and Ubuntu's
// PostgreSQL packages, one folder per major version.
var postgresBinGlob = "/usr/lib/postgresql/*/bin"

// FindPostgres returns the folder that holds initdb and pg_ctl: the one on
// PATH, or else the newest /usr/lib/postgresql/*/bin.
func FindPostgres() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(postgresBinGlob)
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// Start initialises the data folder when it is empty and starts the
// server. When a server from an earlier run is still running on the same
// folder, Start reuses it and Stop leaves it running.
func (c *Cluster) Start(ctx context.Context) error {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		return fmt.Errorf("resolve data folder %s: %w", c.Dir, err)
	}
	c.Dir = dir
	if err := c.prepare(); err != nil {
		return err
	}

	if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err != nil {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}

	// A server left running by an earlier process is reused as it is.
	if err := c.pgctl(ctx, "status"); err == nil {
		c.Logger.Info("reusing running postgres", "data_dir", c.Dir)
		return nil
	}

	logFile := filepath.Join(c.Dir, "postgres.log")
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -p %d",
		c.socketDir, clusterPort)
	if c.Fast {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if err := c.pgctl(ctx, "start", "-w", "-t", "60", "-l", logFile, "-o", opts); err != nil {
		return fmt.Errorf("start postgres in %s (log: %s): %w", c.Dir, logFile, err)
	}
	c.owned = true
	c.Logger.Info("postgres started", "data_dir", c.Dir, "socket_dir", c.socketDir)
	return nil
}

// prepare creates the data and socket folders and, when running as root,
// picks the unprivileged account and hands it the folders.
func (c *Cluster) prepare() error {
	c.socketDir = c.Dir
	if len(c.Dir)+len("/.s.PGSQL.5432") > maxSocketPath {
		sum := sha256.Sum256([]byte(c.Dir))
		c.socketDir = filepath.Join(os.TempDir(), "pairwise-pg-"+hex.EncodeToString(sum[:6]))
	}
	for _, d := range []string{c.Dir, c.socketDir} {
		// Parents get 0755 so that the PostgreSQL account can pass through
		// them; the folder itself stays private to that account.
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return fmt.Errorf("create postgres folder %s: %w", d, err)
		}
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create postgres folder %s: %w", d, err)
		}
	}
	if os.Geteuid() != 0 {
		return nil
	}

	cred, err := c.credential()
	if err != nil {
		return err
	}
	c.cred = cred
	for _, d := range []string{c.Dir, c.socketDir} {
		if err := chownTree(d, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("give %s to user %s: %w", d, c.OSUser, err)
		}
	}
	return c.checkReachable()
}

func (c *Cluster) credential() (*syscall.Credential, error) {
	names := []string{c.OSUser}
	if c.OSUser == "" {
		names = []string{"postgres", "nobody"}
	}
	for _, name := range names {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		c.OSUser = name
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged "+
		"account but none of %s exists: create one or set PAIRWISE_PG_OS_USER",
		strings.Join(names, ", "))
}

// checkReachable runs a harmless command as the PostgreSQL account to make
// sure every parent folder of the data folder lets it through.
func (c *Cluster) checkReachable() error {
	cmd := exec.Command("test", "-w", c.Dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("user %s cannot write the postgres data folder %s "+
			"(a parent folder is probably private): choose another with "+
			"--data-dir or PAIRWISE_DATA_DIR", c.OSUser, c.Dir)
	}
	return nil
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

func (c *Cluster) initdb(ctx context.Context) error {
	c.Logger.Info("initialising postgres cluster", "data_dir", c.Dir)
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, "initdb"),
		"-D", c.Dir, "-U", "pairwise", "--auth=trust", "-E", "UTF8", "--no-locale")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", c.Dir, err, out)
	}
	return nil
}

func (c *Cluster) pgctl(ctx context.Context, args ...string) error {
	args = append([]string{args[0], "-D", c.Dir}, args[1:]...)
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, "pg_ctl"), args...)
	// A process group of its own keeps the terminal's Ctrl-C away from the
	// postmaster, so shutdown happens once, in our order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	// pg_ctl start leaves the server running with our stdout unless told
	// otherwise; the -l log file takes its output instead.
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return nil
}

// URL returns a connection string for database name on this cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://pairwise@/%s?host=%s&port=%d&sslmode=disable",
		name, c.socketDir, clusterPort)
}

// Stop shuts the server down with the fast mode (open sessions are rolled
// back, nothing committed is lost). It does nothing for a server that
// Start found already running.
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.owned {
		return nil
	}
	if err := c.pgctl(ctx, "stop", "-m", "fast", "-w"); err != nil {
		return err
	}
	c.owned = false
	c.Logger.Info("postgres stopped", "data_dir", c.Dir)
	return nil
}
