// Package metadata decodes the JSON metadata that accompanies an uploaded recording into a
// callvault.Recording, strictly: unknown or duplicate fields, trailing data, malformed times,
// unknown enum values, telephone numbers with letters or without digits, control characters and
// oversized values are all rejected with a
// KindInvalid error naming the field, so that a misconfigured recorder is told at once instead
// of filling the catalogue with records no subject access search will find.
package metadata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callvault/callvault"
)

// Limits of the metadata document.
const (
	MaxSize       = 64 << 10 // bytes of JSON
	MaxString     = 256      // characters of any text field
	MaxSourceID   = 200      // characters of source_id (printable ASCII)
	MaxParties    = 50
	MaxNumbers    = 20 // external numbers, counting external_number and external_numbers
	MaxExtensions = 20 // extensions, counting extension and extensions
)

// fields lists the accepted top-level fields, for the message about an unknown one.
const fields = "started_at, ended_at, direction, extension, extensions, external_number, external_numbers, " +
	"line, source, source_id, announcement_played, parties"

// Decode is DecodeAt with the current time.
func Decode(r io.Reader, region string) (*callvault.Recording, error) {
	return DecodeAt(r, region, time.Now())
}

// DecodeAt reads one JSON object of upload metadata from r and returns the Recording it
// describes, with only the metadata fields set. Numbers are normalised with phone.Normalize in
// region ("" means phone.DefaultRegion); times become UTC, truncated to microseconds; an absent
// announcement_played becomes AnnouncementUnknown; a time without a zone is read as UTC (and,
// for started_at, noted in the recording's attributes). Times are checked against now with
// callvault.StartTimeRule's defaults: a start before its floor or in the future is refused. The
// source may be left out: the caller assigns the source of its capture path with
// callvault.AssignSource, which also refuses a different one.
//
// Errors: KindTooLarge if r holds more than MaxSize bytes, KindInvalid for anything else wrong
// with the document, with a message naming the field. An error from r itself is returned as is.
func DecodeAt(r io.Reader, region string, now time.Time) (*callvault.Recording, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, callvault.Errorf(callvault.KindTooLarge, "metadata is larger than %d KiB", MaxSize>>10)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid("metadata is empty; send a JSON object with at least started_at, source and source_id")
	}
	if !utf8.Valid(data) {
		return nil, invalid("metadata is not valid UTF-8")
	}
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(data)), region: region, now: now}
	rec, err := d.recording()
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, invalid("metadata must be a single JSON object; found more data after it")
	}
	return rec, nil
}

// decoder walks the document token by token, so that every field is checked by name, exactly
// once, and in its own terms.
type decoder struct {
	dec    *json.Decoder
	region string
	now    time.Time
	rule   callvault.StartTimeRule // bounds of started_at and ended_at (the defaults)
}

func invalid(format string, args ...any) error {
	return callvault.Errorf(callvault.KindInvalid, format, args...)
}

// syntax turns an error of the JSON decoder into a KindInvalid error.
func syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return invalid("metadata is not valid JSON: %s (at byte %d)", strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("metadata is not valid JSON: it ends too early")
	}
	return invalid("metadata is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// object reads a JSON object, calling field for each key with the decoder positioned at its
// value. name names the object in messages. A duplicate key is an error.
func (d *decoder) object(name string, field func(key string) error) error {
	tok, err := d.dec.Token()
	if err != nil {
		return syntax(err)
	}
	if tok != json.Delim('{') {
		return invalid("%s must be a JSON object", name)
	}
	seen := map[string]bool{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return syntax(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return invalid("%s has the field %q twice", name, key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return syntax(err)
	}
	return nil
}

// value decodes the next value into v, a pointer; what describes the expected type.
func (d *decoder) value(field, what string, v any) error {
	err := d.dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return invalid("%s must be %s", field, what)
	}
	return syntax(err)
}

// str decodes a string or null (returned as "").
func (d *decoder) str(field string) (string, error) {
	var s *string
	if err := d.value(field, "a string", &s); err != nil || s == nil {
		return "", err
	}
	return *s, nil
}

// strs decodes an array of strings, or null, of at most max elements.
func (d *decoder) strs(field string, max int) ([]string, error) {
	var ss []*string
	if err := d.value(field, "an array of strings", &ss); err != nil {
		return nil, err
	}
	if len(ss) > max {
		return nil, invalid("%s has %d entries; at most %d are allowed", field, len(ss), max)
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		if s == nil {
			return nil, invalid("%s[%d] must be a string, not null", field, i)
		}
		out[i] = *s
	}
	return out, nil
}

// quote shows a user's value in a message, shortened.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "..."
	}
	return fmt.Sprintf("%q", s)
}
