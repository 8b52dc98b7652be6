// Package httpserver is callvault's HTTP layer: routing on net/http's pattern mux, bearer-token
// authentication and the route -> role table, RFC 9457 problem responses mapped from the
// callvault error taxonomy, request IDs, access logs, security headers, panic recovery, the
// deadline policy every connection is held to (deadline.go), HTTPS with a reloadable certificate,
// the client's address and scheme behind trusted reverse proxies (ClientAddr, IsSecure), and the
// streaming upload endpoint that hands audio to the archive without buffering it or writing it
// to disk.
package httpserver
