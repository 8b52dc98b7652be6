package postgres

import (
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/storetest"
)

// The benchmarks have the shape of internal/sqlite's (storetest.BenchCreate and BenchFind), so
// that the two backends can be compared:
//
//	CALLVAULT_TEST_PG=... go test -run '^$' -bench . ./internal/postgres ./internal/sqlite

// BenchmarkCreateRecording measures CreateRecording with its audit event, one per op.
func BenchmarkCreateRecording(b *testing.B) {
	storetest.BenchCreate(b, openTest(b, pgtest.NewTestDatabase(b)))
}

// BenchmarkFindRecordings measures a subject search for one number among 10,000 recordings.
func BenchmarkFindRecordings(b *testing.B) {
	db := openTest(b, pgtest.NewTestDatabase(b))
	storetest.Seed(b, db, 10000)
	if _, err := db.pool.Exec(b.Context(), "ANALYZE"); err != nil {
		b.Fatalf("ANALYZE: %v", err)
	}
	b.ResetTimer()
	storetest.BenchFind(b, db, 10000, true)
}
