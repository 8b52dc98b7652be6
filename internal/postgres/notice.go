package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var (
	_ callvault.NoticeStore    = (*DB)(nil)
	_ callvault.NoticeImporter = (*DB)(nil)
)

// AddNoticeVersion stores n and appends ev in one transaction; KindConflict unless n.Version is
// above every stored version. The table lock makes two nodes saving at once take turns, so
// the second sees the first's version and is refused.
func (db *DB) AddNoticeVersion(ctx context.Context, n *callvault.NoticeVersion, ev *callvault.AuditEvent) error {
	const what = "postgres: add notice version"
	if err := checkNotice(n, what); err != nil {
		return err
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE notice_versions IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var latest *int64
		if err := tx.QueryRow(ctx, `SELECT max(version) FROM notice_versions`).Scan(&latest); err != nil {
			return err
		}
		if latest != nil && int64(n.Version) <= *latest {
			return callvault.Errorf(callvault.KindConflict, "%s: version %d is stored already; the notice changed meanwhile", what, *latest)
		}
		return insertNotice(ctx, tx, n)
	})
}

// ImportNoticeVersion stores n as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportNoticeVersion(ctx context.Context, n *callvault.NoticeVersion) error {
	const what = "postgres: import notice version"
	if err := checkNotice(n, what); err != nil {
		return err
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error { return insertNotice(ctx, tx, n) })
}

func checkNotice(n *callvault.NoticeVersion, what string) error {
	if n == nil || n.Version <= 0 || n.Text == "" {
		return callvault.Errorf(callvault.KindInvalid, "%s: a version above 0 with a text is required", what)
	}
	return nil
}

func insertNotice(ctx context.Context, tx pgx.Tx, n *callvault.NoticeVersion) error {
	_, err := tx.Exec(ctx, `INSERT INTO notice_versions (version, text, note, author, created_at) VALUES ($1, $2, $3, $4, $5)`,
		n.Version, n.Text, n.Note, n.Author, n.CreatedAt)
	return err
}

const noticeColumns = `SELECT version, text, note, author, created_at FROM notice_versions`

func scanNotice(row pgx.Row) (*callvault.NoticeVersion, error) {
	var n callvault.NoticeVersion
	if err := row.Scan(&n.Version, &n.Text, &n.Note, &n.Author, &n.CreatedAt); err != nil {
		return nil, err
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return &n, nil
}

// NoticeVersions returns every stored version, newest first.
func (db *DB) NoticeVersions(ctx context.Context) ([]*callvault.NoticeVersion, error) {
	const what = "postgres: notice versions"
	rows, err := db.pool.Query(ctx, noticeColumns+` ORDER BY version DESC`)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []*callvault.NoticeVersion
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// LatestNotice returns the highest stored version; KindNotFound when there is none.
func (db *DB) LatestNotice(ctx context.Context) (*callvault.NoticeVersion, error) {
	const what = "postgres: latest notice"
	n, err := scanNotice(db.pool.QueryRow(ctx, noticeColumns+` ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, callvault.Errorf(callvault.KindNotFound, "%s: no notice version is stored", what)
	}
	if err != nil {
		return nil, translate(err, what)
	}
	return n, nil
}
