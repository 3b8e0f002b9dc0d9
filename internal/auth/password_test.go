package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	hash, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash prefix: got %q", hash)
	}
	if err := CheckPassword(hash, "correct horse"); err != nil {
		t.Errorf("right password: got %v, want nil", err)
	}
	if err := CheckPassword(hash, "correct horsE"); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: got %v, want ErrMismatch", err)
	}
}

func TestPasswordSaltDiffers(t *testing.T) {
	a, _ := HashPassword("same password")
	b, _ := HashPassword("same password")
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

func TestPasswordTooShort(t *testing.T) {
	if _, err := HashPassword("short"); err == nil {
		t.Error("got nil error for a 5-character password")
	}
}

func TestCheckPasswordBadHash(t *testing.T) {
	for _, hash := range []string{"", "$bcrypt$x", "$argon2id$v=19$m=x$a$b"} {
		if err := CheckPassword(hash, "whatever1"); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("hash %q: got %v, want a format error", hash, err)
		}
	}
}
