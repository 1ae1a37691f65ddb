//go:build !windows

package localnode

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

// testPKI writes a CA and a certificate for 127.0.0.1 signed by it.
func testPKI(t *testing.T) *carrier.TLSFiles {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localnode test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
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
	return &carrier.TLSFiles{CAFile: write("ca.pem", "CERTIFICATE", caDER), CertFile: write("cert.pem", "CERTIFICATE", der),
		KeyFile: write("key.pem", "EC PRIVATE KEY", keyDER)}
}

// A target's direct address is dialed over TLS when the node uses TLS
// (it used to be plain TCP whatever the node's configuration).
func TestTLSAddressTarget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pki := testPKI(t)
	noEpmd := &epmd.PortMapper{Port: 1}
	cookie := RandomName("c")
	a, err := Start(ctx, Config{Name: RandomName("tls_a_") + "@127.0.0.1", Cookie: cookie, TLS: pki,
		Listen: true, ListenAddr: "127.0.0.1:0", PortMapper: &noRegister{noEpmd}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	b, err := Start(ctx, Config{Name: RandomName("tls_b_") + "@127.0.0.1", Cookie: cookie, TLS: pki, PortMapper: noEpmd})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	tg := Target{Node: a.Name(), Address: fmt.Sprintf("127.0.0.1:%d", a.ListenPort())}
	if err := b.ConnectTarget(ctx, &tg); err != nil {
		t.Fatalf("TLS connect to %s: %v", tg.Address, err)
	}
	if p, ok := b.Peer(a.Name()); !ok || p.Transport != "tls" {
		t.Fatalf("peer %+v (want transport tls)", p)
	}
}

// noRegister is a port mapper that registers nowhere.
type noRegister struct{ *epmd.PortMapper }

func (noRegister) Register(context.Context, string, int, bool) (uint32, io.Closer, error) {
	return 1, nopCloser{}, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// Serial: the node accepts on its port and prints the port's console
// text, prefixed; another node reaches it over the other end of the
// line and learns its name from the handshake.
func TestSerialListenAndDial(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	console := &syncBuf{}
	cookie := RandomName("c")
	a, err := Start(ctx, Config{Name: RandomName("ser_a_") + "@serial.local", Cookie: cookie,
		Serial: []string{"serial:" + pb, "serial:" + pb + "?baud=115200"}, Console: console, PortMapper: &epmd.PortMapper{Port: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	if len(a.Ports()) != 1 {
		t.Fatalf("ports %v: one device is opened once", a.Ports())
	}
	w, err := os.OpenFile(pa, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("I (31) boot: hello\n")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	prefix := "[" + strings.TrimPrefix(pb, "/dev/") + "] I (31) boot: hello\n"
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(console.String(), prefix) {
		if time.Now().After(deadline) {
			t.Fatalf("console %q, want %q", console.String(), prefix)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, err := Start(ctx, Config{Name: RandomName("ser_b_") + "@serial.local", Cookie: cookie, PortMapper: &epmd.PortMapper{Port: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	tg, err := b.ParseTarget("serial:" + pa)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ConnectTarget(ctx, &tg); err != nil {
		t.Fatal(err)
	}
	if tg.Node != a.Name() {
		t.Fatalf("learned %q, want %q", tg.Node, a.Name())
	}
}
