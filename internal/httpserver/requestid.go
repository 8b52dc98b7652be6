package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// requestIDHeader carries the request ID in both directions.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an incoming request ID accepted from a proxy or client.
const maxRequestIDLen = 64

// requestInfo is the per-request state shared between the outer middleware and the handlers:
// the actor once authentication has established it (for the access log). The request ID travels
// in the context on its own (callvault.WithRequestID), so that stores and services below the
// handlers, audit events above all, can name it.
type requestInfo struct {
	principal *Principal
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, info *requestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// PrincipalFromContext returns the authenticated caller of the request ctx belongs to.
func PrincipalFromContext(ctx context.Context) (Principal, bool) {
	if info := requestInfoFrom(ctx); info != nil && info.principal != nil {
		return *info.principal, true
	}
	return Principal{}, false
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it aborts the program instead)
	return hex.EncodeToString(b[:])
}

// saneRequestID reports whether an incoming request ID may be reused: short, and only letters,
// digits, '-', '_', '.' and ':', so it cannot inject into logs or headers.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
