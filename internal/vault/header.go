package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// SealDeferred starts encrypting a recording whose recipient is not known yet: the key epoch of
// a recording depends on its retention end, which depends on when the call started, which a
// live capture may only settle when the call ends. It returns the recording's file key and a
// WriteCloser whose plaintext is encrypted to dst (the payload only: nonce, then STREAM chunks;
// Close flushes the final chunk). The payload depends on the file key alone, so the header is
// made afterwards with WrapFileKey. The caller must keep the file key in memory only.
func SealDeferred(dst io.Writer) (fileKey []byte, w io.WriteCloser, err error) {
	capture := &capturingRecipient{}
	_, w, err = Seal(dst, capture)
	if err != nil {
		return nil, nil, err
	}
	return capture.fileKey, w, nil
}

// capturingRecipient keeps the file key age generates and wraps it to nobody: the header Seal
// returns with it is discarded.
type capturingRecipient struct{ fileKey []byte }

func (c *capturingRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	c.fileKey = bytes.Clone(fileKey)
	return []*age.Stanza{{Type: "callvault-deferred"}}, nil
}

// WrapFileKey returns an age header (what Seal returns and the catalogue keeps) holding fileKey
// wrapped to recipient: header followed by the payload of the same file key is an age file
// recipient's identity opens. It is how a recording is sealed to its epoch at the end of an
// ingest and how a re-wrap moves it to another epoch, headers only, never the audio.
func WrapFileKey(fileKey []byte, recipient age.Recipient) ([]byte, error) {
	if len(fileKey) != 16 {
		return nil, callvault.Errorf(callvault.KindInternal, "a file key has 16 bytes, not %d", len(fileKey))
	}
	if recipient == nil {
		return nil, callvault.Errorf(callvault.KindInternal, "no recipient to wrap the file key to")
	}
	stanzas, err := recipient.Wrap(fileKey)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot wrap the file key")
	}
	var buf bytes.Buffer
	buf.WriteString("age-encryption.org/v1\n")
	for _, s := range stanzas {
		if !validHeaderString(s.Type) {
			return nil, callvault.Errorf(callvault.KindInternal, "recipient made a stanza of invalid type %q", s.Type)
		}
		buf.WriteString("-> " + s.Type)
		for _, a := range s.Args {
			if !validHeaderString(a) {
				return nil, callvault.Errorf(callvault.KindInternal, "recipient made a stanza argument %q", a)
			}
			buf.WriteString(" " + a)
		}
		buf.WriteByte('\n')
		// The body in unpadded base64, 64 columns a line; the last line is shorter, even empty.
		body := base64.RawStdEncoding.EncodeToString(s.Body)
		for len(body) >= 64 {
			buf.WriteString(body[:64] + "\n")
			body = body[64:]
		}
		buf.WriteString(body + "\n")
	}
	buf.WriteString("---")
	macKey, err := hkdf.Key(sha256.New, fileKey, nil, "header", 32)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot derive the header MAC key")
	}
	mac := hmac.New(sha256.New, macKey)
	mac.Write(buf.Bytes())
	buf.WriteString(" " + base64.RawStdEncoding.EncodeToString(mac.Sum(nil)) + "\n")
	return buf.Bytes(), nil
}

func validHeaderString(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < 33 || c > 126 {
			return false
		}
	}
	return !strings.ContainsAny(s, "\n")
}

// Rewrap unwraps the file key of header with from and wraps it to to: the returned header opens
// the same payload for to's identity and not for from's. The audio is not touched.
//
// Errors: KindNotFound "recording key destroyed" for a nil header; KindForbidden if from does
// not open it; KindInternal for a malformed header.
func Rewrap(header []byte, from age.Identity, to age.Recipient) ([]byte, error) {
	if header == nil {
		return nil, errShredded
	}
	fileKey, err := age.DecryptHeader(header, from)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, callvault.WrapError(callvault.KindForbidden, err, errWrongKey)
		}
		return nil, callvault.WrapError(callvault.KindInternal, err, "recording header is malformed or failed authentication")
	}
	defer clear(fileKey)
	return WrapFileKey(fileKey, to)
}
