package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

// BulkLoadRecordings inserts rs and their subject rows exactly as given, without audit events,
// in one transaction through two prepared statements. It is for loading a catalogue that has
// no history to keep (the benchmark generator, `callvault bench load`), where one
// CreateRecording per recording, each fsynced, would take hours for a million; the server never
// calls it. KindInvalid if a recording is not one a catalogue may keep, KindConflict if an ID or
// (Source, SourceID) is taken; nothing of rs is written then.
func (db *DB) BulkLoadRecordings(ctx context.Context, rs []*callvault.Recording) error {
	const what = "bulk load recordings"
	for _, r := range rs {
		if err := checkRecording(r, what); err != nil {
			return err
		}
	}
	// A million recordings make an index far larger than SQLite's default page cache (2 MiB),
	// and rows inserted in subject order land all over it: a bigger cache for the load keeps
	// the pages being written in memory. The writer is one connection, so this is the load's.
	if _, err := db.w.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
		return translate(err, what)
	}
	defer db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000")
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
			started := micros(r.StartedAt)
			for _, s := range r.Subjects() {
				if _, err := sub.ExecContext(ctx, r.ID, string(s.Kind), s.Value, started); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// SettleBulkLoad gathers the planner's statistics after a bulk load (ANALYZE), as `PRAGMA
// optimize` would in time, and checkpoints the write-ahead log, which a load leaves large.
func (db *DB) SettleBulkLoad(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
		return translate(err, "analyze after a bulk load")
	}
	return db.Compact(ctx)
}
