package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// FindRecordings returns the live recordings in which any of f.Subjects took part, started
// within [f.From, f.To), ordered by (StartedAt, ID), after the recording f.After, in one
// statement: the page is cut in the subject index before any recording is read, and the
// cursor's start time is read inside the statement. pgx keeps each statement prepared on its
// connection, so a search is not parsed and planned again.
func (db *DB) FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error) {
	const what = "postgres: find recordings"
	f, err := f.Normalize()
	if err != nil {
		return nil, prefixed(err, what)
	}
	sql, args := findQuery(f)
	found, err := db.queryRecordings(ctx, what, sql, args...)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 && f.After != "" {
		// A cursor naming no recording makes the cursor condition NULL and the page empty: tell
		// it from the end of the results. A deleted cursor's tombstone keeps its start time.
		var one int
		err := db.pool.QueryRow(ctx, "SELECT 1 FROM recordings WHERE id = $1", f.After).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, callvault.Errorf(callvault.KindInvalid, "%s: the paging cursor names no recording", what)
		}
		if err != nil {
			return nil, translate(err, what)
		}
	}
	return found, nil
}

// findQuery returns the query of FindRecordings and its arguments; f is normalised. The text
// depends only on the shape of f (how many subjects, which bounds, a cursor or not), so pgx's
// statement cache holds a handful of them.
func findQuery(f callvault.RecordingFilter) (string, []any) {
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
		if f.After != "" {
			after := arg(f.After)
			b.WriteString(" AND (" + alias + ".started_at, " + alias + "." + idCol + ") > ((SELECT c.started_at FROM recordings c WHERE c.id = " +
				after + "::text), " + after + "::text)")
		}
		return b.String()
	}

	if len(f.Subjects) == 0 {
		where := "r.deleted_at IS NULL" + conds("r", "id")
		return `SELECT ` + recordingColumns + ` FROM recordings r WHERE ` + where +
			` ORDER BY r.started_at, r.id LIMIT ` + arg(limit), args
	}
	// Subject rows exist only for live recordings (DeleteRecording removes them), so the page
	// can be cut in the index before any recording is read.
	if len(f.Subjects) == 1 {
		// The common case: one range scan of the index, in the order of the result, stopped
		// at the limit; no sort, no more index rows read than the page needs.
		s := f.Subjects[0]
		kind, value := arg(string(s.Kind)), arg(s.Value)
		return `SELECT ` + recordingColumns + ` FROM recording_subjects s
			JOIN recordings r ON r.id = s.recording_id
			WHERE s.kind = ` + kind + ` AND s.value = ` + value + conds("s", "recording_id") + `
			AND r.deleted_at IS NULL
			ORDER BY s.started_at, s.recording_id
			LIMIT ` + arg(limit), args
	}
	kinds := make([]string, len(f.Subjects))
	values := make([]string, len(f.Subjects))
	for i, s := range f.Subjects {
		kinds[i], values[i] = string(s.Kind), s.Value
	}
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
