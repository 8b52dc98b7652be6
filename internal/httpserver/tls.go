package httpserver

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"

	"github.com/callvault/callvault"
)

// CertReloader serves the TLS certificate and key of two PEM files and reads them again on
// Reload, so that a renewed certificate (SIGHUP in callvault serve) needs no restart. A reload
// that fails keeps the certificate being served.
type CertReloader struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// NewCertReloader reads the certificate and key. It returns KindInvalid, naming the files, if
// they cannot be read or do not form a pair.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	c := &CertReloader{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again and, if they hold a valid pair, serves it from the next
// handshake on. On error the previous certificate stays.
func (c *CertReloader) Reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return callvault.WrapError(callvault.KindInvalid, err,
			fmt.Sprintf("TLS certificate %s and key %s: %v", c.certFile, c.keyFile, err))
	}
	c.cert.Store(&cert)
	return nil
}

// GetCertificate implements tls.Config.GetCertificate.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cert.Load(), nil
}

// config is the server's TLS configuration: TLS 1.2 at least, Go's default cipher suites.
func (c *CertReloader) config() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: c.GetCertificate,
		NextProtos:     []string{"http/1.1"},
	}
}
