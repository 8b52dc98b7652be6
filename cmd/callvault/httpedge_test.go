package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/audio"
)

// writeTestCert writes a self-signed certificate for 127.0.0.1 with the given serial number to
// cert.pem and key.pem in dir.
func writeTestCert(t *testing.T, dir string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "callvault e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	// Written to temporary files and renamed, as a certificate renewal tool does.
	for name, blk := range map[string]*pem.Block{"cert.pem": {Type: "CERTIFICATE", Bytes: der}, "key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		tmp := filepath.Join(dir, name+".tmp")
		if err := os.WriteFile(tmp, pem.EncodeToMemory(blk), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func tlsClient(certs ...*x509.Certificate) *http.Client {
	roots := x509.NewCertPool()
	for _, c := range certs {
		roots.AddCert(c)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, DisableKeepAlives: true}}
}

// TestServeHTTPSReloadsOnSIGHUP: callvault serve --tls-cert/--tls-key serves HTTPS (an upload
// works), and a renewed certificate is served after SIGHUP without a restart.
func TestServeHTTPSReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	first := writeTestCert(t, dir, 101)
	reloaded := make(chan struct{}, 1)
	s := startServerWith(t, func(m *Main) { m.onCertReload = func() { reloaded <- struct{}{} } },
		"--data", t.TempDir(), "--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem"))
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("url %q, want https", s.url)
	}
	token := createToken(t, s.data, "recorder", "pbx")

	serial := func(c *http.Client) int64 {
		t.Helper()
		resp, err := c.Get(s.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(tlsClient(first)); got != 101 {
		t.Fatalf("serial %d, want 101", got)
	}
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.5)
	body, ct := multipartBody(part{name: "metadata", body: metaJSON("https-1", nil)}, part{name: "audio", body: wav})
	req, _ := http.NewRequest("POST", s.url+"/api/v1/recordings", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := tlsClient(first).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload over HTTPS: %d", resp.StatusCode)
	}

	second := writeTestCert(t, dir, 102)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	<-reloaded
	if got := serial(tlsClient(second)); got != 102 {
		t.Fatalf("after SIGHUP: serial %d, want 102", got)
	}
}

func TestTLSConfigNeedsBoth(t *testing.T) {
	code, _, errOut := cli(t, "serve", "--data", t.TempDir(), "--tls-cert", "x.pem")
	if code == 0 || !strings.Contains(errOut, "tls_cert") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = cli(t, "serve", "--data", t.TempDir(), "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "nonsense")
	if code == 0 || !strings.Contains(errOut, `"nonsense" is not a CIDR prefix`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestTrustedProxyFlagRepeats: --trusted-proxy may be repeated and may hold a comma list.
func TestTrustedProxyFlagRepeats(t *testing.T) {
	fs := newFlagSet(testEnv(io.Discard, io.Discard), "serve", "serve", true)
	if err := fs.Parse([]string{"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "192.0.2.1, 2001:db8::/32"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(cfg.trustedProxies())
	if want := "[10.0.0.0/8 192.0.2.1/32 2001:db8::/32]"; got != want {
		t.Errorf("trusted proxies %s, want %s", got, want)
	}
}

// TestStalledHTTPConnectionsE2E: against callvault serve with short deadlines, 200 connections
// that stall (a declared body never sent, on error paths, /healthz and an authenticated upload;
// half-sent headers) are all closed by the server while a real upload succeeds.
func TestStalledHTTPConnectionsE2E(t *testing.T) {
	s := startServer(t, "", "--http-body-timeout", "500ms", "--upload-idle-timeout", "500ms",
		"--http-header-timeout", "500ms", "--http-idle-timeout", "500ms")
	token := createToken(t, s.data, "recorder", "pbx")
	auditor := createToken(t, s.data, "auditor", "siem")
	addr := strings.TrimPrefix(s.url, "http://")
	head := func(method, path, auth, sent string) string {
		h := method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nContent-Type: multipart/form-data; boundary=B\r\n"
		if auth != "" {
			h += "Authorization: Bearer " + auth + "\r\n"
		}
		return h + "\r\n" + sent
	}
	meta := string(metaJSON("stalled", nil))
	raws := []string{
		head("POST", "/api/v1/recordings", "", "xyz"),
		head("POST", "/api/v1/recordings", "cv_wrong", "xyz"),
		head("POST", "/api/v1/recordings", auditor, "xyz"),
		head("POST", "/nowhere", "", "xyz"),
		head("DELETE", "/healthz", "", "xyz"),
		head("GET", "/healthz", "", "xyz"),
		head("POST", "/api/v1/recordings", token, "--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"+meta+
			"\r\n--B\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nRIFF"),
		"GET /healthz HTTP/1.1\r\nHost: x\r\n",
	}
	var conns []net.Conn
	for i := 0; i < 200; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, raws[i%len(raws)]); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}

	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	if r := uploadWAV(t, s.url, token, "real", wav); r.status != http.StatusCreated {
		t.Fatalf("real upload among stalled connections: %d %s", r.status, r.raw)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []int
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The server must close: read until EOF (or a reset). This deadline only stops a
			// broken server from hanging the test.
			_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				mu.Lock()
				open = append(open, i)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(open) > 0 {
		t.Errorf("%d stalled connections were never closed by the server (indexes %v)", len(open), open)
	}
}
