package callvault

import "strings"

// MaxBlobKeyLen bounds a blob key so that it fits PATH_MAX and, with a store prefix, S3's
// 1024-byte key limit.
const MaxBlobKeyLen = 900

// ValidateBlobKey checks key against the BlobStore contract: slash-separated segments of
// [a-zA-Z0-9._-], none empty, "." or "..", at most MaxBlobKeyLen bytes. The error is KindInvalid.
func ValidateBlobKey(key string) error { return validateBlobPath(key, "key") }

// ValidateBlobPrefix checks a List prefix: empty (everything), a key, a key followed by "/", or
// a key's directory followed by the start of a segment.
func ValidateBlobPrefix(prefix string) error {
	last := prefix
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		if err := validateBlobPath(prefix[:i], "prefix"); err != nil {
			return Errorf(KindInvalid, "blob list prefix %q: each segment must be made of [a-zA-Z0-9._-] and must not be empty, \".\" or \"..\"", prefix)
		}
		last = prefix[i+1:]
	}
	for i := 0; i < len(last); i++ {
		if !blobKeyByte(last[i]) {
			return Errorf(KindInvalid, "blob list prefix %q: only [a-zA-Z0-9._-] and \"/\" are allowed", prefix)
		}
	}
	return nil
}

func validateBlobPath(key, what string) error {
	if key == "" {
		return Errorf(KindInvalid, "blob %s is empty", what)
	}
	if len(key) > MaxBlobKeyLen {
		return Errorf(KindInvalid, "blob %s is %d bytes long; the limit is %d", what, len(key), MaxBlobKeyLen)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return Errorf(KindInvalid, "blob %s %q: segments must not be empty, \".\" or \"..\"", what, key)
		}
		for i := 0; i < len(seg); i++ {
			if !blobKeyByte(seg[i]) {
				return Errorf(KindInvalid, "blob %s %q: only [a-zA-Z0-9._-] and \"/\" are allowed", what, key)
			}
		}
	}
	return nil
}

func blobKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}
