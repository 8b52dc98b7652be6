package fileblob

import (
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
		{string(make([]byte, maxKeyLen+1)), false},
	}
	for _, tt := range tests {
		err := validateKey(tt.key)
		if tt.ok && err != nil {
			t.Errorf("validateKey(%q) = %v, want nil", tt.key, err)
		}
		if !tt.ok && !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("validateKey(%q) = %v, want invalid", tt.key, err)
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
	}
}
