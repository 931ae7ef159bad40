package conform_test

import "github.com/conform-wsgi/conform/spec"

// cherootVerdicts: where cheroot 9.0.0+ds1 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var cherootVerdicts = serverVerdicts{
	server:  "cheroot",
	version: "9.0.0+ds1",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "cheroot/server.py:862-874 (HTTPRequest.read_request_line) answers an absolute-form target with 400 'Absolute URI not allowed if server is not a proxy.' whenever strict_mode is on and proxy_mode off, the defaults (server.py:670)"},
		"pep3333/environ/repeated-headers-combined":      {spec.Warn, "cheroot/server.py:227-231 (HeaderReader.__call__) comma-joins a repeated field only when its name is in comma_separated_headers (server.py:163-170); any other name is overwritten, so X-Rep keeps only its last value 'three'"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "cheroot/server.py:665 uses the plain HeaderReader (DropUnderscoreHeaderReader, server.py:243-249, is opt-in), and wsgi.py:289-296 (Gateway_10.get_environ) maps 'X_Conform_Auth' to HTTP_X_CONFORM_AUTH after 'X-Conform-Auth', overwriting it"},

		// input
		"pep3333/input/readlines": {spec.Fail, "cheroot/server.py:412 (KnownLengthRFile.readlines) calls readline(sizehint) with the default sizehint=0, and readline (server.py:394) reads min(0, remaining) = 0 bytes, so readlines() returns []"},

		// start-response
		"pep3333/start-response/exc-info-replaces-headers":  {spec.Warn, "cheroot/wsgi.py:164-178 (Gateway.start_response) with exc_info replaces the status but appends the new headers to req.outheaders, which it never clears: both X-Conform-Call lines are sent"},
		"pep3333/start-response/header-crlf-refused":        {spec.Fail, "cheroot/wsgi.py:166-178 (Gateway.start_response) checks only that header names and values are str, and server.py:1222 (HTTPRequest.send_headers) writes each as 'k: v' CRLF verbatim, so the CR LF reaches the wire"},
		"pep3333/start-response/header-errors-raised-early": {spec.Warn, "cheroot/wsgi.py:166-178 (Gateway.start_response) checks only that header values are str, never for control characters; server.py:1222 (send_headers) sends 'bad\\x01value' as is"},
		"pep3333/start-response/headers-held-until-body":    {spec.Fail, "cheroot/wsgi.py:136 (Gateway.respond) skips the b'' block, but its finally clause (wsgi.py:140-142) calls ensure_headers_sent() when the iterable raises, so '200 OK' goes out with no body data and server.py:1345 (_conditional_error) then declines to send the 500"},
		"pep3333/start-response/hop-by-hop-refused":         {spec.Warn, "cheroot/wsgi.py:166-178 (Gateway.start_response) accepts any header name, hop-by-hop ones included; with the app's Content-Length, server.py:1143-1161 (send_headers) does not chunk, so 'Transfer-Encoding: chunked' goes out over a plain body"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "cheroot/wsgi.py:206-213 (Gateway.write) answers a too-long first block with a simple_response 500 but does not mark headers sent, then wsgi.py:219-221 sends the app's 200 headers and the whole 10-byte block (truncation, wsgi.py:217, applies only after headers were sent)"},
		"pep3333/response/short-content-length-closes": {spec.Warn, "cheroot/wsgi.py:122-144 (Gateway.respond) never compares what was sent with the app's Content-Length (remaining_bytes_out is only checked for excess in write, wsgi.py:206), so the connection is kept for the next request"},
		"rfc9110/15.3.5/204-no-content":                {spec.Fail, "cheroot/wsgi.py:136-139 (Gateway.respond) writes every block whatever the status; server.py:1151 (send_headers) only avoids chunking a 204, and server.py:1126-1133 (HTTPRequest.write) sends the body"},
		"rfc9110/15.4.5/304-no-content":                {spec.Fail, "cheroot/wsgi.py:136-139 (Gateway.respond) writes every block whatever the status; server.py:1151 (send_headers) only avoids chunking a 304, and server.py:1126-1133 (HTTPRequest.write) sends the body"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "cheroot/wsgi.py:136-139 (Gateway.respond) writes the app's body for every method; HEAD is only looked at in server.py:1156 (send_headers), to avoid chunking"},

		// fields
		"rfc9110/5.5/nul-in-field-value":          {spec.Fail, "cheroot/server.py:216-231 (HeaderReader.__call__) keeps a field value as received after strip(), with no check for NUL: HTTP_X_NUL='a\\x00b'"},
		"rfc9112/2.2/bare-cr-in-field":            {spec.Fail, "cheroot/server.py:201-210 (HeaderReader.__call__) splits lines at LF and checks only that each ends in CR LF, so the bare CR stays inside the value: HTTP_X_CR='a\\rb'"},
		"rfc9112/2.2/whitespace-after-start-line": {spec.Fail, "cheroot/server.py:212 (HeaderReader.__call__) tests line[0], an int on Python 3, against the bytes SPACE and TAB, so it is never a continuation: ' X-Sneaky: yes' is split at ':' (server.py:217) and _transform_key (server.py:240) strips the name"},
		"rfc9112/3.2/duplicate-host":              {spec.Fail, "cheroot never validates Host: server.py:231 (HeaderReader.__call__) keeps the last Host line and wsgi.py:289-296 (get_environ) copies it into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":                {spec.Fail, "cheroot never validates Host: neither server.py:964-1058 (HTTPRequest.read_request_headers) nor wsgi.py:289-296 (get_environ), which copies it into HTTP_HOST, looks at its value"},
		"rfc9112/3.2/missing-host":                {spec.Fail, "cheroot never requires Host: server.py:964-1058 (HTTPRequest.read_request_headers) accepts an HTTP/1.1 request without one"},
		"rfc9112/5.1/whitespace-before-colon":     {spec.Fail, "cheroot/server.py:240 (HeaderReader._transform_key) strip()s the name, so 'Transfer-Encoding : chunked' is Transfer-Encoding; server.py:1011-1020 sets chunked_read for the GET and the app's read waits for a chunk-size line"},
		"rfc9112/5/invalid-field-name":            {spec.Warn, "cheroot/server.py:217-221 (HeaderReader.__call__) takes every byte before ':' as the name, with no token check: HTTP_X_BAD\\x01NAME reaches the app"},

		// framing
		"rfc9112/6.3/content-length-negative":          {spec.Fail, "cheroot/server.py:982 (HTTPRequest.read_request_headers) parses Content-Length with int(), which reads '-1' as -1, and only rejects values above max_request_body_size"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "cheroot/server.py:982 (HTTPRequest.read_request_headers) parses Content-Length with int(), which reads '+5' as 5"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "cheroot/server.py:231 (HeaderReader.__call__) overwrites the first Content-Length line with the second, so the body is framed as 6 bytes (server.py:982) and nothing answers 400"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "cheroot/server.py:982 (HTTPRequest.read_request_headers) parses Content-Length with int(), which reads '1_0' as 10"},
		"rfc9112/7.1.2/trailer-section":                {spec.Fail, "cheroot/server.py:482-484 (ChunkedRFile._fetch) ends the body at the zero chunk without reading the trailer section (read_trailer_lines, server.py:597, is never called), so 'X-Trailer: t' is read as the next request line: 400"},
		"rfc9112/7.1/chunk-size-0x-prefix":             {spec.Warn, "cheroot/server.py:471-475 (ChunkedRFile._fetch) strip()s the chunk-size line and parses it with int(chunk_size, 16), which accepts '0x5'"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Warn, "cheroot/server.py:471 (ChunkedRFile._fetch) strip()s the chunk-size line before int(chunk_size, 16) (server.py:475), so ' 5' is read as 5"},
		"rfc9112/7.1/chunk-size-sign":                  {spec.Warn, "cheroot/server.py:471-475 (ChunkedRFile._fetch) parses the chunk size with int(chunk_size, 16), which accepts '+5'"},
		"rfc9112/7.1/chunk-size-underscore":            {spec.Warn, "cheroot/server.py:471-475 (ChunkedRFile._fetch) parses the chunk size with int(chunk_size, 16), which accepts '1_0'"},
		"pep3333/input/iteration":                      {spec.Fail, "cheroot/server.py:429-434 (KnownLengthRFile.__next__) calls next(self.rfile) without checking the bytes left, so iteration blocks reading past Content-Length"},
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "cheroot/wsgi.py:302-304 passes CONTENT_LENGTH='3' to the app although the body was decoded as chunked, and the connection stays open (the leftover 0 CRLF is parsed as the next request)"},
	},
}
