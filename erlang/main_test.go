package erlang_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode/bridge"
)

// The world the examples run in, set up by TestMain: a private OTP epmd
// (its port in ERL_EPMD_PORT, as erl reads it), BEAM nodes with fixed
// names (the epmd is private, so the names clash with nothing) and a
// serial line to one of them.
var (
	// peer is a BEAM node: erl -name demo@127.0.0.1 -setcookie <cookie>,
	// running an echo server registered as echo.
	peer = "demo@127.0.0.1"
	// tlsPeer is a BEAM node using TLS distribution (-proto_dist
	// inet_tls) with the certificates in certFile, keyFile and caFile.
	tlsPeer                   = "secure@127.0.0.1"
	certFile, keyFile, caFile string
	// cookie is the peers' cookie.
	cookie = "example-cookie"
	// serialDevice is one end of a pty pair; on the other end a bridge
	// relays serial_dist frames to peer, so that it answers over the
	// line as an AtomVM board on /dev/ttyUSB0 would.
	serialDevice string
)

const echoServer = `register(echo, spawn(fun Loop() -> receive {From, Msg} -> From ! {echo, Msg}, Loop() end end))`

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, err := exec.LookPath("erl"); err != nil {
		if erltest.InCI() {
			fmt.Fprintln(os.Stderr, "erl is not installed: the examples run against real BEAM nodes (apt-get install erlang-nox)")
			return 1
		}
		fmt.Fprintln(os.Stderr, "skipping the examples: erl is not installed")
		_ = flag.Set("test.run", "^$")
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cleanup, err := setUp(ctx)
	if err != nil {
		cleanup()
		fmt.Fprintln(os.Stderr, "set up the examples' peers:", err)
		return 1
	}
	code := m.Run()
	cleanup()
	// Every node the tests and examples started has stopped: none of
	// their goroutines may be left.
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return code
}

// setUp starts the peers; the returned function stops what was started,
// also after an error.
func setUp(ctx context.Context) (func(), error) {
	var stops []func()
	cleanup := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	ep, err := erltest.LaunchEpmd(ctx)
	if err != nil {
		return cleanup, err
	}
	stops = append(stops, ep.Stop)
	os.Setenv("ERL_EPMD_PORT", strconv.Itoa(ep.Port))
	dir, err := os.MkdirTemp("", "erlang-examples")
	if err != nil {
		return cleanup, err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })

	demo, err := erltest.Launch(ctx, erltest.Options{Name: "demo", Cookie: cookie, EpmdPort: ep.Port, Eval: []string{echoServer}})
	if err != nil {
		return cleanup, err
	}
	stops = append(stops, demo.Stop)

	if caFile, certFile, keyFile, err = writePKI(dir); err != nil {
		return cleanup, err
	}
	secure, err := erltest.Launch(ctx, erltest.Options{Name: "secure", Cookie: cookie, EpmdPort: ep.Port,
		Args: []string{"-proto_dist", "inet_tls", "-ssl_dist_optfile", filepath.Join(dir, "ssl_dist.conf")}})
	if err != nil {
		return cleanup, err
	}
	stops = append(stops, secure.Stop)

	if _, err := exec.LookPath("socat"); err != nil {
		if erltest.InCI() {
			return cleanup, errors.New("socat is not installed: the serial example needs a pty pair (apt-get install socat)")
		}
		fmt.Fprintln(os.Stderr, "skipping the serial example: socat is not installed")
		_ = flag.Set("test.skip", "ExampleNode_ConnectSerial")
		return cleanup, nil
	}
	a, b, stop, err := socatPair()
	if err != nil {
		return cleanup, err
	}
	stops = append(stops, stop)
	serialDevice = a
	stop, err = bridgeTo(b, ep.Port, "demo")
	stops = append(stops, stop)
	return cleanup, err
}

var ptyLine = regexp.MustCompile(`PTY is (\S+)`)

// socatPair starts socat with two linked ptys and returns their paths.
func socatPair() (string, string, func(), error) {
	cmd := exec.Command("socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-time.After(time.Second): // nobody listens any more
			}
		}
	}()
	var paths []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				stop()
				return "", "", nil, fmt.Errorf("socat exited (ptys so far: %v)", paths)
			}
			if m := ptyLine.FindStringSubmatch(l); m != nil {
				paths = append(paths, m[1])
			}
			if strings.Contains(l, "starting data transfer loop") && len(paths) == 2 {
				go func() {
					for range lines {
					}
				}()
				return paths[0], paths[1], stop, nil
			}
		case <-timeout:
			stop()
			return "", "", nil, fmt.Errorf("socat reported no two ptys within 30 s (got %v)", paths)
		}
	}
}

// bridgeTo relays serial_dist connections on device to the TCP node
// alive@127.0.0.1.
func bridgeTo(device string, epmdPort int, alive string) (func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	port, err := (&epmd.PortMapper{Port: epmdPort}).Lookup(ctx, "127.0.0.1", alive)
	if err != nil {
		cancel()
		return func() {}, err
	}
	p, err := serialdist.OpenAddress("serial:"+device, serialdist.PortConfig{MinBurst: -1})
	if err != nil {
		cancel()
		return func() {}, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bridge.Serve(ctx, p, func(ctx context.Context) (carrier.Conn, error) {
			return (&carrier.TCPDialer{}).Dial(ctx, fmt.Sprintf("127.0.0.1:%d", port))
		})
	}()
	return func() { cancel(); p.Close(); <-done }, nil
}

// writePKI writes a CA, a certificate for 127.0.0.1 signed by it (for
// both the examples' nodes and the TLS peer) and the peer's
// ssl_dist.conf into dir.
func writePKI(dir string) (ca, cert, key string, err error) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "examples CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
	if err != nil {
		return "", "", "", err
	}
	keyDER, _ := x509.MarshalECPrivateKey(k)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if werr := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); werr != nil && err == nil {
			err = werr
		}
		return p
	}
	ca, cert, key = write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
	side := fmt.Sprintf(`[{certfile, %q}, {keyfile, %q}, {cacertfile, %q}, {verify, verify_peer}, {secure_renegotiate, true}`, cert, key, ca)
	conf := fmt.Sprintf("[{server, %s, {fail_if_no_peer_cert, true}]}, {client, %s]}].\n", side, side)
	if werr := os.WriteFile(filepath.Join(dir, "ssl_dist.conf"), []byte(conf), 0o600); werr != nil && err == nil {
		err = werr
	}
	return ca, cert, key, err
}
