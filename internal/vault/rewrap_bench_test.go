package vault

import (
	"testing"

	"filippo.io/age"
)

// BenchmarkRewrap: one header moved between two post-quantum epochs (unwrap, wrap, MAC), the
// cost per recording of a migration, a hold or a retention change, without the catalogue.
func BenchmarkRewrap(b *testing.B) {
	from, _ := age.GenerateHybridIdentity()
	to, _ := age.GenerateHybridIdentity()
	fileKey := make([]byte, 16)
	header, err := WrapFileKey(fileKey, from.Recipient())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Rewrap(header, from, to.Recipient()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeriveEpoch: deriving a month's identity from a seed 36 months back.
func BenchmarkDeriveEpoch(b *testing.B) {
	var s epochSeed
	for b.Loop() {
		e := newEpochs("")
		e.hasSeed, e.seed, e.seedMonth = true, s, 0
		if _, err := e.derive(36); err != nil {
			b.Fatal(err)
		}
	}
}
