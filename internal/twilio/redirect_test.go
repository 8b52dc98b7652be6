package twilio

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// A redirect from the API base (real recordings are served from storage elsewhere) is followed
// without the account's credentials when it leads anywhere else, even to the same host on
// another port, which Go's client would send them to.
func TestRedirectDropsCredentials(t *testing.T) {
	var leaked atomic.Bool
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		io.WriteString(w, "RIFF")
	}))
	defer storage.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "AC1" || p != "secret" {
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/elsewhere.wav":
			http.Redirect(w, r, storage.URL+"/blob", http.StatusFound)
		case "/here.wav":
			http.Redirect(w, r, "/final.wav", http.StatusFound)
		case "/final.wav":
			io.WriteString(w, "RIFF")
		}
	}))
	defer api.Close()
	f := &Fetcher{APIBase: api.URL, AccountSID: "AC1", AuthToken: "secret"}
	for _, path := range []string{"/elsewhere.wav", "/here.wav"} {
		body, err := f.get(context.Background(), api.URL+path)
		if err != nil {
			t.Fatalf("get(%s): %v", path, err)
		}
		b, _ := io.ReadAll(body)
		body.Close()
		if string(b) != "RIFF" {
			t.Errorf("get(%s) = %q", path, b)
		}
	}
	if leaked.Load() {
		t.Error("the account's credentials went to a server other than the API base")
	}
}
