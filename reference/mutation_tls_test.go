package reference_test

// The mutation row of pep3333/environ/https-when-ssl (spec/pep3333_environ_tls.go): a
// check that only applies over TLS, so its row runs the catalog against a reference
// serving TLS (tlsRows), which also proves every other check passes over TLS.

// tlsRows names the deviations whose rows run over TLS.
var tlsRows = map[string]bool{"NoHTTPSVariable": true}

func init() {
	moreMutations = append(moreMutations,
		mutation{"NoHTTPSVariable", "", []string{"pep3333/environ/https-when-ssl"}},
	)
}
