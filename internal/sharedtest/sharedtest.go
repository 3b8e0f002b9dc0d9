// Package sharedtest finds the public datasets and reference fixtures that
// tests read from the folder named shared beside the module root. A user's
// clone usually lacks that folder, so a test that needs it is skipped.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// File returns the path of rel inside the shared folder, for example
// "data/hh-rlhf-harmless-base-test/test.jsonl.gz" or
// "fixtures/agreement.json", and skips tb when the file is absent.
func File(tb testing.TB, rel string) string {
	tb.Helper()
	root, err := moduleRoot()
	if err != nil {
		tb.Skipf("shared folder not found: %v", err)
	}
	path := filepath.Join(root, "..", "shared", filepath.FromSlash(rel))
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("shared file %s is absent (%v); this test needs the public datasets "+
			"and fixtures in a folder named shared beside the repository", path, err)
	}
	return path
}

// moduleRoot returns the nearest folder at or above the working directory
// that contains go.mod. Go runs each package's tests in its own folder.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
