package callvault

import "context"

type requestIDKey struct{}

// WithRequestID returns a context carrying the id of the request being served, so that audit
// events appended on its behalf can name it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id carried by ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
