package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

var (
	_ callvault.NoticeStore    = (*DB)(nil)
	_ callvault.NoticeImporter = (*DB)(nil)
)

// notices is the table of the recording notice's versions.
var notices = versionedTable[*callvault.NoticeVersion]{
	table: "notice_versions", noun: "notice version", changed: "the notice changed meanwhile",
	columns:  "version, text, note, author, created_at",
	version:  func(n *callvault.NoticeVersion) int { return n.Version },
	notFound: "no notice version is stored",
	check: func(n *callvault.NoticeVersion) error {
		if n == nil || n.Version <= 0 || n.Text == "" {
			return callvault.Errorf(callvault.KindInvalid, "sqlite: notice version: a version above 0 with a text is required")
		}
		return nil
	},
	insert: func(ctx context.Context, tx *sql.Tx, n *callvault.NoticeVersion) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notice_versions (version, text, note, author, created_at) VALUES (?, ?, ?, ?, ?)`,
			n.Version, n.Text, n.Note, n.Author, micros(n.CreatedAt))
		return err
	},
	scan: func(row scanner) (*callvault.NoticeVersion, error) {
		var (
			n  callvault.NoticeVersion
			at int64
		)
		if err := row.Scan(&n.Version, &n.Text, &n.Note, &n.Author, &at); err != nil {
			return nil, err
		}
		n.CreatedAt = fromMicros(at)
		return &n, nil
	},
}

// AddNoticeVersion stores n and appends ev in one write transaction; KindConflict unless
// n.Version is above every stored version (the IMMEDIATE transaction serialises the check).
func (db *DB) AddNoticeVersion(ctx context.Context, n *callvault.NoticeVersion, ev *callvault.AuditEvent) error {
	return notices.add(ctx, db, n, ev)
}

// ImportNoticeVersion stores n as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportNoticeVersion(ctx context.Context, n *callvault.NoticeVersion) error {
	return notices.importOne(ctx, db, n)
}

// NoticeVersions returns every stored version, newest first.
func (db *DB) NoticeVersions(ctx context.Context) ([]*callvault.NoticeVersion, error) {
	return notices.all(ctx, db)
}

// LatestNotice returns the highest stored version; KindNotFound when there is none.
func (db *DB) LatestNotice(ctx context.Context) (*callvault.NoticeVersion, error) {
	return notices.latest(ctx, db)
}
