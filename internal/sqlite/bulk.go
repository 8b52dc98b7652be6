package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"github.com/callvault/callvault"
)

// bulkPragmas are the write connection's settings while a bulk load runs; SettleBulkLoad puts
// back normalPragmas (those of dsn and SQLite's default cache).
//
// A million recordings make indexes far larger than SQLite's default page cache (2 MiB), and the
// subject rows land all over them: a cache of 1 GiB keeps the pages being written in memory
// across batches. synchronous=OFF skips the fsync of each commit: a crash during the load may
// corrupt the file, which is acceptable only because the bench loader fills a scratch catalogue
// that is thrown away and loaded again. The subject rows of a batch reference recordings inserted
// in the same transaction, so foreign-key checks are off during the load.
var (
	bulkPragmas   = []string{"PRAGMA cache_size = -1048576", "PRAGMA synchronous = OFF", "PRAGMA foreign_keys = OFF"}
	normalPragmas = []string{"PRAGMA cache_size = -2000", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}
)

// BulkLoadRecordings inserts rs and their subject rows exactly as given, without audit events,
// in one transaction through two prepared statements, the subject rows in the order of the
// search index. It is for loading a catalogue that has no history to keep (the benchmark
// generator, `callvault bench load` on a scratch directory), where one CreateRecording per
// recording, each fsynced, would take hours for a million; the server never calls it. It leaves
// the write connection without fsync and foreign-key checks (see bulkPragmas) until
// SettleBulkLoad, which must end every load. KindInvalid if a recording is not one a catalogue
// may keep, KindConflict if an ID or (Source, SourceID) is taken; nothing of rs is written then.
func (db *DB) BulkLoadRecordings(ctx context.Context, rs []*callvault.Recording) error {
	const what = "bulk load recordings"
	type subjectRow struct {
		kind, value, id string
		started         int64
	}
	var subs []subjectRow
	for _, r := range rs {
		if err := checkRecording(r, what); err != nil {
			return err
		}
		started := micros(r.StartedAt)
		for _, s := range r.Subjects() {
			subs = append(subs, subjectRow{string(s.Kind), s.Value, r.ID, started})
		}
	}
	// In index order, each batch walks the search index once instead of jumping about it.
	slices.SortFunc(subs, func(a, b subjectRow) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.value, b.value),
			cmp.Compare(a.started, b.started), cmp.Compare(a.id, b.id))
	})
	for _, p := range bulkPragmas {
		if _, err := db.w.ExecContext(ctx, p); err != nil {
			return translate(err, what)
		}
	}
	return db.write(ctx, what, func(tx *sql.Tx) error {
		rec, err := tx.PrepareContext(ctx, insertRecordingSQL)
		if err != nil {
			return err
		}
		defer rec.Close()
		sub, err := tx.PrepareContext(ctx, `INSERT INTO recording_subjects (recording_id, kind, value, started_at) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer sub.Close()
		for _, r := range rs {
			args, err := recordingArgs(r)
			if err != nil {
				return callvault.WrapError(callvault.KindInvalid, err, "sqlite: recording fields cannot be encoded")
			}
			if _, err := rec.ExecContext(ctx, args...); err != nil {
				if e := translate(err, what); callvault.IsKind(e, callvault.KindConflict) {
					return callvault.WrapError(callvault.KindConflict, err,
						"sqlite: bulk load: a recording with the ID or source and source ID of "+r.ID+" already exists")
				}
				return err
			}
		}
		for _, s := range subs {
			if _, err := sub.ExecContext(ctx, s.id, s.kind, s.value, s.started); err != nil {
				return err
			}
		}
		return nil
	})
}

// SettleBulkLoad ends a bulk load: it puts back the write connection's settings (fsync,
// foreign keys, the default cache), gathers the planner's statistics (ANALYZE), as `PRAGMA
// optimize` would in time, and checkpoints the write-ahead log, which a load leaves large.
func (db *DB) SettleBulkLoad(ctx context.Context) error {
	for _, p := range normalPragmas {
		if _, err := db.w.ExecContext(ctx, p); err != nil {
			return translate(err, "settle a bulk load")
		}
	}
	if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
		return translate(err, "analyze after a bulk load")
	}
	return db.Compact(ctx)
}
