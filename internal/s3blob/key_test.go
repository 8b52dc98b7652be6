package s3blob

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// The key rules are callvault's; the store adds only its name to the messages. Unlike fileblob,
// ".tmp" is an ordinary key here.
func TestValidateKeyAndPrefix(t *testing.T) {
	for _, tt := range []struct {
		key string
		ok  bool
	}{
		{"recordings/2026/11/0193abc.age", true},
		{".tmp/a", true},
		{strings.Repeat("k", callvault.MaxBlobKeyLen), true},
		{strings.Repeat("k", callvault.MaxBlobKeyLen+1), false},
		{"", false},
		{"a//b", false},
		{"a/../b", false},
		{"a b", false},
	} {
		err := validateKey(tt.key)
		if tt.ok != (err == nil) {
			t.Errorf("validateKey(%.20q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && (!callvault.IsKind(err, callvault.KindInvalid) || !strings.HasPrefix(callvault.ErrorMessage(err), "s3blob: ")) {
			t.Errorf("validateKey(%.20q) = %v (kind %q), want an invalid error naming the backend", tt.key, err, callvault.ErrorKind(err))
		}
	}
	for _, tt := range []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"recordings/20", true},
		{"recordings/", true},
		{"/recordings", false},
		{"a//", false},
		{"a?", false},
	} {
		err := validatePrefix(tt.prefix)
		if tt.ok != (err == nil) {
			t.Errorf("validatePrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
		}
		if err != nil && (!callvault.IsKind(err, callvault.KindInvalid) || !strings.HasPrefix(callvault.ErrorMessage(err), "s3blob: ")) {
			t.Errorf("validatePrefix(%q) = %v (kind %q), want an invalid error naming the backend", tt.prefix, err, callvault.ErrorKind(err))
		}
	}
}
