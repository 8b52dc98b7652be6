package httpserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given serial number to
// cert.pem and key.pem in dir, and returns it.
func writeCert(t *testing.T, dir string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "callvault test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("cert.pem", "CERTIFICATE", der)
	write("key.pem", "EC PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// servedSerial connects to addr over TLS, trusting only want, and returns the serial number of
// the certificate served.
func servedSerial(t *testing.T, addr string, want *x509.Certificate) int64 {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(want)
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestTLSCertificateReload serves HTTPS, replaces the certificate files, reloads, and checks
// that new connections get the new certificate, and that a failed reload keeps serving it.
func TestTLSCertificateReload(t *testing.T) {
	dir := t.TempDir()
	first := writeCert(t, dir, 1)
	reloader, err := NewCertReloader(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	addr := e.serveWith(func(c *Config) { c.TLS = reloader })
	if got := servedSerial(t, addr, first); got != 1 {
		t.Fatalf("serial %d, want 1", got)
	}

	second := writeCert(t, dir, 2)
	if got := servedSerial(t, addr, first); got != 1 {
		t.Fatalf("before the reload: serial %d, want 1 still", got)
	}
	if err := reloader.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, addr, second); got != 2 {
		t.Fatalf("after the reload: serial %d, want 2", got)
	}

	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := reloader.Reload(); err == nil {
		t.Fatal("reloading a broken key succeeded")
	}
	if got := servedSerial(t, addr, second); got != 2 {
		t.Fatalf("after a failed reload: serial %d, want 2 still", got)
	}

	// HTTPS works end to end, over HTTP/1.1.
	roots := x509.NewCertPool()
	roots.AddCert(second)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Proto != "HTTP/1.1" {
		t.Errorf("GET /healthz over TLS: %d %s", resp.StatusCode, resp.Proto)
	}
}

func TestNewCertReloaderNamesFiles(t *testing.T) {
	_, err := NewCertReloader("/nonexistent/cert.pem", "/nonexistent/key.pem")
	if err == nil || !contains(err.Error(), "/nonexistent/cert.pem") {
		t.Fatalf("err = %v, want it to name the certificate file", err)
	}
}

// TestTLSHandshakeHasDeadline: a connection to the HTTPS port that never starts its handshake
// is closed after ReadHeaderTimeout.
func TestTLSHandshakeHasDeadline(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, 1)
	reloader, err := NewCertReloader(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	addr := e.serveWith(func(c *Config) { c.TLS = reloader; c.ReadHeaderTimeout = 200 * time.Millisecond })
	s := stall(t, addr, "silent TLS client", "", 0)
	if err := s.awaitClose(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}
