package mail_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/mailtest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and returns their paths and
// a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "callvault test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With a server that offers STARTTLS and requires it and AUTH, the sender upgrades, signs in
// and delivers; an untrusted certificate stops delivery rather than falling back to plain text.
func TestSTARTTLSAndAuth(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	mp := mailtest.New(t, mailtest.Options{TLSCert: certFile, TLSKey: keyFile, RequireTLS: true, Auth: true})
	cfg, err := mail.ParseURL("smtp://alice:pa55-word@" + mp.SMTPAddr + "?from=callvault@vault.example.org")
	if err != nil {
		t.Fatal(err)
	}
	db, _ := tempCatalogue(t)
	clk := newClock()
	m := caseMail(t, "C-50", "dpo@example.org")
	m.CreatedAt = clk.Now()
	enqueue(t, db, m)

	untrusted := &mail.SMTP{Config: cfg, Timeout: 10 * time.Second} // system roots only
	if res := runOnce(t, newSender(db, untrusted, "node", clk)); res != (mail.Result{Failed: 1}) {
		t.Fatalf("RunOnce with an untrusted certificate = %+v, want 1 failed", res)
	}
	if p := outbox(t, db, true); len(p) != 1 || !strings.Contains(p[0].LastError, "STARTTLS") ||
		strings.Contains(p[0].LastError, "pa55-word") {
		t.Fatalf("pending after the TLS failure: %+v", p)
	}
	if n := count(t, mp); n != 0 {
		t.Fatalf("mailpit got %d messages over a connection that failed TLS", n)
	}

	trusted := &mail.SMTP{Config: cfg, TLS: &tls.Config{RootCAs: pool}, Timeout: 10 * time.Second}
	clk.Add(time.Hour)
	if res := runOnce(t, newSender(db, trusted, "node", clk)); res != (mail.Result{Sent: 1}) {
		t.Fatalf("RunOnce over STARTTLS = %+v, want 1 sent", res)
	}
	got := received(t, mp, 1)
	if got[0].Username != "alice" {
		t.Errorf("message signed in as %q, want alice", got[0].Username)
	}
}

func TestRequireTLSRefusesPlainServer(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	cfg, err := mail.ParseURL("smtp://" + mp.SMTPAddr + "?from=callvault@vault.example.org&require_tls=true")
	if err != nil {
		t.Fatal(err)
	}
	db, _ := tempCatalogue(t)
	enqueue(t, db, caseMail(t, "C-51", "dpo@example.org"))
	if res := runOnce(t, newSender(db, &mail.SMTP{Config: cfg}, "node", nil)); res != (mail.Result{Failed: 1}) {
		t.Fatalf("RunOnce = %+v, want 1 failed", res)
	}
	if p := outbox(t, db, true); len(p) != 1 || !strings.Contains(p[0].LastError, "STARTTLS") {
		t.Fatalf("pending: %+v, want the message with a STARTTLS error", p)
	}
	if n := count(t, mp); n != 0 {
		t.Fatalf("mailpit got %d messages in plain text despite require_tls", n)
	}
}
