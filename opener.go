package callvault

import "context"

// AuditedOpener is an optional capability of an Archive: Open with the caller's own audit event
// (for example recording.listen naming the grant and the access request), appended before any
// byte is returned. ev.Object is set to the recording.
type AuditedOpener interface {
	OpenAudited(ctx context.Context, id string, ev *AuditEvent) (Audio, error)
}
