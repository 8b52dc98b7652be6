package callvault

import (
	"context"
	"time"
)

// NoticeVersion is one stored version of the recording notice (section 3 of the policy): the
// text every member of staff acknowledges and the public page /privacy/call-recording shows.
// Versions are never changed or removed; a new text is a new, higher version, and everyone
// acknowledges it again.
type NoticeVersion struct {
	Version int
	Text    string
	// Note is the author's change note ("adds the disciplinary purpose"); may be empty.
	Note string
	// Author is the actor who saved it (user:ID), or "config" for a text imported from the
	// configuration file (notice_file).
	Author    string
	CreatedAt time.Time
}

// MaxNoticeLength and MaxNoticeNoteLength bound a notice's text and its change note.
const (
	MaxNoticeLength     = 20000
	MaxNoticeNoteLength = 500
)

// NoticeStore keeps the versions of the recording notice. Adding a version is audited in the
// same transaction.
type NoticeStore interface {
	// AddNoticeVersion stores n and appends ev. KindInvalid without a positive version or a
	// text; KindConflict, writing nothing, unless n.Version is above every stored version
	// (two people saving from the same version: the second is refused).
	AddNoticeVersion(ctx context.Context, n *NoticeVersion, ev *AuditEvent) error
	// NoticeVersions returns every stored version, newest first.
	NoticeVersions(ctx context.Context) ([]*NoticeVersion, error)
	// LatestNotice returns the highest stored version; KindNotFound when none is stored.
	LatestNotice(ctx context.Context) (*NoticeVersion, error)
}

// NoticeImporter is an optional capability of a catalogue: it stores a notice version exactly
// as given, without an audit event, for migration between backends (whose audit log is copied
// verbatim). KindConflict, writing nothing, if that version exists.
type NoticeImporter interface {
	ImportNoticeVersion(ctx context.Context, n *NoticeVersion) error
}

// Audit actions of the notice's versions.
const (
	ActionNoticeEdit   = "notice.edit"   // a person saved a new version
	ActionNoticeImport = "notice.import" // the configuration file's notice became a stored version
)
