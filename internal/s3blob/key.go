package s3blob

import (
	"errors"

	"github.com/callvault/callvault"
)

// validateKey checks key against the BlobStore contract (callvault.ValidateBlobKey). Its limit,
// callvault.MaxBlobKeyLen, leaves room for the store's prefix within S3's 1024-byte key limit.
func validateKey(key string) error {
	return named(callvault.ValidateBlobKey(key))
}

// validatePrefix checks a List prefix (callvault.ValidateBlobPrefix).
func validatePrefix(prefix string) error {
	return named(callvault.ValidateBlobPrefix(prefix))
}

// named returns err, a *callvault.Error of the root package, with "s3blob: " before its message,
// keeping its Kind.
func named(err error) error {
	var e *callvault.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	return callvault.PrefixError(err, "s3blob")
}
