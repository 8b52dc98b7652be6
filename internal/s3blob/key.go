package s3blob

import (
	"strings"

	"github.com/callvault/callvault"
)

// maxKeyLen bounds a key so that, with the store's prefix, it fits S3's 1024-byte limit.
const maxKeyLen = 900

// validateKey checks key against the BlobStore contract: slash-separated segments of
// [a-zA-Z0-9._-], none empty, "." or "..".
func validateKey(key string) error {
	return validatePath(key, "key")
}

// validatePrefix checks a List prefix: a key, a key followed by "/", or the start of a segment.
// The empty prefix lists everything.
func validatePrefix(prefix string) error {
	last := prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		if err := validatePath(prefix[:i], "prefix"); err != nil {
			return callvault.Errorf(callvault.KindInvalid, "s3blob: list prefix %q: each segment must be made of [a-zA-Z0-9._-] and must not be empty, \".\" or \"..\"", prefix)
		}
		last = prefix[i+1:]
	}
	for i := 0; i < len(last); i++ {
		if !segmentByte(last[i]) {
			return callvault.Errorf(callvault.KindInvalid, "s3blob: list prefix %q: only [a-zA-Z0-9._-] and \"/\" are allowed", prefix)
		}
	}
	return nil
}

func validatePath(key, what string) error {
	if key == "" {
		return callvault.Errorf(callvault.KindInvalid, "s3blob: blob %s is empty", what)
	}
	if len(key) > maxKeyLen {
		return callvault.Errorf(callvault.KindInvalid, "s3blob: blob %s is %d bytes long; the limit is %d", what, len(key), maxKeyLen)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return callvault.Errorf(callvault.KindInvalid, "s3blob: blob %s %q: segments must not be empty, \".\" or \"..\"", what, key)
		}
		for i := 0; i < len(seg); i++ {
			if !segmentByte(seg[i]) {
				return callvault.Errorf(callvault.KindInvalid, "s3blob: blob %s %q: only [a-zA-Z0-9._-] and \"/\" are allowed", what, key)
			}
		}
	}
	return nil
}

func segmentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}
