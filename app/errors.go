package app

import "fmt"

// FieldError says that a value the operator typed is not allowed: which
// field, the value as typed, and what is allowed. The window words it
// where it shows it; Error is the wording for logs and the CLI.
type FieldError struct {
	Field   string // what the field is called, e.g. "latency"
	Value   string // the value as typed
	Allowed string // what is allowed, e.g. "20 to 8000 ms"
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("app: %s %q: use %s", e.Field, e.Value, e.Allowed)
}
