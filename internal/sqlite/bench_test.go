package sqlite_test

import (
	"testing"

	"github.com/callvault/callvault/internal/storetest"
)

// BenchmarkCreateRecording measures one durable (fsynced) CreateRecording with its audit event.
func BenchmarkCreateRecording(b *testing.B) {
	storetest.BenchCreate(b, openTemp(b))
}

// BenchmarkFindRecordings measures a subject search for one number among 10,000 recordings.
func BenchmarkFindRecordings(b *testing.B) {
	storetest.BenchFind(b, openTemp(b), 10_000, false)
}
