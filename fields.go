package callvault

import (
	"errors"
	"strings"
)

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// FieldErrors is a KindInvalid error listing every bad field of one request, so that a person
// fixes them all at once. The HTTP layer lists them in the problem document.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Field + ": " + f.Problem
	}
	return strings.Join(parts, "; ")
}

// Unwrap gives the list its Kind (KindInvalid) and safe message.
func (fe FieldErrors) Unwrap() error {
	return &Error{Kind: KindInvalid, Message: "the request has bad fields: " + fe.Error()}
}

// Add appends a problem with field.
func (fe *FieldErrors) Add(field, problem string) { *fe = append(*fe, FieldError{field, problem}) }

// Err returns fe as an error, or nil when it is empty.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// FieldErrorsOf returns the field errors in err's chain, or nil.
func FieldErrorsOf(err error) []FieldError {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}
