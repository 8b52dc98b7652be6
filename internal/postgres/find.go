package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// FindRecordings returns the live recordings in which any of f.Subjects took part, started
// within [f.From, f.To), ordered by (StartedAt, ID), after the recording f.After. With subjects
// it reads the subject index only, then fetches the page's recordings by primary key.
func (db *DB) FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error) {
	const what = "postgres: find recordings"
	f, err := f.Normalize()
	if err != nil {
		return nil, prefixed(err, what)
	}
	var cursor *findCursor
	if f.After != "" {
		c := findCursor{id: f.After}
		err := db.pool.QueryRow(ctx, "SELECT started_at FROM recordings WHERE id = $1", f.After).Scan(&c.startedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, callvault.Errorf(callvault.KindInvalid, "%s: the paging cursor names no recording", what)
		}
		if err != nil {
			return nil, translate(err, what)
		}
		cursor = &c
	}
	sql, args := findQuery(f, cursor)
	return db.queryRecordings(ctx, what, sql, args...)
}

// findCursor is the (StartedAt, ID) position after which a page starts.
type findCursor struct {
	startedAt time.Time
	id        string
}

// findQuery returns the query of FindRecordings and its arguments; f is normalised.
func findQuery(f callvault.RecordingFilter, cursor *findCursor) (string, []any) {
	limit := f.Limit
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// conds returns the time-range and cursor conditions on the alias's started_at and idCol.
	conds := func(alias, idCol string) string {
		var b strings.Builder
		if !f.From.IsZero() {
			b.WriteString(" AND " + alias + ".started_at >= " + arg(f.From))
		}
		if !f.To.IsZero() {
			b.WriteString(" AND " + alias + ".started_at < " + arg(f.To))
		}
		if cursor != nil {
			b.WriteString(" AND (" + alias + ".started_at, " + alias + "." + idCol + ") > (" +
				arg(cursor.startedAt) + "::timestamptz, " + arg(cursor.id) + "::text)")
		}
		return b.String()
	}

	if len(f.Subjects) == 0 {
		where := "r.deleted_at IS NULL" + conds("r", "id")
		return `SELECT ` + recordingColumns + ` FROM recordings r WHERE ` + where +
			` ORDER BY r.started_at, r.id LIMIT ` + arg(limit), args
	}

	kinds := make([]string, len(f.Subjects))
	values := make([]string, len(f.Subjects))
	for i, s := range f.Subjects {
		kinds[i], values[i] = string(s.Kind), s.Value
	}
	// Subject rows exist only for live recordings (DeleteRecording removes them), so the page
	// can be cut in the index before any recording is read.
	q := `SELECT ` + recordingColumns + ` FROM (
		SELECT DISTINCT s.started_at, s.recording_id
		FROM unnest(` + arg(kinds) + `::text[], ` + arg(values) + `::text[]) AS q(kind, value)
		JOIN recording_subjects s ON s.kind = q.kind AND s.value = q.value
		WHERE true` + conds("s", "recording_id") + `
		ORDER BY s.started_at, s.recording_id
		LIMIT ` + arg(limit) + `
	) m
	JOIN recordings r ON r.id = m.recording_id
	WHERE r.deleted_at IS NULL
	ORDER BY r.started_at, r.id`
	return q, args
}
