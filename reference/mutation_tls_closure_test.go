package reference_test

// The mutation rows of the RFC 9112 §9.7 and §9.8 checks (spec/rfc9112_tls.go): they judge
// only over TLS, so their rows run against a reference serving TLS (tlsRows).

func init() {
	for _, dev := range []string{"TLSNoReuse", "BareTLSClose", "IncompleteCloseStall", "BytesAfterCloseNotify"} {
		tlsRows[dev] = true
	}
	moreMutations = append(moreMutations,
		// Not reusing the connection is also what rfc9112/9.3/persistent-by-default sees.
		mutation{"TLSNoReuse", "", []string{"rfc9112/9.3/persistent-by-default", "rfc9112/9.7/tls-persistent"}},
		mutation{"BareTLSClose", "", []string{"rfc9112/9.8/close-notify"}},
		mutation{"IncompleteCloseStall", "", []string{"rfc9112/9.8/incomplete-close-tolerated"}},
		mutation{"BytesAfterCloseNotify", "", []string{"rfc9112/9.8/close-after-alert"}},
	)
}
