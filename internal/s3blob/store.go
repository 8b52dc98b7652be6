package s3blob

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/callvault/callvault"
)

const (
	// MinPartSize is S3's smallest part of a multipart upload (all parts but the last).
	MinPartSize = 5 << 20
	// DefaultPartSize is how much a writer buffers before it switches to a multipart upload.
	DefaultPartSize = 8 << 20
	// maxPrefixLen keeps prefix+key within S3's 1024-byte key limit.
	maxPrefixLen = 1024 - callvault.MaxBlobKeyLen
)

// Options tune a Store. The zero value is the default.
type Options struct {
	// PartSize is the buffer of a writer and the size of each multipart part: blobs of at most
	// PartSize bytes are sent with one PutObject. Zero means DefaultPartSize; it must be at
	// least MinPartSize.
	PartSize int64
	// HTTPClient replaces the SDK's HTTP client, for tests and custom transports.
	HTTPClient *http.Client
	// MaxAttempts bounds the SDK's retries of a request; zero keeps the SDK's default (3).
	MaxAttempts int
}

// Store is a callvault.BlobStore on an S3 bucket, under an optional key prefix. It is safe for
// concurrent use.
type Store struct {
	client   *s3.Client
	bucket   string
	prefix   string // "" or ends in "/"
	partSize int64

	allowVersioning bool
}

var _ callvault.BlobStore = (*Store)(nil)

// Open returns a store for rawURL with default options; see OpenOptions.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	return OpenOptions(ctx, rawURL, Options{})
}

// OpenOptions returns a store for rawURL, s3://bucket/prefix?endpoint=http://host:port&region=us-east-1&path_style=true,
// with credentials from the AWS chain. It does not contact the server (call Ping for that). A bad
// URL or option is KindInvalid naming the problem; an unreadable AWS config is KindUnavailable.
func OpenOptions(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	loc, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if len(loc.Prefix) > maxPrefixLen {
		return nil, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's prefix is %d bytes long; the limit is %d", len(loc.Prefix), maxPrefixLen)
	}
	partSize := opts.PartSize
	switch {
	case partSize == 0:
		partSize = DefaultPartSize
	case partSize < MinPartSize:
		return nil, callvault.Errorf(callvault.KindInvalid, "s3blob: part size %d is below S3's minimum of %d bytes", partSize, MinPartSize)
	case partSize > 5<<30:
		return nil, callvault.Errorf(callvault.KindInvalid, "s3blob: part size %d is above S3's maximum of 5 GiB", partSize)
	}

	var loadOpts []func(*config.LoadOptions) error
	if loc.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(loc.Region))
	}
	if opts.MaxAttempts > 0 {
		loadOpts = append(loadOpts, config.WithRetryMaxAttempts(opts.MaxAttempts))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "s3blob: cannot load the AWS configuration; check AWS_PROFILE and the shared config files")
	}
	if cfg.Region == "" {
		// Custom endpoints rarely care; AWS needs one, and signing needs some value.
		cfg.Region = "us-east-1"
	}
	// Resolve the credentials now, so that a missing or broken chain shows at startup rather than
	// at the first upload.
	if cfg.Credentials == nil {
		return nil, callvault.Errorf(callvault.KindUnavailable, "s3blob: no AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "s3blob: no usable AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
		}
		o.UsePathStyle = loc.PathStyle
		if opts.HTTPClient != nil {
			o.HTTPClient = opts.HTTPClient
		}
		// Reads are ranged, which S3 cannot checksum; the payload is age ciphertext whose
		// authentication catches corruption anyway. Without this the SDK logs a warning per read.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &Store{client: client, bucket: loc.Bucket, prefix: loc.Prefix, partSize: partSize, allowVersioning: loc.AllowVersioning}, nil
}

// objectKey returns the object key of a validated blob key.
func (s *Store) objectKey(key string) string { return s.prefix + key }

// Open returns the blob under key after a HeadObject for its size, or KindNotFound. Its ReadAt
// calls are ranged GetObjects bound to ctx: they fail once ctx is done.
func (s *Store) Open(ctx context.Context, key string) (callvault.Blob, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: aws.String(s.objectKey(key))})
	if err != nil {
		return nil, translate(err, "open", key)
	}
	return &blob{s: s, ctx: ctx, key: key, size: aws.ToInt64(out.ContentLength), etag: aws.ToString(out.ETag)}, nil
}

// Delete removes the blob with DeleteObject, then checks with HeadObject that it is gone.
// Deleting a missing blob returns nil.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	k := aws.String(s.objectKey(key))
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: k}); err != nil {
		if err := translate(err, "delete", key); !callvault.IsKind(err, callvault.KindNotFound) {
			return err
		}
	}
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: k})
	switch err := translate(err, "delete", key); {
	case err == nil:
		return callvault.Errorf(callvault.KindInternal, "s3blob: delete %s: the object is still present after DeleteObject; is versioning or object lock enabled on the bucket?", key)
	case callvault.IsKind(err, callvault.KindNotFound):
		return nil
	default:
		return err
	}
}

// List calls fn for every committed blob whose key starts with prefix, in key order, paging
// through ListObjectsV2. Objects under the store's prefix whose names are not valid keys (left
// there by other tools) are skipped. It returns fn's first error unchanged.
func (s *Store) List(ctx context.Context, prefix string, fn func(callvault.BlobInfo) error) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: &s.bucket,
		Prefix: aws.String(s.prefix + prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return translate(err, "list", prefix)
		}
		for _, obj := range page.Contents {
			key, ok := strings.CutPrefix(aws.ToString(obj.Key), s.prefix)
			if !ok || validateKey(key) != nil {
				continue
			}
			info := callvault.BlobInfo{Key: key, Size: aws.ToInt64(obj.Size), ModTime: aws.ToTime(obj.LastModified)}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	return nil
}

// Ping checks with HeadBucket that the bucket is reachable with the configured credentials. Any
// failure is KindUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err == nil {
		return nil
	}
	err = translate(err, "ping", "bucket "+s.bucket)
	if callvault.IsKind(err, callvault.KindNotFound) {
		return callvault.WrapError(callvault.KindUnavailable, err, "s3blob: the bucket "+s.bucket+" does not exist; create it or fix the store URL")
	}
	var e *callvault.Error
	if errors.As(err, &e) && e.Kind != callvault.KindUnavailable {
		return &callvault.Error{Kind: callvault.KindUnavailable, Message: e.Message, Err: e.Err}
	}
	return err
}

// CheckDeletesAreFinal asks the server whether the bucket keeps versions. On a versioned bucket
// (versioning enabled or suspended) DeleteObject only adds a delete marker: the ciphertext of
// every deleted recording stays as a noncurrent version, which the retention policy does not
// allow (crypto-shredding still makes it unreadable, but it is kept). That is KindInvalid, unless
// the store URL says allow_versioning=true (for a bucket whose lifecycle rule expires noncurrent
// versions). A server that cannot answer gives KindUnavailable: the caller decides whether to
// go on.
func (s *Store) CheckDeletesAreFinal(ctx context.Context) error {
	out, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &s.bucket})
	if err != nil {
		e := translate(err, "check versioning of", "bucket "+s.bucket)
		return &callvault.Error{Kind: callvault.KindUnavailable, Message: "s3blob: cannot tell whether bucket " + s.bucket + " keeps versions of deleted objects", Err: e}
	}
	if out.Status == "" || s.allowVersioning {
		return nil
	}
	return callvault.Errorf(callvault.KindInvalid,
		"s3blob: bucket %s has versioning %s, so deleted recordings would stay as noncurrent versions; "+
			"disable versioning, or add a lifecycle rule that expires noncurrent versions and set allow_versioning=true in the store URL", s.bucket, out.Status)
}
