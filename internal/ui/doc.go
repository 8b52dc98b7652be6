// Package ui serves callvault's web pages: server-rendered HTML (html/template, embedded), one
// stylesheet, no inline script or style and no third-party asset. The pages are a second face
// of the same services as the JSON API (internal/identity for sign-in, internal/access for
// requests, approvals, grants and listening): every decision is the access rules', asked the
// same way, and no page re-implements a rule or a query.
//
// The HTTP server (internal/httpserver) hands the pages every request outside /api/ that no
// API route matches, after its cross-origin check (so forms are protected like the API), with
// the signed-in person's principal in the context. Each page route names the action the rules
// must permit; a person who is not signed in is sent to /login, one who has not acknowledged
// the staff notice to /notice.
package ui
