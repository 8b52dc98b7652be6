package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// Signature returns the X-Twilio-Signature of a form POST to fullURL: the base64 HMAC-SHA1,
// keyed with the account's auth token, of the URL exactly as the provider called it (scheme,
// host, path and query) followed by every POST parameter, sorted by name, as name then value
// with no separators (a name given several times contributes each value, in sorted order).
func Signature(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports, in constant time, whether sig is the signature of the request.
func ValidSignature(authToken, sig, fullURL string, form url.Values) bool {
	if authToken == "" || sig == "" {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(Signature(authToken, fullURL, form)))
}
