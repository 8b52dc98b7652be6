// Package s3blob keeps callvault's encrypted blobs in an S3-compatible object store.
//
// The store is named by a URL, s3://bucket/prefix?endpoint=http://host:port&region=us-east-1&path_style=true,
// with credentials from the usual AWS chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the
// shared config and credentials files, then the platform's role). Objects are written as they
// arrive: up to one part is buffered and sent with a single conditional PutObject
// (If-None-Match: *); larger blobs go up as a multipart upload completed on Commit, also with
// If-None-Match: *. Before either, Commit checks with HeadObject that the key is free, so that
// servers which ignore If-None-Match still refuse to overwrite in the common case; on such a
// server two writers committing the same key at the same instant can race between the check and
// the write, and the later one wins. callvault's keys hold unique IDs, so it does not rely on
// this check for correctness.
//
// The store only ever receives ciphertext from its callers; it asks for no server-side
// encryption, metadata or other processing of the payload.
package s3blob
