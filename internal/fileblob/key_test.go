package fileblob

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"recordings/2026/11/0193abc.age", true},
		{"A-Z_a.z/0-9", true},
		{"...", true},
		{".hidden", true},
		{".tmpx/y", true},
		{"", false},
		{".tmp", false},
		{".tmp/a", false},
		{"a/.tmp", true},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{".", false},
		{"..", false},
		{"a/./b", false},
		{"a/../b", false},
		{"a b", false},
		{`a\b`, false},
		{"a:b", false},
		{"é", false},
		{strings.Repeat("a", callvault.MaxBlobKeyLen), true},
		{strings.Repeat("a", callvault.MaxBlobKeyLen+1), false},
	}
	for _, tt := range tests {
		err := validateKey(tt.key)
		if tt.ok && err != nil {
			t.Errorf("validateKey(%q) = %v, want nil", tt.key, err)
		}
		if !tt.ok && !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("validateKey(%q) = %v, want invalid", tt.key, err)
		}
		if err != nil && !strings.HasPrefix(callvault.ErrorMessage(err), "fileblob: ") {
			t.Errorf("validateKey(%q) message %q does not name the backend", tt.key, callvault.ErrorMessage(err))
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"a", true},
		{"a/", true},
		{"a/b", true},
		{"a/b.", true},
		{"a/.", true}, // "a/." is the start of "a/.x"
		{"/", false},
		{"/a", false},
		{"a//", false},
		{"../", false},
		{"./", false},
		{"a b", false},
		{`a\`, false},
	}
	for _, tt := range tests {
		err := validatePrefix(tt.prefix)
		if tt.ok != (err == nil) {
			t.Errorf("validatePrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
		}
		if err != nil && (!callvault.IsKind(err, callvault.KindInvalid) || !strings.HasPrefix(callvault.ErrorMessage(err), "fileblob: ")) {
			t.Errorf("validatePrefix(%q) = %v (kind %q), want an invalid error naming the backend", tt.prefix, err, callvault.ErrorKind(err))
		}
	}
}
