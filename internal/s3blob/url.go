package s3blob

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
)

// location is a parsed store URL.
type location struct {
	Bucket    string
	Prefix    string // "" or ends in "/"
	Endpoint  string // "" for AWS's own endpoints
	Region    string // "" to take it from the AWS config chain
	PathStyle bool
	// AllowVersioning accepts a versioned bucket (allow_versioning=true): deleted recordings then
	// leave noncurrent versions of their ciphertext until a lifecycle rule expires them.
	AllowVersioning bool
}

// parseURL parses s3://bucket/prefix?endpoint=...&region=...&path_style=true. Every problem is a
// KindInvalid error that names it.
func parseURL(rawURL string) (location, error) {
	var loc location
	u, err := url.Parse(rawURL)
	if err != nil {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL is not a URL; want s3://bucket/prefix?region=...")
	}
	if u.Scheme != "s3" {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL has scheme %q; want s3://bucket/prefix", u.Scheme)
	}
	if u.User != nil {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL must not hold credentials; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the shared AWS config")
	}
	if u.Opaque != "" {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL must start with s3:// followed by the bucket name")
	}
	if u.Port() != "" {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's host is the bucket name and takes no port; give the server as ?endpoint=http://host:port")
	}
	loc.Bucket = u.Host
	if err := validateBucket(loc.Bucket); err != nil {
		return loc, err
	}
	if u.Fragment != "" {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL must not have a #fragment")
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if err := validateKey(p); err != nil {
			return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's prefix %q must be slash-separated segments of [a-zA-Z0-9._-]", p)
		}
		loc.Prefix = p + "/"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's query is malformed")
	}
	for name, vals := range q {
		if len(vals) != 1 {
			return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL parameter %q is given %d times; give it once", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil {
				return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's endpoint %q must be http://host:port or https://host", v)
			}
			if e.Path != "" && e.Path != "/" || e.RawQuery != "" {
				return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's endpoint %q must not have a path or query", v)
			}
			loc.Endpoint = e.Scheme + "://" + e.Host
		case "region":
			if v == "" || strings.ContainsFunc(v, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) {
				return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's region %q must be a region name such as us-east-1", v)
			}
			loc.Region = v
		case "path_style":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's path_style %q must be true or false", v)
			}
			loc.PathStyle = b
		case "allow_versioning":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL's allow_versioning %q must be true or false", v)
			}
			loc.AllowVersioning = b
		default:
			return loc, callvault.Errorf(callvault.KindInvalid, "s3blob: the store URL has an unknown parameter %q; known: endpoint, region, path_style, allow_versioning", name)
		}
	}
	return loc, nil
}

// validateBucket checks S3's bucket naming rules: 3 to 63 characters of [a-z0-9.-], starting and
// ending with a letter or digit.
func validateBucket(b string) error {
	bad := len(b) < 3 || len(b) > 63
	for i := 0; i < len(b) && !bad; i++ {
		c := b[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		bad = !alnum && c != '.' && c != '-' || (i == 0 || i == len(b)-1) && !alnum
	}
	if bad || strings.Contains(b, "..") {
		return callvault.Errorf(callvault.KindInvalid, "s3blob: the bucket name %q must be 3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit", b)
	}
	return nil
}
