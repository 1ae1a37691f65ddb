package carrier

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles names the PEM files of a TLS distribution set-up, compatible
// with OTP's `-proto_dist inet_tls` (ssl_dist_opt server_certfile,
// keyfile, cacertfile and their client_ counterparts).
type TLSFiles struct {
	CertFile string // our certificate chain (PEM)
	KeyFile  string // its private key (PEM); may be the same file
	CAFile   string // CA certificates that sign peers' certificates
	// InsecureSkipVerify turns off peer verification (never the default).
	InsecureSkipVerify bool
	// NoClientVerify makes the listener accept clients without a
	// certificate. By default, when CAFile is set, incoming peers must
	// present a certificate signed by it, like OTP with verify_peer.
	NoClientVerify bool
}

// Configs loads the files and returns the client (dialing) and server
// (listening) TLS configurations: TLS 1.2 or 1.3, peer verification on
// unless InsecureSkipVerify.
func (f TLSFiles) Configs() (client, server *tls.Config, err error) {
	if f.CertFile == "" {
		return nil, nil, errors.New("TLS distribution needs a certificate file (and its key and CA files)")
	}
	key := f.KeyFile
	if key == "" {
		key = f.CertFile
	}
	cert, err := tls.LoadX509KeyPair(f.CertFile, key)
	if err != nil {
		return nil, nil, fmt.Errorf("load TLS certificate %s / key %s: %w", f.CertFile, key, err)
	}
	var pool *x509.CertPool
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("read TLS CA file: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("TLS CA file %s holds no PEM certificate", f.CAFile)
		}
	} else if !f.InsecureSkipVerify {
		pool, err = x509.SystemCertPool()
		if err != nil {
			return nil, nil, fmt.Errorf("no CA file given for TLS distribution, and the system CA pool is unavailable: %w", err)
		}
	}
	client = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		Certificates:       []tls.Certificate{cert},
		RootCAs:            pool,
		InsecureSkipVerify: f.InsecureSkipVerify,
	}
	server = &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
	}
	switch {
	case f.InsecureSkipVerify || f.NoClientVerify:
		server.ClientAuth = tls.RequestClientCert
	case f.CAFile != "":
		server.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return client, server, nil
}
