package storetest

import (
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func acquire(t *testing.T, cat callvault.Catalogue, name, holder string, ttl time.Duration) bool {
	t.Helper()
	ok, err := cat.AcquireLease(ctx(), name, holder, ttl)
	if err != nil {
		t.Fatalf("AcquireLease(%s, %s): %v", name, holder, err)
	}
	return ok
}

func testLease(t *testing.T, open Opener) {
	t.Run("Exclusive", func(t *testing.T) {
		cat := open(t)
		const long = time.Hour
		if !acquire(t, cat, "retention", "A", long) {
			t.Fatal("A could not take a free lease")
		}
		if acquire(t, cat, "retention", "B", long) {
			t.Fatal("B took a lease A holds")
		}
		if !acquire(t, cat, "retention", "A", long) {
			t.Fatal("A could not renew its lease")
		}
		if !acquire(t, cat, "checkpoint", "B", long) {
			t.Fatal("B could not take another, free lease")
		}
		if err := cat.ReleaseLease(ctx(), "retention", "B"); err != nil {
			t.Fatalf("ReleaseLease by a non-holder: %v", err)
		}
		if acquire(t, cat, "retention", "B", long) {
			t.Fatal("a non-holder's release freed A's lease")
		}
		if err := cat.ReleaseLease(ctx(), "retention", "A"); err != nil {
			t.Fatalf("ReleaseLease: %v", err)
		}
		if !acquire(t, cat, "retention", "B", long) {
			t.Fatal("B could not take a released lease")
		}
		if acquire(t, cat, "retention", "A", long) {
			t.Fatal("A took the lease back from B")
		}
		if err := cat.ReleaseLease(ctx(), "no-such-lease", "A"); err != nil {
			t.Fatalf("ReleaseLease of an unknown lease: %v", err)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		cat := open(t)
		const ttl = 50 * time.Millisecond
		if !acquire(t, cat, "retention", "A", ttl) {
			t.Fatal("A could not take a free lease")
		}
		// Expiry has no signal to wait on: poll until B takes over.
		deadline := time.Now().Add(10 * time.Second)
		for !acquire(t, cat, "retention", "B", time.Hour) {
			if time.Now().After(deadline) {
				t.Fatal("B never took over A's expired lease")
			}
			time.Sleep(ttl / 5)
		}
		if acquire(t, cat, "retention", "A", ttl) {
			t.Fatal("A took the lease back from B after its own expired")
		}
	})
}
