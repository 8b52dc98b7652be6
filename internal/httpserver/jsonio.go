package httpserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 64 << 10

// decodeJSON reads r's body into v strictly: one JSON object, no unknown fields, at most
// maxJSONBody bytes. An empty body decodes as {}. Errors are KindInvalid or KindTooLarge.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxJSONBody)
	raw, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return callvault.Errorf(callvault.KindTooLarge, "the JSON body is larger than %s", formatBytes(maxJSONBody))
		}
		return callvault.WrapError(callvault.KindInvalid, err, "cannot read the request body")
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			msg = "the body is not valid JSON"
		case errors.As(err, &te):
			msg = "field " + te.Field + " has the wrong type (got a JSON " + te.Value + ")"
		case strings.HasPrefix(msg, "json: unknown field "):
			msg = "unknown field " + strings.TrimPrefix(msg, "json: unknown field ")
		}
		return callvault.Errorf(callvault.KindInvalid, "%s", truncate(msg, 200))
	}
	if dec.More() {
		return callvault.Errorf(callvault.KindInvalid, "the body must hold one JSON object, nothing after it")
	}
	return nil
}

// fieldProblem is a problem document that lists every bad field.
type fieldProblem struct {
	problem
	Errors []callvault.FieldError `json:"errors"`
}

// failAccess answers err like fail, with two additions: a refusal by the access rules carries
// its code as the problem type (notice_not_acknowledged, second_factor_required, ...), and
// KindInvalid field errors are listed one by one.
func (s *Server) failAccess(w http.ResponseWriter, r *http.Request, err error) {
	if fields := callvault.FieldErrorsOf(err); len(fields) > 0 {
		p := fieldProblem{problem: problem{Type: problemTypeBase + string(callvault.KindInvalid), Title: http.StatusText(400),
			Status: 400, Detail: callvault.ErrorMessage(err), RequestID: callvault.RequestIDFrom(r.Context())}, Errors: fields}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	if code := access.DeniedCode(err); code != "" && code != access.CodeNotFound {
		writeProblem(w, r, http.StatusForbidden, code, callvault.ErrorMessage(err))
		return
	}
	s.fail(w, r, err)
}

// principal returns the request's principal, set by protect.
func principal(r *http.Request) *callvault.Principal {
	p, _ := callvault.PrincipalFrom(r.Context())
	return p
}

// drainUnread discards what the client is still sending of a body the handler will not read,
// before an error answer (see drainOrClose).
func (s *Server) drainUnread(w http.ResponseWriter, r *http.Request) {
	drainOrClose(w, r, false)
}
