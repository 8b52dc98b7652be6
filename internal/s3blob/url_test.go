package s3blob

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		want    location
		wantErr string // substring of the error; "" for success
	}{
		{url: "s3://bucket", want: location{Bucket: "bucket"}},
		{url: "s3://bucket/", want: location{Bucket: "bucket"}},
		{url: "s3://my.bucket-1/vault/prod", want: location{Bucket: "my.bucket-1", Prefix: "vault/prod/"}},
		{url: "s3://bucket/p/?region=eu-west-2", want: location{Bucket: "bucket", Prefix: "p/", Region: "eu-west-2"}},
		{
			url:  "s3://bucket/prefix?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true",
			want: location{Bucket: "bucket", Prefix: "prefix/", Endpoint: "http://127.0.0.1:7070", Region: "us-east-1", PathStyle: true},
		},
		{url: "s3://bucket?endpoint=https://s3.example.com/", want: location{Bucket: "bucket", Endpoint: "https://s3.example.com"}},
		{url: "s3://bucket?path_style=false", want: location{Bucket: "bucket"}},

		{url: "", wantErr: "scheme"},
		{url: "bucket/prefix", wantErr: "scheme"},
		{url: "https://bucket/prefix", wantErr: "scheme"},
		{url: "s3:bucket", wantErr: "s3://"},
		{url: "s3://", wantErr: "bucket name"},
		{url: "s3://ab", wantErr: "bucket name"},
		{url: "s3://Bucket", wantErr: "bucket name"},
		{url: "s3://-bucket", wantErr: "bucket name"},
		{url: "s3://bucket-", wantErr: "bucket name"},
		{url: "s3://bu..cket", wantErr: "bucket name"},
		{url: "s3://bu_cket", wantErr: "bucket name"},
		{url: "s3://" + strings.Repeat("a", 64), wantErr: "bucket name"},
		{url: "s3://bucket:9000/x", wantErr: "takes no port"},
		{url: "s3://key:secret@bucket/x", wantErr: "must not hold credentials"},
		{url: "s3://bucket/a//b", wantErr: "prefix"},
		{url: "s3://bucket/a/../b", wantErr: "prefix"},
		{url: "s3://bucket/a%20b", wantErr: "prefix"},
		{url: "s3://bucket/x#frag", wantErr: "fragment"},
		{url: "s3://bucket?endpoint=127.0.0.1:7070", wantErr: "endpoint"},
		{url: "s3://bucket?endpoint=ftp://host", wantErr: "endpoint"},
		{url: "s3://bucket?endpoint=http://", wantErr: "endpoint"},
		{url: "s3://bucket?endpoint=http://host/path", wantErr: "must not have a path"},
		{url: "s3://bucket?endpoint=http://u:p@host", wantErr: "endpoint"},
		{url: "s3://bucket?region=", wantErr: "region"},
		{url: "s3://bucket?region=US%20EAST", wantErr: "region"},
		{url: "s3://bucket?path_style=yes", wantErr: "path_style"},
		{url: "s3://bucket?pathstyle=true", wantErr: `unknown parameter "pathstyle"`},
		{url: "s3://bucket?region=a&region=b", wantErr: "given 2 times"},
		{url: "s3://bucket?%zz", wantErr: "query"},
	}
	for _, tt := range tests {
		got, err := parseURL(tt.url)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("parseURL(%q): %v", tt.url, err)
			} else if got != tt.want {
				t.Errorf("parseURL(%q) = %+v, want %+v", tt.url, got, tt.want)
			}
			continue
		}
		if !callvault.IsKind(err, callvault.KindInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("parseURL(%q) = %v, want an invalid error mentioning %q", tt.url, err, tt.wantErr)
		}
	}
}

func TestOpenOptionsInvalid(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, tt := range []struct {
		url  string
		opts Options
	}{
		{"s3://bucket?region=us-east-1", Options{PartSize: MinPartSize - 1}},
		{"s3://bucket?region=us-east-1", Options{PartSize: 6 << 30}},
		{"s3://bucket/" + strings.Repeat("p", maxPrefixLen) + "?region=us-east-1", Options{}},
		{"nope", Options{}},
	} {
		if _, err := OpenOptions(t.Context(), tt.url, tt.opts); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("OpenOptions(%q, %+v) = %v, want invalid", tt.url, tt.opts, err)
		}
	}
}
