package reference_test

// Mutation rows of the request-line, HTTP-version and field-line spellings
// (spec/rfc9112_request_variants.go): each deviation that makes one of them not pass.
func init() {
	moreMutations = append(moreMutations,
		// "get" is no method the reference knows, so the app is told GET.
		mutation{"UnknownMethodAsGET", "", []string{"rfc9112/3/method-case/lower"}},

		// Every version is served, and echoed in the status line: "b HTTP/1.1" too, the
		// version of 'GET /a b HTTP/1.1'.
		mutation{"EchoAnyHTTPVersion", "", []string{
			"rfc9112/3/invalid-request-line",
			"rfc9112/2.3/version-invalid/http2", "rfc9112/2.3/version-invalid/leading-zero",
			"rfc9112/2.3/version-invalid/lowercase-name", "rfc9112/2.3/version-invalid/space-after-slash",
			"rfc9112/2.3/version-invalid/three-parts", "rfc9112/2.3/version-invalid/two-digit-minor"}},

		mutation{"BareCRInRequestLine", "", []string{"rfc9112/2.2/bare-cr/method", "rfc9112/2.2/bare-cr/target"}},

		// Anything before ':' is a name: a CR, a space, a NUL, 0xE9, nothing, and the
		// VT or NBSP that starts a line that is no fold.
		mutation{"LaxFieldNames", "", []string{
			"rfc9112/2.2/bare-cr/field-name", "rfc9112/5.1/field-name-invalid/empty",
			"rfc9112/5.1/field-name-invalid/non-ascii", "rfc9112/5.1/field-name-invalid/nul",
			"rfc9112/5.1/field-name-invalid/space", "rfc9112/5.1/field-name-invalid/vt-before-colon",
			"rfc9112/5.2/obs-fold/nbsp", "rfc9112/5.2/obs-fold/vt", "rfc9112/5/invalid-field-name"}},
		// The same, but an empty name and a CR are still refused.
		mutation{"AcceptInvalidFieldNames", "", []string{
			"rfc9112/5.1/field-name-invalid/non-ascii", "rfc9112/5.1/field-name-invalid/nul",
			"rfc9112/5.1/field-name-invalid/space", "rfc9112/5.1/field-name-invalid/vt-before-colon",
			"rfc9112/5.2/obs-fold/nbsp", "rfc9112/5.2/obs-fold/vt"}},

		mutation{"ValuePythonStrip", "", []string{
			"rfc9110/5.5/field-value-whitespace/fs", "rfc9110/5.5/field-value-whitespace/nbsp",
			"rfc9110/5.5/field-value-whitespace/nel", "rfc9110/5.5/field-value-whitespace/vt"}},
		// 0x85 and 0xA0 decoded as UTF-8 are U+FFFD, not the bytes sent.
		mutation{"HeaderValuesUTF8", "", []string{"rfc9110/5.5/field-value-whitespace/nbsp", "rfc9110/5.5/field-value-whitespace/nel"}},
		// A value kept with its leading SP is not the value sent.
		mutation{"KeepHeaderWhitespace", "", []string{
			"rfc9110/5.5/field-value-whitespace/nbsp", "rfc9110/5.5/field-value-whitespace/nel",
			"rfc9112/2.2/bare-lf/field-line", "rfc9112/2.2/bare-lf/header-end", "rfc9112/2.2/bare-lf/request-line"}},

		// The other choice RFC 9112 §2.2 permits: reported (info), not failed.
		mutation{"CRLFLineEndsOnly", "", []string{"rfc9112/2.2/bare-lf/header-end", "rfc9112/2.2/bare-lf/request-line"}},
		mutation{"DropBareLFFieldLines", "", []string{"rfc9112/2.2/bare-lf/content-length", "rfc9112/2.2/bare-lf/field-line"}},
	)
}
