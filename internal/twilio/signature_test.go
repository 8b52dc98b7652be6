package twilio

import (
	"net/url"
	"testing"
)

// The example of Twilio's webhook security documentation.
func TestSignatureDocumentedExample(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got := Signature("12345", u, form); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("Signature = %q, want the documented 0/KCTR6DLpKmkAf8muzZqo1nDgQ=", got)
	}
	if !ValidSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", u, form) {
		t.Error("the documented signature is not valid")
	}
	form.Set("Digits", "1235")
	if ValidSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", u, form) {
		t.Error("a changed parameter still validates")
	}
	if ValidSignature("", Signature("", u, form), u, form) {
		t.Error("an empty auth token validates")
	}
}
