package access_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// TestGrantEndsMidAnswer: an answer already being served (a whole-file download, an open-ended
// Range) stops at its next read once its grant is revoked here, revoked on another node (seen
// in the store within a bounded number of bytes) or expires.
func TestGrantEndsMidAnswer(t *testing.T) {
	const size = 3 << 20
	ctx := context.Background()
	start := func(t *testing.T, download bool) (*fixture, *callvault.Principal, string, *access.RequestView, *access.Opened) {
		f := newFixture(t)
		f.svc.Archive = &fakeArchive{data: bytes.Repeat([]byte("0123456789abcdef"), size/16), appendAudit: f.db.AppendAudit}
		r := f.request(t, "sam", callvault.PurposeQuality)
		exp := f.now.Add(time.Hour)
		v, err := f.svc.Approve(ctx, f.users["dan"], r.ID, access.ApproveInput{Statement: "approved", ExpiresAt: &exp, Download: download})
		if err != nil {
			t.Fatal(err)
		}
		sam := *f.users["sam"]
		sam.SessionID = "session-hash-of-sam-0123456789"
		op, err := f.svc.Listen(ctx, &sam, v.RecordingIDs[0], download, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(op.Release)
		if _, err := op.Audio.ReadAt(make([]byte, 32<<10), 0); err != nil {
			t.Fatalf("first read under the live grant: %v", err)
		}
		return f, &sam, v.RecordingIDs[0], v, op
	}
	refusedWithin := func(t *testing.T, op *access.Opened, limit int64) {
		t.Helper()
		buf := make([]byte, 32<<10)
		for off := int64(32 << 10); off < limit; off += int64(len(buf)) {
			if _, err := op.Audio.ReadAt(buf, off); err != nil {
				if !callvault.IsKind(err, callvault.KindNotFound) {
					t.Errorf("refusal is %v, want not found", err)
				}
				if _, err := op.Audio.ReadAt(buf, 0); err == nil {
					t.Errorf("a read after the refusal succeeded")
				}
				return
			}
		}
		t.Errorf("reads went on for %d bytes after the grant ended", limit)
	}

	t.Run("revoked here", func(t *testing.T) {
		f, _, _, v, op := start(t, false)
		if _, err := f.svc.RevokeGrant(ctx, f.users["dan"], v.GrantID, "done"); err != nil {
			t.Fatal(err)
		}
		refusedWithin(t, op, 64<<10) // the very next read
	})
	t.Run("revoked on another node", func(t *testing.T) {
		f, _, _, v, op := start(t, true)
		if err := f.db.RevokeGrant(ctx, v.GrantID, f.now, "user:dan", &callvault.AuditEvent{Actor: "user:dan",
			Action: callvault.ActionGrantRevoke, Object: "grant:" + v.GrantID}); err != nil {
			t.Fatal(err)
		}
		refusedWithin(t, op, size)
	})
	t.Run("expired", func(t *testing.T) {
		f, _, _, _, op := start(t, false)
		f.now = f.now.Add(2 * time.Hour)
		refusedWithin(t, op, 64<<10)
	})
}
