// Package blobtest is the conformance suite every callvault.BlobStore runs (Run), the benchmarks
// they share (Bench), and a helper that starts a real S3 server, versitygw, for tests that need one
// (StartVersityGW).
//
// It is imported by tests only.
package blobtest
