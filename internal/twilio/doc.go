// Package twilio takes recordings from Twilio and the cloud voice platforms that copy its API:
// the recording status callback (a signed form POST) queues an import job in the catalogue
// (receiver.go), and a fetcher downloads the WAV with the account's credentials and stores it
// (fetcher.go), retrying with backoff, idempotent on the provider's RecordingSid, resuming
// what a restart interrupted. The provider's API base URL is a setting, and credentials are
// only ever sent to it.
package twilio
