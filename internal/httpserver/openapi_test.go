package httpserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

var refRE = regexp.MustCompile(`"\$ref": "#/components/schemas/([A-Za-z]+)"`)

type nopLive struct{}

func (nopLive) Pause(context.Context, string, callvault.Actor) error  { return nil }
func (nopLive) Resume(context.Context, string, callvault.Actor) error { return nil }

// TestOpenAPIDescribesEveryRoute: every route is described, every described route exists, and
// the description is served.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	s := New(Config{Archive: e.archive, Tokens: e.tokens, Logger: e.logs.logger(), Live: nopLive{}, People: &People{}})
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			described = append(described, strings.ToUpper(method)+" "+path)
			if op["summary"] == nil || op["responses"] == nil {
				t.Errorf("%s %s lacks a summary or responses", method, path)
			}
		}
	}
	routes := s.Routes()
	for _, r := range routes {
		if !slices.Contains(described, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range described {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json describes %s, which is no route", d)
		}
	}
	// Every $ref names a schema that exists.
	var whole struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	json.Unmarshal(openAPI, &whole)
	for _, m := range refRE.FindAllStringSubmatch(string(openAPI), -1) {
		if _, ok := whole.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to the missing schema %s", m[1])
		}
	}
	srv := New(Config{Archive: e.archive, Tokens: e.tokens, Logger: e.logs.logger()})
	resp := httpGet(t, srv, "/api/v1/openapi.json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func httpGet(t *testing.T, s *Server, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://127.0.0.1"+path, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	resp := rec.Result()
	io.Copy(io.Discard, resp.Body)
	return resp
}
