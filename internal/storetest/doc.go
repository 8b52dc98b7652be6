// Package storetest is the conformance suite that every callvault.Catalogue backend runs
// (internal/sqlite, internal/postgres). It tests the documented contract of store.go and nothing
// backend-specific, so that all backends behave alike.
//
// A backend calls Run from its own test:
//
//	func TestCatalogue(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) callvault.Catalogue {
//			db := openFresh(t) // a new, empty database
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// and may use BenchCreate and BenchFind in its benchmarks. A catalogue that also implements
// TombstoneReader (in the backend's test code) lets the suite check that DeleteRecording
// destroys the stored Header and Sidecar, not only hides them.
package storetest
