package s3blob

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/blobtest"
	"github.com/callvault/callvault/internal/testenv"
)

// server is the one versitygw of this test binary, or nil when CALLVAULT_TEST_VERSITYGW is unset.
var server *blobtest.VersityGW

const testBucket = "callvault-test"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if bin := blobtest.VersityGWPath(); bin != "" {
		dir, err := os.MkdirTemp("", "s3blob-versitygw-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		server, err = blobtest.StartVersityGW(bin, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer server.Close()
		if err := server.CreateBucket(context.Background(), testBucket); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for _, kv := range server.Env() {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}
	return m.Run()
}

var prefixes atomic.Int64

// openTest returns a store on a fresh prefix of the test bucket, skipping without a server.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	if server == nil {
		testenv.Get(t, testenv.VersityGW)
	}
	prefix := fmt.Sprintf("t%04d", prefixes.Add(1))
	s, err := OpenOptions(context.Background(), server.URL(testBucket, prefix), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) callvault.BlobStore {
		return openTest(t, Options{PartSize: MinPartSize})
	})
}

func BenchmarkS3blob(b *testing.B) {
	blobtest.Bench(b, func(b *testing.B) callvault.BlobStore { return openTest(b, Options{}) })
}
