package fileblob

import (
	"errors"
	"strings"

	"github.com/callvault/callvault"
)

// validateKey checks key against the BlobStore contract (callvault.ValidateBlobKey). The
// top-level name tmpDirName is also reserved: it holds the blobs being written.
func validateKey(key string) error {
	if err := callvault.ValidateBlobKey(key); err != nil {
		return named(err)
	}
	if key == tmpDirName || strings.HasPrefix(key, tmpDirName+"/") {
		return callvault.Errorf(callvault.KindInvalid, "fileblob: blob key %q: the top-level name %q is reserved", key, tmpDirName)
	}
	return nil
}

// validatePrefix checks a List prefix (callvault.ValidateBlobPrefix).
func validatePrefix(prefix string) error {
	return named(callvault.ValidateBlobPrefix(prefix))
}

// named returns err, a *callvault.Error of the root package, with "fileblob: " before its
// message, keeping its Kind.
func named(err error) error {
	var e *callvault.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	return callvault.PrefixError(err, "fileblob")
}
