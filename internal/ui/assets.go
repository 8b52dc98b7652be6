package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file served under a name that carries its content hash, so that it may
// be cached forever: a new build with changed content has a new name.
type asset struct {
	body        []byte
	contentType string
}

// assets maps logical names ("callvault.css") to hashed URLs and hashed names to contents.
type assets struct {
	url    map[string]string // logical name -> /assets/<hashed name>
	byName map[string]*asset // hashed name -> content
}

func loadAssets() *assets {
	a := &assets{url: map[string]string{}, byName: map[string]*asset{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic("ui: embedded assets: " + err.Error()) // a build without them is broken
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic("ui: embedded asset " + e.Name() + ": " + err.Error())
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byName[hashed] = &asset{body: body, contentType: ct}
		a.url[e.Name()] = "/assets/" + hashed
	}
	return a
}

// URL returns the hashed URL of a logical asset name.
func (a *assets) URL(name string) string { return a.url[name] }

// serveAsset is GET /assets/{name}: immutable, cacheable for a year.
func (p *Pages) serveAsset(w http.ResponseWriter, r *http.Request) {
	as := p.assets.byName[r.PathValue("name")]
	if as == nil {
		http.Error(w, "no such asset", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(as.body)
}
