package siprec

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/pion/srtp/v3"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// SDES (RFC 4568): the SRTP keys of an RTP/SAVP m-line travel in the SDP itself, one
// "a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>][;inline:...]
// [<session params>]" line per offered choice. The answerer picks one line, answers it with the
// same tag and suite and its own key (which the recorder never uses: it only receives). Error
// messages here name the tag, the suite and lengths, never key material: they reach logs and
// Warning headers.

// sdesSuite is a crypto suite the recorder takes and its SRTP protection profile.
type sdesSuite struct {
	name    string
	profile srtp.ProtectionProfile
}

// sdesSuites are the suites taken (RFC 4568, RFC 6188, RFC 7714).
var sdesSuites = []sdesSuite{
	{"AES_CM_128_HMAC_SHA1_80", srtp.ProtectionProfileAes128CmHmacSha1_80},
	{"AES_CM_128_HMAC_SHA1_32", srtp.ProtectionProfileAes128CmHmacSha1_32},
	{"AEAD_AES_128_GCM", srtp.ProtectionProfileAeadAes128Gcm},
	{"AES_256_CM_HMAC_SHA1_80", srtp.ProtectionProfileAes256CmHmacSha1_80},
	{"AES_256_CM_HMAC_SHA1_32", srtp.ProtectionProfileAes256CmHmacSha1_32},
	{"AEAD_AES_256_GCM", srtp.ProtectionProfileAeadAes256Gcm},
}

// sdesSuiteNames lists the suites for messages.
func sdesSuiteNames() string {
	names := make([]string, len(sdesSuites))
	for i, s := range sdesSuites {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// sdesCrypto is one a=crypto line the recorder can take.
type sdesCrypto struct {
	tag    string
	suite  sdesSuite
	keys   []rtp.SRTPKey
	params []string // session parameters the answer repeats (UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTCP)
}

// maxMKILen is the longest MKI (RFC 4568 section 6.1: 1 to 128 bytes).
const maxMKILen = 128

// maxInlineKeys bounds the keys of one a=crypto line; a sender has one, or a few told apart by
// MKIs.
const maxInlineKeys = 16

// parseCrypto reads the value of an a=crypto attribute. It returns KindUnsupported for a suite,
// key method or session parameter the recorder does not take (another line may be taken
// instead), and KindInvalid for a line that does not follow RFC 4568.
func parseCrypto(v string) (*sdesCrypto, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return nil, callvault.Errorf(callvault.KindInvalid, "a=crypto needs a tag, a suite and key parameters")
	}
	c := &sdesCrypto{tag: f[0]}
	if n, err := strconv.ParseUint(c.tag, 10, 32); err != nil || len(c.tag) > 9 || (n == 0 && c.tag != "0") {
		return nil, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %q is not 1 to 9 digits", clip(c.tag))
	}
	found := false
	for _, s := range sdesSuites {
		if strings.EqualFold(f[1], s.name) {
			c.suite, found = s, true
		}
	}
	if !found {
		return nil, callvault.Errorf(callvault.KindUnsupported, "a=crypto tag %s: suite %q is not supported (supported: %s)", c.tag, clip(f[1]), sdesSuiteNames())
	}
	keyLen, _ := c.suite.profile.KeyLen()
	saltLen, _ := c.suite.profile.SaltLen()
	params := strings.Split(f[2], ";")
	if len(params) > maxInlineKeys {
		return nil, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s has more than %d keys", c.tag, maxInlineKeys)
	}
	for _, p := range params {
		k, err := parseInline(c.tag, p, keyLen, saltLen)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	if len(c.keys) > 1 {
		for _, k := range c.keys {
			if len(k.MKI) == 0 || len(k.MKI) != len(c.keys[0].MKI) {
				return nil, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s has several keys without MKIs of one length", c.tag)
			}
		}
	}
	for _, p := range f[3:] {
		name, _, _ := strings.Cut(p, "=")
		switch strings.ToUpper(name) {
		case "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTCP":
			c.params = append(c.params, strings.ToUpper(name)) // the recorder reads no RTCP
		case "WSH": // a window size hint; the recorder's replay window is its own
		case "KDR", "FEC_ORDER", "FEC_KEY":
			return nil, callvault.Errorf(callvault.KindUnsupported, "a=crypto tag %s: session parameter %s is not supported", c.tag, strings.ToUpper(name))
		case "UNENCRYPTED_SRTP", "UNAUTHENTICATED_SRTP":
			return nil, callvault.Errorf(callvault.KindUnsupported, "a=crypto tag %s: %s is refused: media must be encrypted and authenticated", c.tag, strings.ToUpper(name))
		default:
			if !strings.HasPrefix(p, "-") { // "-" marks a parameter that may be ignored
				return nil, callvault.Errorf(callvault.KindUnsupported, "a=crypto tag %s: unknown session parameter %q", c.tag, clip(name))
			}
		}
	}
	return c, nil
}

// parseInline reads "inline:<key||salt>[|lifetime][|MKI:length]".
func parseInline(tag, p string, keyLen, saltLen int) (rtp.SRTPKey, error) {
	method, info, ok := strings.Cut(p, ":")
	if !ok || !strings.EqualFold(method, "inline") {
		return rtp.SRTPKey{}, callvault.Errorf(callvault.KindUnsupported, "a=crypto tag %s: key method %q is not supported (inline only)", tag, clip(method))
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return rtp.SRTPKey{}, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s: key has more than a lifetime and an MKI", tag)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(parts[0])
	}
	if err != nil {
		return rtp.SRTPKey{}, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s: key is not base64", tag)
	}
	if len(raw) != keyLen+saltLen {
		return rtp.SRTPKey{}, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s: key and salt are %d bytes, the suite needs %d", tag, len(raw), keyLen+saltLen)
	}
	k := rtp.SRTPKey{Key: raw[:keyLen], Salt: raw[keyLen:]}
	seenLifetime := false
	for _, x := range parts[1:] {
		if val, length, isMKI := strings.Cut(x, ":"); isMKI {
			if k.MKI != nil {
				return rtp.SRTPKey{}, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s: key has two MKIs", tag)
			}
			if k.MKI, err = parseMKI(val, length); err != nil {
				return rtp.SRTPKey{}, callvault.WrapError(callvault.KindInvalid, err, "a=crypto tag "+tag)
			}
			continue
		}
		if seenLifetime || k.MKI != nil || !validLifetime(x) {
			return rtp.SRTPKey{}, callvault.Errorf(callvault.KindInvalid, "a=crypto tag %s: key lifetime %q is not a number or 2^n before the MKI", tag, clip(x))
		}
		seenLifetime = true
	}
	return k, nil
}

// validLifetime reports whether s is a key lifetime: a decimal count of packets or "2^n". The
// recorder does not enforce it (the sender re-keys by a new offer; SRTP's own limit of 2^48
// packets holds regardless).
func validLifetime(s string) bool {
	if e, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := strconv.Atoi(e)
		return err == nil && n >= 0 && n <= 64 && e == strconv.Itoa(n)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}

// parseMKI reads an MKI "value:length": value as a big-endian integer of length bytes.
func parseMKI(val, length string) ([]byte, error) {
	n, err := strconv.Atoi(length)
	if err != nil || n < 1 || n > maxMKILen {
		return nil, callvault.Errorf(callvault.KindInvalid, "MKI length %q is not 1 to %d", clip(length), maxMKILen)
	}
	v, err := strconv.ParseUint(val, 10, 64)
	if err != nil || (n < 8 && v>>(8*n) != 0) {
		return nil, callvault.Errorf(callvault.KindInvalid, "MKI value %q does not fit %d bytes", clip(val), n)
	}
	mki := make([]byte, n)
	for i := n - 1; i >= 0 && v > 0; i-- {
		mki[i] = byte(v)
		v >>= 8
	}
	return mki, nil
}

// clip shortens text from an offer for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// srtp returns the keying of the line for the stream reader.
func (c *sdesCrypto) srtp() *rtp.SRTP {
	return &rtp.SRTP{Profile: c.suite.profile, Keys: c.keys}
}

// answerLine returns the value of the answer's a=crypto attribute: the offer's tag and suite,
// the recorder's own fresh key (from crypto/rand) and the session parameters to repeat.
func (c *sdesCrypto) answerLine() string {
	keyLen, _ := c.suite.profile.KeyLen()
	saltLen, _ := c.suite.profile.SaltLen()
	key := make([]byte, keyLen+saltLen)
	rand.Read(key) // never fails (crypto/rand)
	line := c.tag + " " + c.suite.name + " inline:" + base64.StdEncoding.EncodeToString(key)
	for _, p := range c.params {
		line += " " + p
	}
	return line
}
