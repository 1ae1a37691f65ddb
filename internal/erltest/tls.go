package erltest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLS is a throw-away PKI for TLS distribution tests: a CA, and one
// certificate signed by it (for 127.0.0.1 and localhost, usable by
// clients and servers) that every node of the test shares, plus OTP's
// ssl_dist option file for it.
type TLS struct {
	CAFile, CertFile, KeyFile string
	// OptFile is for erl's -ssl_dist_optfile: verify_peer both ways,
	// and a server that requires a client certificate.
	OptFile string
}

// NewTLS writes the files into a temporary directory of the test.
func NewTLS(tb testing.TB) *TLS {
	tb.Helper()
	dir := tb.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "erltest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			tb.Fatal(err)
		}
		return p
	}
	pemOf := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	t := &TLS{
		CAFile:   write("ca.pem", pemOf("CERTIFICATE", caDER)),
		CertFile: write("cert.pem", pemOf("CERTIFICATE", der)),
		KeyFile:  write("key.pem", pemOf("EC PRIVATE KEY", keyDER)),
	}
	side := fmt.Sprintf(`{certfile, %q}, {keyfile, %q}, {cacertfile, %q}, {verify, verify_peer}, {secure_renegotiate, true}`,
		t.CertFile, t.KeyFile, t.CAFile)
	t.OptFile = write("ssl_dist.conf", []byte(fmt.Sprintf("[{server, [%s, {fail_if_no_peer_cert, true}]}, {client, [%s]}].\n", side, side)))
	return t
}

// Args are the erl arguments that make a node use TLS distribution with
// these files (Options.Args).
func (t *TLS) Args() []string {
	return []string{"-proto_dist", "inet_tls", "-ssl_dist_optfile", t.OptFile}
}
