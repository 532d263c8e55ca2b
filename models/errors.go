package models

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned for unknown ids and for ids of another organization,
// so that nobody learns what exists outside their organization.
var ErrNotFound = errors.New("not found")

// Invalid is bad input: Key is a locale key, Args its named placeholders, and
// Field the form field at fault (empty for the whole form).
type Invalid struct {
	Field string
	Key   string
	Args  map[string]any
}

func (e *Invalid) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Key) }

// Invalidf builds an *Invalid.
func Invalidf(field, key string, args map[string]any) *Invalid {
	return &Invalid{Field: field, Key: key, Args: args}
}

// Forbidden says that the actor lacks a permission; Need is the lowest role
// that has it, which the 403 page names.
type Forbidden struct {
	Permission Permission
	Need       Role
}

func (e *Forbidden) Error() string {
	return fmt.Sprintf("forbidden: %s needs %s", e.Permission, e.Need)
}

// Throttled says that too many sign-in attempts failed recently.
type Throttled struct{ RetryAfterMinutes int }

func (e *Throttled) Error() string { return "too many failed sign-in attempts" }
