package callvault

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestErrorKindsAndStatus(t *testing.T) {
	cases := []struct {
		err    error
		kind   Kind
		status int
		safe   string
	}{
		{nil, "", 200, ""},
		{Errorf(KindInvalid, "bad %s", "date"), KindInvalid, 400, "bad date"},
		{Errorf(KindUnsupported, "x"), KindUnsupported, 415, "x"},
		{Errorf(KindTooLarge, "x"), KindTooLarge, 413, "x"},
		{Errorf(KindNotFound, "x"), KindNotFound, 404, "x"},
		{Errorf(KindConflict, "x"), KindConflict, 409, "x"},
		{Errorf(KindUnauthenticated, "x"), KindUnauthenticated, 401, "x"},
		{Errorf(KindForbidden, "x"), KindForbidden, 403, "x"},
		{Errorf(KindUnavailable, "x"), KindUnavailable, 503, "x"},
		{Errorf(KindInternal, "secret detail"), KindInternal, 500, "internal error"},
		{errors.New("driver said password=hunter2"), KindInternal, 500, "internal error"},
		{fmt.Errorf("wrapped: %w", Errorf(KindNotFound, "no such recording")), KindNotFound, 404, "no such recording"},
		{WrapError(KindUnavailable, io.EOF, "database unreachable"), KindUnavailable, 503, "database unreachable"},
	}
	for _, c := range cases {
		if got := ErrorKind(c.err); got != c.kind {
			t.Errorf("%v: kind %q, want %q", c.err, got, c.kind)
		}
		if got := HTTPStatus(c.err); got != c.status {
			t.Errorf("%v: status %d, want %d", c.err, got, c.status)
		}
		if c.err != nil {
			if got := ErrorMessage(c.err); got != c.safe {
				t.Errorf("%v: safe message %q, want %q", c.err, got, c.safe)
			}
		}
	}
	if HTTPStatus(Errorf(KindInvalid, "x")) != http.StatusBadRequest {
		t.Error("invalid is not 400")
	}
}

func TestErrorfWrapsWithoutRepeating(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	err := Errorf(KindInvalid, "reading audio: %w", cause)
	if !errors.Is(err, cause) {
		t.Error("Errorf with %w does not wrap")
	}
	if s := err.Error(); strings.Count(s, cause.Error()) != 1 {
		t.Errorf("cause repeated in %q", s)
	}
	p := PrefixError(err, "sqlite: open")
	if s := p.Error(); s != "sqlite: open: reading audio: "+cause.Error() || ErrorKind(p) != KindInvalid || !errors.Is(p, cause) {
		t.Errorf("PrefixError gave %q (kind %s)", s, ErrorKind(p))
	}
	w := WrapError(KindInternal, cause, "cannot store")
	if w.Error() != "cannot store: "+cause.Error() || ErrorMessage(w) != "internal error" {
		t.Errorf("WrapError gave %q / %q", w.Error(), ErrorMessage(w))
	}
}
