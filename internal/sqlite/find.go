package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"sync"

	"github.com/callvault/callvault"
)

// FindRecordings returns the live recordings matching f, ordered by (StartedAt, ID). With subjects, each subject is one range
// scan of the recording_subjects_search index, joined to its recordings by primary key, in one
// statement; without subjects, it lists recordings by start time. A page after f.After is the
// same one statement: the cursor's start time is read inside it.
func (db *DB) FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error) {
	const what = "find recordings"
	f, err := f.Normalize()
	if err != nil {
		return nil, prefixed(err, what)
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		from = micros(f.From)
	}
	if !f.To.IsZero() {
		to = micros(f.To)
	}
	query, args := findQuery(f.Subjects, from, to, f.After, f.Limit)
	stmt, err := db.finds.get(ctx, db.r, query)
	if err != nil {
		return nil, translate(err, what)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, translate(err, what)
	}
	found, err := scanFound(rows)
	if err != nil {
		return nil, translate(err, what)
	}
	if len(found) == 0 && f.After != "" {
		// The cursor's tombstone still has its start time, so paging survives a delete; a cursor
		// that names no recording at all is a mistake, not an empty page.
		var one int
		err := db.r.QueryRowContext(ctx, `SELECT 1 FROM recordings WHERE id = ?`, f.After).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: find recordings: the cursor %q names no recording", f.After)
		}
		if err != nil {
			return nil, translate(err, what)
		}
	}
	return found, nil
}

// scanFound reads every row of recordingColumns and closes rows.
func scanFound(rows *sql.Rows) ([]*callvault.Recording, error) {
	defer rows.Close()
	var out []*callvault.Recording
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// findQuery builds the search statement and its arguments. The text depends only on the number
// of subjects and whether there is a cursor, so findStmts prepares each shape once. Each subject
// takes up to seven variables, so callvault.MaxSearchSubjects keeps a statement far under
// SQLite's limit of 32766.
func findQuery(subjects []callvault.Subject, from, to int64, after string, limit int) (string, []any) {
	var args []any
	// after returns the cursor condition on the alias's (started_at, idCol): after the cursor's
	// start time, read in the statement (from its tombstone if it was deleted since). A cursor
	// that names no recording makes the condition NULL, so the page is empty and
	// FindRecordings reports the cursor.
	cursor := func(alias, idCol string) string {
		if after == "" {
			return ""
		}
		args = append(args, after, after)
		return ` AND (` + alias + `started_at, ` + alias + idCol + `) > ((SELECT started_at FROM recordings WHERE id = ?), ?)`
	}
	if len(subjects) == 0 {
		args = append(args, from, to)
		q := `SELECT ` + recordingColumns + ` FROM recordings r
			WHERE r.deleted_at IS NULL AND r.started_at >= ? AND r.started_at < ?` + cursor("r.", "id") + `
			ORDER BY r.started_at, r.id LIMIT ?`
		return q, append(args, limit)
	}
	if len(subjects) == 1 {
		// The common case: one range scan of the index in (started_at, recording_id) order,
		// stopped at the limit.
		s := subjects[0]
		args = append(args, string(s.Kind), s.Value, from, to)
		q := `SELECT ` + recordingColumns + ` FROM recording_subjects s JOIN recordings r ON r.id = s.recording_id
			WHERE s.kind = ? AND s.value = ? AND s.started_at >= ? AND s.started_at < ?` + cursor("s.", "recording_id") + `
			AND r.deleted_at IS NULL
			ORDER BY s.started_at, s.recording_id LIMIT ?`
		return q, append(args, limit)
	}
	// Each branch takes at most limit rows in index order: the first limit rows of the union are
	// among them. UNION removes a recording found through several subjects.
	var b strings.Builder
	b.WriteString(`WITH hits (id, started_at) AS (`)
	for i, s := range subjects {
		if i > 0 {
			b.WriteString(` UNION `)
		}
		args = append(args, string(s.Kind), s.Value, from, to)
		b.WriteString(`SELECT * FROM (SELECT recording_id, started_at FROM recording_subjects
			WHERE kind = ? AND value = ? AND started_at >= ? AND started_at < ?` + cursor("", "recording_id") + `
			ORDER BY started_at, recording_id LIMIT ?)`)
		args = append(args, limit)
	}
	b.WriteString(`) SELECT ` + recordingColumns + ` FROM hits JOIN recordings r ON r.id = hits.id
		WHERE r.deleted_at IS NULL ORDER BY hits.started_at, hits.id LIMIT ?`)
	return b.String(), append(args, limit)
}

// findStmts keeps the search statements prepared on the read pool, one per shape of
// findQuery (at most callvault.MaxSearchSubjects + 1), so that a search does not parse and plan
// its SQL again on each call; database/sql prepares each on a connection the first time it
// runs there.
type findStmts struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (c *findStmts) get(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

// close closes the prepared statements; the pool closes after them.
func (c *findStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}
