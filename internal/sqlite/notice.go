package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

var (
	_ callvault.NoticeStore    = (*DB)(nil)
	_ callvault.NoticeImporter = (*DB)(nil)
)

// AddNoticeVersion stores n and appends ev in one write transaction; KindConflict unless
// n.Version is above every stored version (the IMMEDIATE transaction serialises the check).
func (db *DB) AddNoticeVersion(ctx context.Context, n *callvault.NoticeVersion, ev *callvault.AuditEvent) error {
	if err := checkNotice(n); err != nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: add notice version: a version above 0 with a text, and an audit event, are required")
	}
	return db.appendWith(ctx, "add notice version", ev, func(tx *sql.Tx) error {
		var latest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM notice_versions`).Scan(&latest); err != nil {
			return err
		}
		if latest.Valid && int64(n.Version) <= latest.Int64 {
			return callvault.Errorf(callvault.KindConflict, "sqlite: add notice version: version %d is stored already; the notice changed meanwhile", latest.Int64)
		}
		return insertNotice(ctx, tx, n)
	})
}

// ImportNoticeVersion stores n as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportNoticeVersion(ctx context.Context, n *callvault.NoticeVersion) error {
	if err := checkNotice(n); err != nil {
		return err
	}
	return db.write(ctx, "import notice version", func(tx *sql.Tx) error { return insertNotice(ctx, tx, n) })
}

func checkNotice(n *callvault.NoticeVersion) error {
	if n == nil || n.Version <= 0 || n.Text == "" {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: notice version: a version above 0 with a text is required")
	}
	return nil
}

func insertNotice(ctx context.Context, tx *sql.Tx, n *callvault.NoticeVersion) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notice_versions (version, text, note, author, created_at) VALUES (?, ?, ?, ?, ?)`,
		n.Version, n.Text, n.Note, n.Author, micros(n.CreatedAt))
	return err
}

const noticeColumns = `SELECT version, text, note, author, created_at FROM notice_versions`

func scanNotice(row interface{ Scan(...any) error }) (*callvault.NoticeVersion, error) {
	var (
		n  callvault.NoticeVersion
		at int64
	)
	if err := row.Scan(&n.Version, &n.Text, &n.Note, &n.Author, &at); err != nil {
		return nil, err
	}
	n.CreatedAt = fromMicros(at)
	return &n, nil
}

// NoticeVersions returns every stored version, newest first.
func (db *DB) NoticeVersions(ctx context.Context) ([]*callvault.NoticeVersion, error) {
	rows, err := db.r.QueryContext(ctx, noticeColumns+` ORDER BY version DESC`)
	if err != nil {
		return nil, translate(err, "read notice versions")
	}
	defer rows.Close()
	var out []*callvault.NoticeVersion
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, translate(err, "read notice versions")
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read notice versions")
	}
	return out, nil
}

// LatestNotice returns the highest stored version; KindNotFound when there is none.
func (db *DB) LatestNotice(ctx context.Context) (*callvault.NoticeVersion, error) {
	n, err := scanNotice(db.r.QueryRowContext(ctx, noticeColumns+` ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no notice version is stored")
	}
	if err != nil {
		return nil, translate(err, "read the latest notice")
	}
	return n, nil
}
