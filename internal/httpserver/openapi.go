package httpserver

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of the whole API, kept by hand beside the routes; a test
// checks that it describes every route and no other.
//
//go:embed openapi.json
var openAPI []byte

const routeOpenAPI = "GET /api/v1/openapi.json"

// handleOpenAPI is GET /api/v1/openapi.json.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}
