package node

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

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// writeTestPKI writes a CA and one certificate (for 127.0.0.1 and
// localhost, usable as client and server) signed by it.
func writeTestPKI(t *testing.T) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "avmsh test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost", "127.0.0.1"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

func TestTLSDistribution(t *testing.T) {
	ca, cert, key := writeTestPKI(t)
	e := erltest.Start(t, erltest.Options{Args: tlsErlArgs(t, ca, cert, key)})
	files := &carrier.TLSFiles{CertFile: cert, KeyFile: key, CAFile: ca}
	// A TLS handshake under -race on a loaded machine can take seconds:
	// the set-up time is scaled (the plaintext attempts below fail fast
	// on the first bytes, not on this timeout).
	n := startNode(t, e.EpmdPort, e.Cookie, func(c *Config) { c.TLS = files; c.SetupTime = erltest.Timeout(10 * time.Second) })

	if err := n.Ping(ctxT(t), term.Atom(e.Name)); err != nil {
		t.Fatalf("avmsh → erl over TLS: %v\nerl: %s", err, e.Output())
	}
	if got := e.Eval(t, fmt.Sprintf("net_adm:ping('%s')", n.Name())); got != "pong" {
		t.Fatalf("erl → avmsh over TLS: %s", got)
	}
	inbox, _ := n.Runtime().NewProcess(vm.SpawnOptions{Name: "inbox"})
	defer inbox.Exit(vm.Normal)
	e.Eval(t, fmt.Sprintf("{inbox, '%s'} ! {over, tls}", n.Name()))
	recvMatch(t, inbox, tupleTag("over", 2))
	if p, ok := n.Peer(term.Atom(e.Name)); !ok || p.Transport != "tls" {
		t.Fatalf("peer info %+v", p)
	}

	// A plaintext node cannot reach the TLS node, and the TLS node cannot
	// reach it.
	plain := erltest.Start(t, erltest.Options{EpmdPort: e.EpmdPort, Cookie: e.Cookie})
	if got := plain.Eval(t, fmt.Sprintf("net_adm:ping('%s')", n.Name())); got != "pang" {
		t.Fatalf("plaintext ping of a TLS node: %s", got)
	}
	if err := n.Ping(ctxT(t), term.Atom(plain.Name)); err == nil {
		t.Fatal("TLS node reached a plaintext node")
	}
	// The TLS node still serves TLS peers.
	if got := e.Eval(t, fmt.Sprintf("net_adm:ping('%s')", n.Name())); got != "pong" {
		t.Fatalf("TLS ping after plaintext attempts: %s", got)
	}
}
