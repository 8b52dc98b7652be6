package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/testenv"
)

// recorder is an http.RoundTripper that names each S3 request it forwards and can run a hook
// before forwarding one.
type recorder struct {
	mu     sync.Mutex
	ops    []string
	before func(op string, r *http.Request)
	after  func(op string, res *http.Response) // may change the response the SDK sees
}

// operation names the S3 operation of a request to an object, from its method and query.
func operation(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && q.Has("partNumber"):
		return "UploadPart"
	case r.Method == http.MethodPut:
		return "PutObject"
	case r.Method == http.MethodPost && q.Has("uploads"):
		return "CreateMultipartUpload"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "CompleteMultipartUpload"
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return "AbortMultipartUpload"
	case r.Method == http.MethodDelete:
		return "DeleteObject"
	case r.Method == http.MethodHead:
		return "HeadObject"
	case r.Method == http.MethodGet && r.Header.Get("Range") != "":
		return "GetObject " + r.Header.Get("Range")
	}
	return r.Method
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	op := operation(r)
	rec.mu.Lock()
	rec.ops = append(rec.ops, op)
	before := rec.before
	rec.mu.Unlock()
	if before != nil {
		before(op, r)
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	rec.mu.Lock()
	after := rec.after
	rec.mu.Unlock()
	if err == nil && after != nil {
		after(op, res)
	}
	return res, err
}

func (rec *recorder) count(op string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, o := range rec.ops {
		if o == op {
			n++
		}
	}
	return n
}

func (rec *recorder) reset() {
	rec.mu.Lock()
	rec.ops = nil
	rec.mu.Unlock()
}

func openRecorded(t *testing.T) (*Store, *recorder) {
	t.Helper()
	rec := &recorder{}
	s := openTest(t, Options{PartSize: MinPartSize, HTTPClient: &http.Client{Transport: rec}})
	return s, rec
}

func randomData(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, s *Store, key string, data []byte) callvault.BlobWriter {
	t.Helper()
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return w
}

func readAll(t *testing.T, s *Store, key string) []byte {
	t.Helper()
	b, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := make([]byte, b.Size())
	if n, err := b.ReadAt(got, 0); n != len(got) || (err != nil && err != io.EOF) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	return got
}

// openUploads returns the in-progress multipart uploads in the test bucket under the store's prefix.
func openUploads(t *testing.T, s *Store) int {
	t.Helper()
	out, err := server.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{
		Bucket: aws.String(testBucket), Prefix: aws.String(s.prefix),
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Uploads)
}

func TestUploadPaths(t *testing.T) {
	s, rec := openRecorded(t)
	tests := []struct {
		name      string
		size      int
		wantPut   int
		wantParts int
	}{
		{"empty", 0, 1, 0},
		{"one part exactly", MinPartSize, 1, 0},
		{"one byte over", MinPartSize + 1, 0, 2},
		{"over 8 MiB", 11<<20 + 7, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.reset()
			data := randomData(t, tt.size)
			key := "up/" + strconv.Itoa(tt.size)
			if err := write(t, s, key, data).Commit(); err != nil {
				t.Fatal(err)
			}
			if got := rec.count("PutObject"); got != tt.wantPut {
				t.Errorf("PutObject calls = %d, want %d", got, tt.wantPut)
			}
			if got := rec.count("UploadPart"); got != tt.wantParts {
				t.Errorf("UploadPart calls = %d, want %d", got, tt.wantParts)
			}
			if tt.wantParts > 0 && rec.count("CompleteMultipartUpload") != 1 {
				t.Errorf("CompleteMultipartUpload calls = %d, want 1", rec.count("CompleteMultipartUpload"))
			}
			if got := readAll(t, s, key); !bytes.Equal(got, data) {
				t.Fatalf("content differs after the round trip")
			}
		})
	}
	if n := openUploads(t, s); n != 0 {
		t.Fatalf("%d multipart uploads left open", n)
	}
}

func TestAbortMultipart(t *testing.T) {
	s, rec := openRecorded(t)
	w := write(t, s, "ab/big", randomData(t, 2*MinPartSize+1))
	if n := openUploads(t, s); n != 1 {
		t.Fatalf("open uploads while writing = %d, want 1", n)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if rec.count("AbortMultipartUpload") != 1 {
		t.Fatalf("AbortMultipartUpload calls = %d, want 1", rec.count("AbortMultipartUpload"))
	}
	if n := openUploads(t, s); n != 0 {
		t.Fatalf("open uploads after Abort = %d, want 0", n)
	}

	// A conflicting multipart Commit aborts its upload too.
	put := write(t, s, "ab/taken", []byte("first"))
	if err := put.Commit(); err != nil {
		t.Fatal(err)
	}
	w = write(t, s, "ab/taken", randomData(t, MinPartSize+1))
	if err := w.Commit(); !callvault.IsKind(err, callvault.KindConflict) {
		t.Fatalf("Commit on a taken key = %v, want conflict", err)
	}
	if n := openUploads(t, s); n != 0 {
		t.Fatalf("open uploads after a conflicting Commit = %d, want 0", n)
	}
	if got := readAll(t, s, "ab/taken"); string(got) != "first" {
		t.Fatalf("content after a conflicting Commit = %q, want %q", got, "first")
	}
}

// TestConditionalWrite makes another writer take the key between Commit's HeadObject check and
// its write: the server's If-None-Match must refuse the write, and the winner's bytes stay.
func TestConditionalWrite(t *testing.T) {
	for _, tt := range []struct {
		name  string
		size  int
		final string
	}{
		{"PutObject", 100, "PutObject"},
		{"CompleteMultipartUpload", MinPartSize + 1, "CompleteMultipartUpload"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := openRecorded(t)
			key := "race/" + tt.name
			w := write(t, s, key, randomData(t, tt.size))
			rec.mu.Lock()
			rec.before = func(op string, r *http.Request) {
				if op != tt.final {
					return
				}
				_, err := server.Client().PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(testBucket), Key: aws.String(s.objectKey(key)), Body: strings.NewReader("winner"),
				})
				if err != nil {
					t.Errorf("competing PutObject: %v", err)
				}
			}
			rec.mu.Unlock()
			if err := w.Commit(); !callvault.IsKind(err, callvault.KindConflict) {
				t.Fatalf("Commit that lost the race = %v, want conflict", err)
			}
			rec.mu.Lock()
			rec.before = nil
			rec.mu.Unlock()
			if got := readAll(t, s, key); string(got) != "winner" {
				t.Fatalf("content = %q, want the winner's", got)
			}
			if n := openUploads(t, s); n != 0 {
				t.Fatalf("open uploads = %d, want 0", n)
			}
		})
	}
}

func TestReadAtIsRanged(t *testing.T) {
	s, rec := openRecorded(t)
	if err := write(t, s, "rg/x", randomData(t, 1000)).Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := s.Open(context.Background(), "rg/x")
	if err != nil {
		t.Fatal(err)
	}
	rec.reset()
	if n, err := b.ReadAt(make([]byte, 100), 950); n != 50 || err != io.EOF {
		t.Fatalf("ReadAt = %d, %v; want 50, io.EOF", n, err)
	}
	if rec.count("GetObject bytes=950-999") != 1 {
		t.Fatalf("requests = %q, want one GetObject of bytes=950-999", rec.ops)
	}
	// A blob deleted after Open reads as not found.
	if err := s.Delete(context.Background(), "rg/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadAt(make([]byte, 10), 0); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Fatalf("ReadAt after Delete = %v, want not found", err)
	}
}

// TestReadAtRefusesIgnoredRange: a server that answers a ranged GET with 200 and no
// Content-Range sent the object from its start; ReadAt must not hand those bytes out as the
// bytes at the offset asked for. A read of the whole object needs no Content-Range.
func TestReadAtRefusesIgnoredRange(t *testing.T) {
	s, rec := openRecorded(t)
	data := randomData(t, 1000)
	if err := write(t, s, "rg/y", data).Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := s.Open(context.Background(), "rg/y")
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	rec.after = func(op string, res *http.Response) {
		if strings.HasPrefix(op, "GetObject") {
			res.StatusCode, res.Status = 200, "200 OK"
			res.Header.Del("Content-Range")
		}
	}
	rec.mu.Unlock()
	if n, err := b.ReadAt(make([]byte, 50), 950); n != 0 || !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Fatalf("ReadAt(950) through a server ignoring Range = %d, %v; want 0 and unavailable", n, err)
	}
	got := make([]byte, 1000)
	if n, err := b.ReadAt(got, 0); n != 1000 || err != nil || !bytes.Equal(got, data) {
		t.Fatalf("whole-object ReadAt = %d, %v", n, err)
	}
}

// TestVersionedBucketRefused: deletes on a versioned bucket leave the ciphertext behind as a
// noncurrent version, so the store reports it unless the URL allows it.
func TestVersionedBucketRefused(t *testing.T) {
	s := openTest(t, Options{})
	if err := s.CheckDeletesAreFinal(context.Background()); err != nil {
		t.Fatalf("unversioned bucket: %v", err)
	}
	rec := &recorder{after: func(op string, res *http.Response) {
		if res.Request.URL.Query().Has("versioning") {
			body := `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`
			res.StatusCode, res.Status = 200, "200 OK"
			res.Body = io.NopCloser(strings.NewReader(body))
			res.ContentLength = int64(len(body))
			res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
	}}
	for _, allow := range []bool{false, true} {
		u := server.URL(testBucket, "versioned")
		if allow {
			u += "&allow_versioning=true"
		}
		vs, err := OpenOptions(context.Background(), u, Options{HTTPClient: &http.Client{Transport: rec}})
		if err != nil {
			t.Fatal(err)
		}
		err = vs.CheckDeletesAreFinal(context.Background())
		if allow && err != nil {
			t.Errorf("allow_versioning=true: %v", err)
		}
		if !allow && (!callvault.IsKind(err, callvault.KindInvalid) || !strings.Contains(err.Error(), "allow_versioning")) {
			t.Errorf("versioned bucket: %v, want invalid with a hint", err)
		}
	}
}

func TestSkipsForeignObjects(t *testing.T) {
	s := openTest(t, Options{})
	if err := write(t, s, "f/ok", []byte("ok")).Commit(); err != nil {
		t.Fatal(err)
	}
	// Objects another tool left under the prefix with names that are not keys.
	for _, k := range []string{"f/with space", "f/dir/"} {
		_, err := server.Client().PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(testBucket), Key: aws.String(s.prefix + k), Body: strings.NewReader(""),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	err := s.List(context.Background(), "", func(bi callvault.BlobInfo) error { keys = append(keys, bi.Key); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "f/ok" {
		t.Fatalf("List = %q, want [f/ok]", keys)
	}
}

// TestUnavailableEndpoint needs no server: it talks to a loopback port nothing listens on.
func TestUnavailableEndpoint(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	s, err := OpenOptions(context.Background(), "s3://bucket?region=us-east-1&path_style=true&endpoint="+dead, Options{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Ping(ctx); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Ping of a dead endpoint = %v, want unavailable", err)
	}
	if _, err := s.Open(ctx, "k"); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Open on a dead endpoint = %v, want unavailable", err)
	}
	w, err := s.Create(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Commit on a dead endpoint = %v, want unavailable", err)
	}
}

func TestMissingBucket(t *testing.T) {
	if server == nil {
		testenv.Get(t, testenv.VersityGW)
	}
	ctx := context.Background()
	missing, err := OpenOptions(ctx, server.URL("no-such-bucket", ""), Options{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := missing.Ping(ctx); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Ping of a missing bucket = %v, want unavailable", err)
	}
}
