package blobtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/callvault/callvault/internal/testenv"
)

// VersityGW is a versitygw S3 server with its posix backend, listening on a loopback port.
// Give its credentials to the code under test through the AWS environment (Env).
type VersityGW struct {
	Endpoint  string // http://127.0.0.1:port
	Region    string
	AccessKey string
	SecretKey string

	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	stderr *testenv.Output
	client *s3.Client
	once   sync.Once
}

// VersityGWPath returns the versitygw binary named by CALLVAULT_TEST_VERSITYGW, or "".
func VersityGWPath() string { return os.Getenv(testenv.VersityGW) }

// NewVersityGW starts a versitygw from CALLVAULT_TEST_VERSITYGW for t, storing its data in
// t.TempDir() and stopping it at the end of t. It skips (or fails, see internal/testenv) when the
// variable is unset.
func NewVersityGW(t testing.TB) *VersityGW {
	t.Helper()
	bin := testenv.Get(t, testenv.VersityGW)
	gw, err := StartVersityGW(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := gw.Close(); err != nil {
			t.Errorf("stop versitygw: %v", err)
		}
	})
	return gw
}

// StartVersityGW runs binary ("versitygw") with the posix backend on dir, on a free 127.0.0.1
// port, with fresh root credentials, and returns once the server answers S3 requests. The caller
// must Close it. It is for TestMain, where there is no *testing.T; tests use NewVersityGW.
func StartVersityGW(binary, dir string) (*VersityGW, error) {
	var lastErr error
	for range 3 { // the free port can be taken between probing and binding
		gw, err := startVersityGW(binary, dir)
		if err == nil {
			return gw, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startVersityGW(binary, dir string) (*VersityGW, error) {
	port, err := testenv.FreePort()
	if err != nil {
		return nil, err
	}
	gw := &VersityGW{
		Endpoint:  "http://127.0.0.1:" + strconv.Itoa(port),
		Region:    "us-east-1",
		AccessKey: "callvaulttest" + strconv.Itoa(port),
		SecretKey: "callvault-test-secret-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		exited:    make(chan struct{}),
		stderr:    &testenv.Output{},
	}
	gw.cmd = exec.Command(binary, "--port", "127.0.0.1:"+strconv.Itoa(port), "--region", gw.Region, "--quiet", "posix", dir)
	// Keys go in the environment, not argv, so that they do not show in ps.
	gw.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+gw.AccessKey, "ROOT_SECRET_KEY="+gw.SecretKey)
	gw.cmd.Stdout = gw.stderr
	gw.cmd.Stderr = gw.stderr
	setProcAttr(gw.cmd)
	if err := gw.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw %s: %w", binary, err)
	}
	go func() {
		_ = gw.cmd.Wait()
		close(gw.exited)
	}()
	if err := gw.waitReady(30 * time.Second); err != nil {
		_ = gw.Close()
		return nil, err
	}
	gw.client = s3.New(s3.Options{
		Region:       gw.Region,
		BaseEndpoint: aws.String(gw.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(gw.AccessKey, gw.SecretKey, ""),
	})
	return gw, nil
}

// waitReady polls the endpoint until it answers any HTTP response, the process exits, or the
// timeout passes.
func (gw *VersityGW) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(gw.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-gw.exited:
			return fmt.Errorf("versitygw exited before answering: %s", gw.stderr.String())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw did not answer on %s within %s: %v; output: %s", gw.Endpoint, timeout, err, gw.stderr.String())
		}
	}
}

// Close stops the server and waits for it to exit.
func (gw *VersityGW) Close() error {
	var err error
	gw.once.Do(func() {
		if gw.cmd.Process == nil {
			return
		}
		_ = gw.cmd.Process.Signal(os.Interrupt)
		select {
		case <-gw.exited:
		case <-time.After(5 * time.Second):
			err = gw.cmd.Process.Kill()
			<-gw.exited
		}
	})
	return err
}

// CreateBucket creates a bucket on the server.
func (gw *VersityGW) CreateBucket(ctx context.Context, name string) error {
	_, err := gw.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create bucket %s on versitygw: %w", name, err)
	}
	return nil
}

// Client returns an S3 client for the server with root credentials, for tests that inspect the
// bucket behind a store's back.
func (gw *VersityGW) Client() *s3.Client { return gw.client }

// URL returns the s3blob store URL of bucket and prefix (which may be "") on this server.
func (gw *VersityGW) URL(bucket, prefix string) string {
	q := url.Values{"endpoint": {gw.Endpoint}, "region": {gw.Region}, "path_style": {"true"}}
	u := url.URL{Scheme: "s3", Host: bucket, Path: "/" + prefix, RawQuery: q.Encode()}
	return u.String()
}

// Env returns the environment variables that make the AWS credential chain use this server's
// root credentials, for os.Setenv in TestMain, t.Setenv, or a child process's Env.
func (gw *VersityGW) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + gw.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + gw.SecretKey,
		"AWS_REGION=" + gw.Region,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}
