package reference_test

import (
	"testing"

	"github.com/conform-wsgi/conform/reference"
)

// Mutation rows of the Content-Length and Transfer-Encoding spellings
// (spec/rfc9112_framing_variants.go): each deviation that makes one of them not pass.
func init() {
	moreMutations = append(moreMutations,
		// Python's str.strip() removes \v \f \x1c-\x1f \x85 \xa0 as well as SP and HTAB.
		mutation{"FramingPythonStrip", "", []string{
			"rfc9112/6.1/te-list/nbsp", "rfc9112/6.1/te-list/vertical-tab",
			"rfc9112/6.3/content-length-invalid/file-separator", "rfc9112/6.3/content-length-invalid/form-feed",
			"rfc9112/6.3/content-length-invalid/nbsp", "rfc9112/6.3/content-length-invalid/nel",
			"rfc9112/6.3/content-length-invalid/vertical-tab"}},
		mutation{"ContentLengthEmptyAsZero", "", []string{"rfc9112/6.3/content-length-invalid/empty"}},
		// Anything but exactly "chunked" is ignored: lists, parameters and codings before or
		// after it alike.
		mutation{"TransferEncodingExactChunked", "", []string{
			"rfc9112/6.1/te-and-content-length/te-identity",
			"rfc9112/6.1/te-list/chunked-identity-lines", "rfc9112/6.1/te-list/chunked-parameter",
			"rfc9112/6.1/te-list/chunked-twice", "rfc9112/6.1/te-list/empty-element-leading",
			"rfc9112/6.1/te-list/empty-element-trailing", "rfc9112/6.1/te-list/gzip-chunked-lines",
			"rfc9112/6.1/te-list/nbsp", "rfc9112/6.1/unknown-transfer-coding", "rfc9112/6.3/te-chunked-not-final"}},

		// atoi() reads "5.0" and "5\x85" as 5, "0x5" as 0 and "1 0" as 1.
		mutation{"ContentLengthDigitPrefix", "", []string{
			"rfc9112/6.3/content-length-invalid/decimal-point", "rfc9112/6.3/content-length-invalid/hex-prefix",
			"rfc9112/6.3/content-length-invalid/inner-space", "rfc9112/6.3/content-length-invalid/nel",
			"rfc9112/6.3/content-length-invalid/underscore-http10"}},
		mutation{"ContentLengthPythonInt", "", []string{
			"rfc9112/6.3/content-length-invalid/list-invalid-member", "rfc9112/6.3/content-length-invalid/minus-zero",
			"rfc9112/6.3/content-length-invalid/plus-http10", "rfc9112/6.3/content-length-invalid/underscore-http10"}},
		mutation{"AcceptSignedContentLength", "", []string{
			"rfc9112/6.3/content-length-invalid/list-invalid-member", "rfc9112/6.3/content-length-invalid/minus-zero",
			"rfc9112/6.3/content-length-invalid/plus-http10"}},
		mutation{"PreferContentLength", "", []string{
			"rfc9112/6.1/te-and-content-length/cl-first", "rfc9112/6.1/te-and-content-length/cl-zero",
			"rfc9112/6.1/te-and-content-length/te-identity", "rfc9112/6.1/te-and-content-length/te-upper-case"}},
		// Any list holding chunked is framed as chunked.
		mutation{"AcceptTENotFinalChunked", "", []string{
			"rfc9112/6.1/te-list/chunked-identity-lines", "rfc9112/6.1/te-list/chunked-parameter",
			"rfc9112/6.1/te-list/gzip-chunked-lines"}},
		// Transfer-Encoding ignored: framed by Content-Length or empty (the checks that require
		// chunked-body are skipped).
		mutation{"NoChunkedSupport", "", []string{
			"rfc9112/6.1/te-and-content-length/cl-first", "rfc9112/6.1/te-and-content-length/cl-zero",
			"rfc9112/6.1/te-and-content-length/te-identity", "rfc9112/6.1/te-and-content-length/te-upper-case",
			"rfc9112/6.1/te-list/chunked-identity-lines", "rfc9112/6.1/te-list/gzip-chunked-lines",
			"rfc9112/6.1/te-list/nbsp"}},
	)
}

// TestFramingVariantDeviations: each deviation of the family changes how the reference reads
// the spelling it stands for, and nothing else in that request.
func TestFramingVariantDeviations(t *testing.T) {
	const post = "POST / HTTP/1.1\r\nHost: a\r\n"
	const get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	refused := func(in reference.Interpretation) bool {
		return len(in.Requests) == 0 && in.Error != nil && in.Error.Status == 400
	}
	body := func(want string, n int) func(in reference.Interpretation) bool {
		return func(in reference.Interpretation) bool {
			return len(in.Requests) == n && in.Error == nil && !in.Incomplete && string(in.Requests[0].Body) == want
		}
	}
	for _, c := range []struct {
		name, dev, raw   string
		normal, deviated func(in reference.Interpretation) bool
	}{
		{"vertical tab before the length", "FramingPythonStrip", post + "Content-Length: \x0b2\r\n\r\nab", refused, body("ab", 1)},
		{"nbsp before chunked", "FramingPythonStrip", post + "Transfer-Encoding: \xa0chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", refused, body("ab", 1)},
		{"empty length", "ContentLengthEmptyAsZero", post + "Content-Length:\r\n\r\n" + get, refused, body("", 2)},
		{"empty list element", "TransferEncodingExactChunked", post + "Transfer-Encoding: ,chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", body("ab", 1),
			func(in reference.Interpretation) bool {
				// Not chunked: no body, and the chunks are read as the next request.
				return len(in.Requests) == 1 && len(in.Requests[0].Body) == 0 && in.Error != nil
			}},
		{"exactly chunked", "TransferEncodingExactChunked", post + "Transfer-Encoding: Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", body("ab", 1), body("ab", 1)},
	} {
		t.Run(c.dev+"/"+c.name, func(t *testing.T) {
			if in := reference.Interpret([]byte(c.raw), reference.Limits{}); !c.normal(in) {
				t.Errorf("conforming: %+v err %v", in, in.Error)
			}
			var d reference.Deviations
			if err := d.Set(c.dev, ""); err != nil {
				t.Fatal(err)
			}
			if in := reference.InterpretWith([]byte(c.raw), reference.Limits{}, d); !c.deviated(in) {
				t.Errorf("deviated: %+v err %v", in, in.Error)
			}
		})
	}
}

func init() {
	// No check sends a GET with a body: the CL.0 attack through a front (desync.Attacks)
	// is what catches a server that reads one as the next request.
	moreMutations = append(moreMutations, mutation{"NoBodyOnGET", "", nil})
}
