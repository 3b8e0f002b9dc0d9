package quality

import (
	"math"
	"strings"
	"testing"
)

// checkError fails t unless err is non-nil and its message contains want.
func checkError(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("got error %q, want one containing %q", err, want)
	}
}

// checkClose fails t unless got is within tol of want.
func checkClose(t testing.TB, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: got %v, want %v (tolerance %g)", name, got, want, tol)
	}
}
