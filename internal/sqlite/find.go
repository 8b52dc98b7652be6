package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"

	"github.com/callvault/callvault"
)

// maxSubjects bounds one search, keeping the statement under SQLite's variable limit.
const maxSubjects = 500

// FindRecordings returns the live recordings matching f, ordered by (StartedAt, ID). With
// subjects, each subject is one range scan of the recording_subjects_search index; recordings are
// then read by primary key. Without subjects, it lists recordings by start time.
func (db *DB) FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error) {
	subjects, err := normalizeSubjects(f.Subjects)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(f.Limit)
	if f.Limit < 0 {
		return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: find recordings: negative limit %d", f.Limit)
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
	query, args := findQuery(subjects, from, to, afterStart, afterID, limit)
	return db.queryRecordings(ctx, "find recordings", query, args...)
}

// findQuery builds the search statement and its arguments.
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

// normalizeSubjects checks the subjects' kinds and normalises their values the way
// Recording.Subjects does, so that a caller who forgot to still finds what it looks for.
func normalizeSubjects(in []callvault.Subject) ([]callvault.Subject, error) {
	if len(in) > maxSubjects {
		return nil, callvault.Errorf(callvault.KindInvalid,
			"sqlite: find recordings: %d subjects in one search; split it into searches of at most %d", len(in), maxSubjects)
	}
	seen := map[callvault.Subject]bool{}
	out := make([]callvault.Subject, 0, len(in))
	for _, s := range in {
		v := strings.TrimSpace(s.Value)
		switch s.Kind {
		case callvault.SubjectNumber, callvault.SubjectExtension:
		case callvault.SubjectName:
			v = callvault.NormalizeName(v)
		case callvault.SubjectURI:
			v = strings.ToLower(v)
		default:
			return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: find recordings: unknown subject kind %q", s.Kind)
		}
		if v == "" {
			return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: find recordings: empty %s subject", s.Kind)
		}
		s = callvault.Subject{Kind: s.Kind, Value: v}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}
