package blobtest

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestNewVersityGW(t *testing.T) {
	gw := NewVersityGW(t)
	ctx := context.Background()
	if err := gw.CreateBucket(ctx, "helper-test"); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Client().HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("helper-test")}); err != nil {
		t.Fatalf("HeadBucket after CreateBucket: %v", err)
	}
	u, err := url.Parse(gw.URL("helper-test", "p/q"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "s3" || u.Host != "helper-test" || u.Path != "/p/q" || q.Get("endpoint") != gw.Endpoint || q.Get("path_style") != "true" || q.Get("region") != gw.Region {
		t.Fatalf("URL = %s", u)
	}
	if !slices.Contains(gw.Env(), "AWS_ACCESS_KEY_ID="+gw.AccessKey) {
		t.Fatalf("Env() = %q lacks the access key", gw.Env())
	}
	// Close stops the server: it no longer answers.
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	<-gw.exited
	if _, err := gw.Client().HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("helper-test")}); err == nil {
		t.Fatal("server still answers after Close")
	}
}
