package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"

	"github.com/callvault/callvault"
)

// FindRecordings returns the live recordings matching f, ordered by (StartedAt, ID). With
// subjects, each subject is one range scan of the recording_subjects_search index; recordings are
// then read by primary key. Without subjects, it lists recordings by start time.
func (db *DB) FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, prefixed(err, "find recordings")
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		from = micros(f.From)
	}
	if !f.To.IsZero() {
		to = micros(f.To)
	}
	afterStart, afterID := int64(math.MinInt64), ""
	if f.After != "" {
		// The cursor's tombstone still has its start time, so paging survives a delete.
		err := db.r.QueryRowContext(ctx, `SELECT started_at FROM recordings WHERE id = ?`, f.After).Scan(&afterStart)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: find recordings: the cursor %q names no recording", f.After)
		}
		if err != nil {
			return nil, translate(err, "find recordings")
		}
		afterID = f.After
	}
	query, args := findQuery(f.Subjects, from, to, afterStart, afterID, f.Limit)
	return db.queryRecordings(ctx, "find recordings", query, args...)
}

// findQuery builds the search statement and its arguments. Each subject takes seven variables,
// so callvault.MaxSearchSubjects keeps a statement far under SQLite's limit of 32766.
func findQuery(subjects []callvault.Subject, from, to, afterStart int64, afterID string, limit int) (string, []any) {
	if len(subjects) == 0 {
		return `SELECT ` + recordingColumns + ` FROM recordings r
			WHERE r.deleted_at IS NULL AND r.started_at >= ? AND r.started_at < ?
			AND (r.started_at, r.id) > (?, ?)
			ORDER BY r.started_at, r.id LIMIT ?`,
			[]any{from, to, afterStart, afterID, limit}
	}
	// Each branch takes at most limit rows in index order: the first limit rows of the union are
	// among them. UNION removes a recording found through several subjects.
	var b strings.Builder
	var args []any
	b.WriteString(`WITH hits (id, started_at) AS (`)
	for i, s := range subjects {
		if i > 0 {
			b.WriteString(` UNION `)
		}
		b.WriteString(`SELECT * FROM (SELECT recording_id, started_at FROM recording_subjects
			WHERE kind = ? AND value = ? AND started_at >= ? AND started_at < ?
			AND (started_at, recording_id) > (?, ?)
			ORDER BY started_at, recording_id LIMIT ?)`)
		args = append(args, string(s.Kind), s.Value, from, to, afterStart, afterID, limit)
	}
	b.WriteString(`) SELECT ` + recordingColumns + ` FROM hits JOIN recordings r ON r.id = hits.id
		WHERE r.deleted_at IS NULL ORDER BY hits.started_at, hits.id LIMIT ?`)
	args = append(args, limit)
	return b.String(), args
}
