package siprec

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/pion/srtp/v3"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// inline returns "inline:" and base64 of n bytes counting up from first.
func inline(n int, first byte) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = first + byte(i)
	}
	return "inline:" + base64.StdEncoding.EncodeToString(b)
}

// The RFC 4568 section 3.1 and 4 examples (their keys are 30 bytes: AES_CM_128_HMAC_SHA1_*).
const (
	rfc4568Key     = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
	rfc4568KeyMKI2 = "QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5"
)

func TestParseCrypto(t *testing.T) {
	tests := []struct {
		name, value string
		kind        callvault.Kind // "" when the line is taken
		profile     srtp.ProtectionProfile
		keys        int
		mki         []byte // of the first key
		params      string // repeated in the answer
	}{
		{"RFC 4568 example with lifetime and MKI", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|2^20|1:4 FEC_ORDER=FEC_SRTP", callvault.KindUnsupported, 0, 0, nil, ""},
		{"RFC 4568 example without FEC", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|2^20|1:4", "", srtp.ProtectionProfileAes128CmHmacSha1_80, 1, []byte{0, 0, 0, 1}, ""},
		{"plain key", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key, "", srtp.ProtectionProfileAes128CmHmacSha1_80, 1, nil, ""},
		{"32-bit tag", "2 AES_CM_128_HMAC_SHA1_32 inline:" + rfc4568Key + "|2^31", "", srtp.ProtectionProfileAes128CmHmacSha1_32, 1, nil, ""},
		{"decimal lifetime", "3 AES_CM_128_HMAC_SHA1_32 inline:" + rfc4568Key + "|1048576", "", srtp.ProtectionProfileAes128CmHmacSha1_32, 1, nil, ""},
		{"GCM (RFC 7714, 28 bytes)", "1 AEAD_AES_128_GCM " + inline(28, 1), "", srtp.ProtectionProfileAeadAes128Gcm, 1, nil, ""},
		{"GCM without base64 padding", "1 AEAD_AES_128_GCM " + strings.TrimRight(inline(28, 1), "="), "", srtp.ProtectionProfileAeadAes128Gcm, 1, nil, ""},
		{"AES-256 (RFC 6188)", "1 AES_256_CM_HMAC_SHA1_80 " + inline(46, 1), "", srtp.ProtectionProfileAes256CmHmacSha1_80, 1, nil, ""},
		{"lower-case suite and method", "7 aes_cm_128_hmac_sha1_80 INLINE:" + rfc4568Key, "", srtp.ProtectionProfileAes128CmHmacSha1_80, 1, nil, ""},
		{"two keys with MKIs", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|2^20|1:4;inline:" + rfc4568KeyMKI2 + "|2^20|2:4", "", srtp.ProtectionProfileAes128CmHmacSha1_80, 2, []byte{0, 0, 0, 1}, ""},
		{"SRTCP parameters repeated", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + " UNENCRYPTED_SRTCP WSH=64 -X_VENDOR=1", "", srtp.ProtectionProfileAes128CmHmacSha1_80, 1, nil, "UNENCRYPTED_SRTCP"},

		{"unknown suite", "1 F8_128_HMAC_SHA1_80 inline:" + rfc4568Key, callvault.KindUnsupported, 0, 0, nil, ""},
		{"not inline", "1 AES_CM_128_HMAC_SHA1_80 mikey:" + rfc4568Key, callvault.KindUnsupported, 0, 0, nil, ""},
		{"KDR", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + " KDR=1", callvault.KindUnsupported, 0, 0, nil, ""},
		{"unencrypted SRTP", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + " UNENCRYPTED_SRTP", callvault.KindUnsupported, 0, 0, nil, ""},
		{"unauthenticated SRTP", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + " UNAUTHENTICATED_SRTP", callvault.KindUnsupported, 0, 0, nil, ""},
		{"unknown mandatory parameter", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + " X_VENDOR=1", callvault.KindUnsupported, 0, 0, nil, ""},

		{"no key", "1 AES_CM_128_HMAC_SHA1_80", callvault.KindInvalid, 0, 0, nil, ""},
		{"tag not a number", "x AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key, callvault.KindInvalid, 0, 0, nil, ""},
		{"tag of ten digits", "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key, callvault.KindInvalid, 0, 0, nil, ""},
		{"key too short for the suite", "1 AES_CM_128_HMAC_SHA1_80 " + inline(28, 1), callvault.KindInvalid, 0, 0, nil, ""},
		{"GCM key of AES-CM length", "1 AEAD_AES_128_GCM inline:" + rfc4568Key, callvault.KindInvalid, 0, 0, nil, ""},
		{"not base64", "1 AES_CM_128_HMAC_SHA1_80 inline:!!notbase64!!", callvault.KindInvalid, 0, 0, nil, ""},
		{"bad lifetime", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|2^x", callvault.KindInvalid, 0, 0, nil, ""},
		{"lifetime after the MKI", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|1:4|2^20", callvault.KindInvalid, 0, 0, nil, ""},
		{"MKI too long", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|1:129", callvault.KindInvalid, 0, 0, nil, ""},
		{"MKI value too big", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|256:1", callvault.KindInvalid, 0, 0, nil, ""},
		{"two keys without MKIs", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + ";inline:" + rfc4568KeyMKI2, callvault.KindInvalid, 0, 0, nil, ""},
		{"MKIs of two lengths", "1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|1:4;inline:" + rfc4568KeyMKI2 + "|2:2", callvault.KindInvalid, 0, 0, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCrypto(tt.value)
			if tt.kind != "" {
				if !callvault.IsKind(err, tt.kind) {
					t.Fatalf("parseCrypto: %v, want kind %s", err, tt.kind)
				}
				for _, secret := range []string{rfc4568Key, rfc4568KeyMKI2} {
					if strings.Contains(err.Error(), secret[:12]) {
						t.Errorf("error %q shows key material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.suite.profile != tt.profile || len(c.keys) != tt.keys || !bytes.Equal(c.keys[0].MKI, tt.mki) || strings.Join(c.params, " ") != tt.params {
				t.Errorf("got profile %v, %d keys, MKI %x, params %q; want %v, %d, %x, %q", c.suite.profile, len(c.keys), c.keys[0].MKI, c.params, tt.profile, tt.keys, tt.mki, tt.params)
			}
			kl, _ := tt.profile.KeyLen()
			sl, _ := tt.profile.SaltLen()
			if len(c.keys[0].Key) != kl || len(c.keys[0].Salt) != sl {
				t.Errorf("key %d and salt %d bytes, want %d and %d", len(c.keys[0].Key), len(c.keys[0].Salt), kl, sl)
			}
			// The answer: same tag and suite, a fresh key of the suite's length, read back.
			a1, a2 := c.answerLine(), c.answerLine()
			if a1 == a2 {
				t.Error("two answers carry the same key")
			}
			back, err := parseCrypto(a1)
			if err != nil || back.tag != c.tag || back.suite != c.suite || bytes.Equal(back.keys[0].Key, c.keys[0].Key) {
				t.Errorf("answer %q reads back as %+v, %v: want tag %s, suite %s and another key", a1, back, err, c.tag, c.suite.name)
			}
		})
	}
	// The offered key itself, decoded: the RFC example's bytes.
	c, _ := parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key)
	raw, _ := base64.StdEncoding.DecodeString(rfc4568Key)
	if !bytes.Equal(append(bytes.Clone(c.keys[0].Key), c.keys[0].Salt...), raw) {
		t.Error("key and salt are not the inline bytes split 16/14")
	}
}

func FuzzParseCrypto(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|2^20|1:4")
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "|2^20|1:4;inline:" + rfc4568KeyMKI2 + "|2^20|2:4 UNENCRYPTED_SRTCP")
	f.Add("2 AEAD_AES_128_GCM " + inline(28, 9) + " WSH=128")
	f.Add("3 AES_256_CM_HMAC_SHA1_32 " + inline(46, 3) + "|1048576|255:1")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := parseCrypto(v)
		if err != nil {
			if k := callvault.ErrorKind(err); k != callvault.KindInvalid && k != callvault.KindUnsupported {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		kl, _ := c.suite.profile.KeyLen()
		sl, _ := c.suite.profile.SaltLen()
		for _, k := range c.keys {
			if len(k.Key) != kl || len(k.Salt) != sl {
				t.Fatalf("key %d/%d bytes for %s", len(k.Key), len(k.Salt), c.suite.name)
			}
		}
		// Whatever parses must key a stream reader and answer.
		r, err := rtp.NewRecorder(io.Discard, rtp.RecorderConfig{SampleRate: 8000})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.AddStream(rtp.Left, rtp.PayloadMap{}).SetSRTP(c.srtp()); err != nil {
			t.Fatalf("parsed keying refused by the stream reader: %v", err)
		}
		if back, err := parseCrypto(c.answerLine()); err != nil || back.tag != c.tag {
			t.Fatalf("answer does not read back: %v", err)
		}
	})
}

// FuzzSRTPOffer: whatever SRTP offer parses is answered with one a=crypto per m-line keyed
// for SRTP (with the offer's tag and suite and a key of the recorder's own), and the answer
// never repeats an offered key.
func FuzzSRTPOffer(f *testing.F) {
	k := newSDESKey(f, "AES_CM_128_HMAC_SHA1_80")
	f.Add([]byte(srtpOffer(k, newSDESKey(f, "AEAD_AES_128_GCM"))))
	f.Add([]byte("v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/SAVPF 8\na=crypto:9 AES_256_CM_HMAC_SHA1_32 " + inline(46, 7) + "|2^20|7:2\nm=audio 4002 RTP/AVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + rfc4568Key + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		offer, err := parseOffer(b)
		if err != nil {
			return
		}
		ports := make([]int, len(offer))
		for i := range ports {
			ports[i] = 40000 + 2*i
		}
		answer := string(answerSDP(1, 1, "127.0.0.1", offer, ports, false))
		protos, cryptos := answerCrypto(t, []byte(answer))
		for _, o := range offer {
			if o.crypto == nil {
				continue
			}
			for _, k := range o.crypto.keys {
				for _, c := range cryptos {
					if strings.Contains(c, base64.StdEncoding.EncodeToString(append(bytes.Clone(k.Key), k.Salt...))) {
						t.Fatalf("the answer repeats an offered key:\n%s", answer)
					}
				}
			}
		}
		n := 0
		for i, o := range offer {
			if o.crypto == nil || !o.usable() {
				continue
			}
			if !savp(protos[i]) {
				t.Fatalf("SRTP m-line %d answered %s", i, protos[i])
			}
			c, err := parseCrypto(cryptos[n])
			if err != nil || c.tag != o.crypto.tag || c.suite != o.crypto.suite {
				t.Fatalf("a=crypto %q for tag %s suite %s: %v", cryptos[n], o.crypto.tag, o.crypto.suite.name, err)
			}
			n++
		}
		if n != len(cryptos) {
			t.Fatalf("%d a=crypto lines in the answer, %d SRTP m-lines", len(cryptos), n)
		}
	})
}
