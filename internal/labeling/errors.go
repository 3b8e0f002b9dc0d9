package labeling

import (
	"errors"
	"fmt"
)

// Kinds of domain error. The server maps each to one HTTP status.
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
)

// Error is a domain error of one kind with a message fit to show a user.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrInvalid) and the like match on the kind.
func (e *Error) Is(target error) bool { return e.Kind == target }

// Errorf builds an Error of kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
