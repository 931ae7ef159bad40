package reference_test

// Mutation rows of the environ and response variants (spec/pep3333_environ_variants.go,
// spec/pep3333_response_variants.go): the deviations that make each of them not pass.

func init() {
	moreMutations = append(moreMutations,
		// PATH_INFO decoded as UTF-8: %FF becomes U+FFFD.
		mutation{"PathInfoUTF8", "", []string{"pep3333/environ/path-info-bytes/pct-ff"}},
		// Escapes left in place: every escaped spelling keeps its %.
		mutation{"PathInfoUndecoded", "", []string{
			"pep3333/environ/path-info-bytes/pct-ff", "pep3333/environ/path-info-decoding/pct-00",
			"pep3333/environ/path-info-decoding/pct-25", "pep3333/environ/path-info-decoding/pct-2f"}},
		mutation{"HeaderValuesUTF8", "", []string{"pep3333/environ/header-bytes/raw-ff"}},
		// A value kept with its leading OWS is not the bytes of the field value either.
		mutation{"KeepHeaderWhitespace", "", []string{"pep3333/environ/header-bytes/raw-ff"}},
		// Raw bytes in the request-target accepted (the reference refuses them) and handed over
		// as UTF-8 of their latin-1 text, as gunicorn and werkzeug do.
		mutation{"RawTargetBytesReencoded", "", []string{
			"pep3333/environ/path-info-bytes/raw-utf8", "pep3333/environ/query-string-bytes/raw-ff",
			"pep3333/environ/query-string-bytes/raw-utf8"}},
		// Control characters let through: in the status as in header values.
		mutation{"AllowHeaderCRLF", "", []string{
			"pep3333/start-response/header-value-control/cr", "pep3333/start-response/header-value-control/lf",
			"pep3333/start-response/header-value-control/nul", "pep3333/start-response/status-invalid/crlf",
			"pep3333/start-response/status-invalid/lf", "pep3333/start-response/status-invalid/trailing-crlf"}},
		mutation{"AcceptAnyStatus", "", []string{"pep3333/start-response/status-invalid/two-digit", "rfc9112/4/status-line/no-reason"}},
		mutation{"AllowInvalidHeaderNames", "", []string{
			"pep3333/start-response/header-name-invalid/crlf", "pep3333/start-response/header-name-invalid/non-ascii",
			"pep3333/start-response/header-name-invalid/space"}},
		mutation{"StatusUTF8", "", []string{"pep3333/start-response/latin1-out/status-reason"}},
		mutation{"StatusTrailingSpaceTrimmed", "", []string{"rfc9112/4/status-line/empty-reason"}},
		mutation{"ExpectContinueHTTP10", "", []string{"rfc9110/10.1.1/expect-100-http10"}},
	)
}
