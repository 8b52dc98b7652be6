package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// recordingColumnNames are the columns of insertRecordingSQL, in recordingArgs order, for COPY.
var recordingColumnNames = []string{"id", "started_at", "ended_at", "duration_ns", "direction",
	"extensions", "external_numbers", "parties", "line", "source", "source_id", "announcement_played",
	"codec", "sample_rate", "channels", "plain_size", "stored_size", "plain_sha256", "stored_sha256",
	"blob_key", "key_epoch", "header", "sidecar", "retain_until", "created_at", "attributes"}

// BulkLoadRecordings inserts rs and their subject rows exactly as given, without audit events,
// in one transaction with COPY, the subject rows in the order of the search index. It is for loading a catalogue that has no history to keep (the
// benchmark generator, `callvault bench load`), where one CreateRecording per recording would
// take hours for a million; the server never calls it. KindInvalid if a recording is not one a
// catalogue may keep, KindConflict if an ID or (Source, SourceID) is taken; nothing of rs is
// written then.
func (db *DB) BulkLoadRecordings(ctx context.Context, rs []*callvault.Recording) error {
	const what = "postgres: bulk load recordings"
	recs := make([][]any, len(rs))
	var subs [][]any
	for i, r := range rs {
		if err := checkRecording(r, what); err != nil {
			return err
		}
		args, err := recordingArgs(r)
		if err != nil {
			return err
		}
		recs[i] = args
		for _, s := range r.Subjects() {
			subs = append(subs, []any{string(s.Kind), s.Value, r.StartedAt, r.ID})
		}
	}
	// In the order of the search index, each batch walks the index once instead of jumping
	// about it, which matters once the index outgrows shared_buffers.
	slices.SortFunc(subs, func(a, b []any) int {
		return cmp.Or(cmp.Compare(a[0].(string), b[0].(string)), cmp.Compare(a[1].(string), b[1].(string)),
			a[2].(time.Time).Compare(b[2].(time.Time)), cmp.Compare(a[3].(string), b[3].(string)))
	})
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		// A crash may lose the last batches committed, never corrupt them: the bench loader
		// fills a scratch database and can load it again.
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"recordings"}, recordingColumnNames, pgx.CopyFromRows(recs)); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"recording_subjects"}, []string{"kind", "value", "started_at", "recording_id"}, pgx.CopyFromRows(subs))
		return err
	})
}

// SettleBulkLoad does after a bulk load what autovacuum would do in its own time: VACUUM
// (ANALYZE) of the recordings and the subject index. Until then the planner has no statistics,
// and the subject search's index-only scan visits the table for every row it finds, because no
// page is yet marked all-visible; a million freshly loaded recordings search several times
// slower than the same catalogue a day later.
func (db *DB) SettleBulkLoad(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, "VACUUM (ANALYZE) recordings, recording_subjects")
	return translate(err, "postgres: vacuum after a bulk load")
}
