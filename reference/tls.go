package reference

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/conform-wsgi/conform/internal/tlscert"
)

// tlsListener wraps l to serve TLS with a fresh self-signed certificate for its address.
func tlsListener(l net.Listener) (net.Listener, error) {
	host, _ := splitHostPort(l.Addr())
	p, err := tlscert.Generate(host)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("reference: %w", err)
	}
	cfg, err := p.ServerConfig()
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("reference: %w", err)
	}
	return tls.NewListener(eofListener{l}, cfg), nil // eofListener: app_tls_closure.go
}

// handshake completes the TLS handshake of a TLS connection, within the read timeout, and
// records what mod_ssl would export of it. It reports whether the connection is usable; a
// plain one always is.
func (c *conn) handshake() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	c.awaitStall() // Deviations.IncompleteCloseStall
	ctx, cancel := context.WithTimeout(context.Background(), c.s.opt.ReadTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.s.logf("TLS handshake: %v", err)
		return false
	}
	st := tc.ConnectionState()
	c.info.sslProtocol = modSSLProtocol(st.Version)
	c.info.sslCipher = tls.CipherSuiteName(st.CipherSuite)
	return true
}

// modSSLProtocol names a TLS version as mod_ssl's SSL_PROTOCOL does: "TLSv1.3".
func modSSLProtocol(v uint16) string {
	return strings.Replace(tls.VersionName(v), "TLS ", "TLSv", 1)
}
