package conform_test

import "github.com/conform-wsgi/conform/spec"

// tornadoVerdicts: where tornado 6.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// The installed package is Debian's 6.2.0-3+deb12u4, which backports none of the upstream
// request-smuggling fixes of 6.3.3 (GHSA-qppv-j76h-2rpx) and 6.4.1 (GHSA-753j-mpmx-qq6g).
// tornado/wsgi.py:97-148 (WSGIContainer.__call__) runs the app on the IOLoop thread, collects the
// whole body, then writes head and body at once (http1connection.py:379-470 write_headers).
var tornadoVerdicts = serverVerdicts{
	server:  "tornado",
	version: "6.2",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "tornado/httputil.py:394-395 (HTTPServerRequest.__init__) takes path as the whole request-target up to '?', scheme and authority included, and wsgi.py:163-165 (WSGIContainer.environ) unquotes it into PATH_INFO"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "tornado/httputil.py:181-185 (HTTPHeaders.parse_line) keeps 'X_Conform_Auth' as a name of its own, and wsgi.py:183-184 (WSGIContainer.environ) maps every name with replace('-', '_').upper(), so the later underscore line overwrites HTTP_X_CONFORM_AUTH"},

		// start-response
		"pep3333/start-response/header-errors-raised-early":   {spec.Warn, "tornado/wsgi.py:101-114 (WSGIContainer.__call__ start_response) stores status and headers unchecked, and http1connection.py:455-457 (HTTP1Connection.write_headers) refuses only '\\n' in a header line, so '\\x01' goes out"},
		"pep3333/start-response/hop-by-hop-refused":           {spec.Warn, "tornado/wsgi.py:101-114 (start_response) accepts any header name, and http1connection.py:407-424 (HTTP1Connection.write_headers) leaves an app's Transfer-Encoding alone and does not chunk, so the body goes out raw under 'Transfer-Encoding: chunked'"},
		"pep3333/start-response/second-call-without-exc-info": {spec.Fail, "tornado/wsgi.py:101-114 (WSGIContainer.__call__ start_response) ignores exc_info and never raises: every call overwrites data['status'] and data['headers']"},

		// response
		"pep3333/response/date-header":          {spec.Fail, "tornado/wsgi.py:128-139 (WSGIContainer.__call__) adds Content-Length, Content-Type and Server but no Date, and http1connection.py:379-470 (write_headers) adds none; only tornado.web.RequestHandler sets Date (web.py:334)"},
		"pep3333/response/streaming-unbuffered": {spec.Fail, "tornado/wsgi.py:119-121 (WSGIContainer.__call__) collects every block with response.extend(app_response) and b''.join before the single write_headers(..., chunk=body) at wsgi.py:146"},
		"rfc9110/15.3.5/204-no-content":         {spec.Fail, "tornado/wsgi.py:133-135 (WSGIContainer.__call__) adds Content-Length: len(body) for every status but 304, and http1connection.py:444-447,472-486 (write_headers, _format_chunk) send that body: nothing strips a 204's content"},

		// fields
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "tornado/httputil.py:181-185 (HTTPHeaders.parse_line) keeps a value as received apart from strip(), NUL included, and wsgi.py:183-184 (WSGIContainer.environ) copies it into HTTP_X_NUL"},
		"rfc9112/2.2/bare-cr-in-field":        {spec.Fail, "tornado/http1connection.py:587-591 (_parse_headers) and httputil.py:203-208 (HTTPHeaders.parse) split lines at '\\n' and drop only a trailing '\\r', so the bare CR stays inside 'a\\rb'"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "tornado never validates Host: httputil.py:140-148,226-230 (HTTPHeaders.add, __getitem__) comma-join both lines into request.host (httputil.py:386), wsgi.py:153-156 (WSGIContainer.environ) then fails on int('PORT,evil.example') and http1connection.py:832-835 closes the connection without a response"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "tornado never validates Host: httputil.py:386 (HTTPServerRequest.__init__) takes it as request.host, and wsgi.py:153-159,183-184 (WSGIContainer.environ) hand 'bad host/path' to the app as SERVER_NAME and HTTP_HOST"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "tornado never requires Host: http1connection.py:183-250 (_read_message) does not look for it and httputil.py:386 (HTTPServerRequest.__init__) defaults request.host to '127.0.0.1'"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "tornado/httputil.py:181-185 (HTTPHeaders.parse_line) splits at the first ':' and keeps 'Transfer-Encoding ' (trailing SP) as the name, so the request is served and the app sees 'HTTP_TRANSFER_ENCODING '"},
		"rfc9112/5/invalid-field-name":        {spec.Warn, "tornado/httputil.py:181-185 (HTTPHeaders.parse_line) accepts any name before the first ':', so 'X-Bad\\x01Name' is stored and served"},

		// framing
		"rfc9112/7.1/chunked-body":                 {spec.Fail, "tornado/http1connection.py:646-647 (_read_body) decodes chunked into request.body (wsgi.input, wsgi.py:173), but wsgi.py:181-182 (WSGIContainer.environ) sets CONTENT_LENGTH only from a Content-Length header and no wsgi.input_terminated"},
		"rfc9112/6.1/te-case-insensitive":          {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/6.1/unknown-transfer-coding":      {spec.Warn, "tornado/http1connection.py:644-650 (_read_body) reads a body only for a Content-Length or exactly 'chunked': 'x-conform, chunked' is served as a request without body, and its chunked bytes are then parsed as the next request"},
		"rfc9112/6.3/content-length-negative":      {spec.Fail, "tornado/http1connection.py:620-627 (_read_body) parses Content-Length with int(), which takes '-1'; _read_fixed_body (http1connection.py:652-655) then reads nothing, so 'hello' stays on the connection and prefixes the next request ('helloGET /smuggled')"},
		"rfc9112/6.3/content-length-plus":          {spec.Fail, "tornado/http1connection.py:620-627 (_read_body) parses Content-Length with int(), which reads '+5' as 5 (fixed upstream in 6.3.3)"},
		"rfc9112/6.3/content-length-underscore":    {spec.Fail, "tornado/http1connection.py:620-627 (_read_body) parses Content-Length with int(), which reads '1_0' as 10 (fixed upstream in 6.3.3)"},
		"rfc9112/6.3/te-chunked-not-final":         {spec.Fail, "tornado/http1connection.py:644-650 (_read_body) reads a body only for exactly 'chunked': 'chunked, identity' is answered 200 as a request without body, and its chunked bytes are then parsed as a second request"},
		"rfc9112/7.1.1/chunk-extensions-ignored":   {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws": {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored is skipped, as rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182)"},
		"rfc9112/7.1.2/trailer-section":            {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-data-crlf":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-size-0x-prefix":         {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-size-leading-space":     {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-size-non-hex":           {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-size-overflow":          {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-size-sign":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},
		"rfc9112/7.1/chunk-size-underscore":        {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (tornado/wsgi.py:181-182 gives a chunked body no CONTENT_LENGTH)"},

		// concurrency
		"conform/concurrency/blocking-capacity":                {spec.Info, "tornado/wsgi.py:116-121 (WSGIContainer.__call__) calls the app and drains its iterable synchronously on the single IOLoop thread the harness starts: one blocked request holds up every other"},
		"conform/concurrency/fresh-request-while-blocked":      {spec.Info, "tornado/wsgi.py:116-121 (WSGIContainer.__call__) runs the app synchronously on the single IOLoop thread, so the fresh request is read only after the blocking one returns"},
		"pep3333/start-response/exc-info-after-headers-raises": {spec.Skip, "not applicable: tornado/wsgi.py:119-121 (WSGIContainer.__call__) collects the whole body before sending, so no header was sent when the app called start_response with exc_info, and the replacement 500 goes out"},
		"pep3333/start-response/exc-info-reraises-original":    {spec.Skip, "skipped: exc-info-after-headers-raises does not apply (tornado/wsgi.py:119-121 buffers the body)"},
		"rfc9110/15.4.5/304-no-content":                        {spec.Fail, "tornado/wsgi.py:146 writes the app's body for a 304; http1connection.py:439-443 expects none and _format_chunk (472-480) raises, closing the stream with no response at all"},
		"rfc9110/9.3.2/head-no-content":                        {spec.Fail, "tornado/wsgi.py:133-135,146 passes the app's body for HEAD; http1connection.py:439-443 expects 0 bytes and _format_chunk (472-480) raises, so a HEAD request is never answered"},
	},
}
