package callvault

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an error by what the caller can do about it. Every error that crosses a
// package boundary carries one; adapters translate driver errors into a Kind at the boundary.
type Kind string

// The error kinds. Keep this list small: each maps to exactly one HTTP status.
const (
	KindInvalid         Kind = "invalid"         // malformed input; the client must change it (400)
	KindUnsupported     Kind = "unsupported"     // well-formed but unsupported media (415)
	KindTooLarge        Kind = "too_large"       // body or file over a configured limit (413)
	KindNotFound        Kind = "not_found"       // no such object (404)
	KindConflict        Kind = "conflict"        // violates uniqueness or current state (409)
	KindUnauthenticated Kind = "unauthenticated" // no valid credentials (401)
	KindForbidden       Kind = "forbidden"       // credentials valid, action not allowed (403)
	KindRateLimited     Kind = "rate_limited"    // too many attempts; wait and retry (429)
	KindUnavailable     Kind = "unavailable"     // a store is unreachable or shutting down (503)
	KindInternal        Kind = "internal"        // a bug or an unexpected failure (500)
)

// Error is the error type of callvault. Message is safe to show to the client; Err keeps the
// full chain for the logs.
type Error struct {
	Kind    Kind
	Message string // safe for users; never contains secrets or internal detail
	Err     error  // underlying cause, logged, never shown to clients

	causeInMessage bool // Message already includes Err's text (made by Errorf with %w)
}

func (e *Error) Error() string {
	switch {
	case e.causeInMessage:
		return e.Message
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	}
	return string(e.Kind)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind whose safe message is formatted from format and args.
// A %w verb wraps the cause as usual; the wrapped error's text is then part of the message, so use
// %w only for causes that are safe to show.
func Errorf(kind Kind, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	cause := errors.Unwrap(err)
	return &Error{Kind: kind, Message: err.Error(), Err: cause, causeInMessage: cause != nil}
}

// WrapError returns an *Error of the given kind with a safe message, keeping err as the cause for
// the logs only.
func WrapError(kind Kind, err error, message string) error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// ErrorKind returns the Kind of the first *Error in err's chain, KindInternal if there is none,
// and "" for a nil error.
func ErrorKind(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err's Kind is k.
func IsKind(err error, k Kind) bool { return err != nil && ErrorKind(err) == k }

// ErrorMessage returns the message that is safe to show to a client: the first *Error's Message,
// or a generic text for internal errors and errors without a Kind.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// HTTPStatus maps an error's Kind to its HTTP status code.
func HTTPStatus(err error) int {
	switch ErrorKind(err) {
	case "":
		return http.StatusOK
	case KindInvalid:
		return http.StatusBadRequest
	case KindUnsupported:
		return http.StatusUnsupportedMediaType
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindUnauthenticated:
		return http.StatusUnauthorized
	case KindForbidden:
		return http.StatusForbidden
	case KindRateLimited:
		return http.StatusTooManyRequests
	case KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// PrefixError returns err with prefix and ": " before its safe message, keeping its Kind and
// cause; an error without a Kind is returned as KindInternal with the prefix.
func PrefixError(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Kind: KindInternal, Message: prefix, Err: err}
	}
	c := *e
	c.Message = prefix + ": " + e.Message
	return &c
}
