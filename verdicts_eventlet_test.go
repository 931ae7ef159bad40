package conform_test

import "github.com/conform-wsgi/conform/spec"

// eventletVerdicts: where eventlet 0.33.1 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// eventlet's HttpProtocol is a BaseHTTPRequestHandler: the request line and header section are parsed by the
// standard library (eventlet/wsgi.py:424 calls http/server.py:267-372 parse_request, which uses
// http.client.parse_headers); files named email/ and http/ are under /usr/lib/python3.11/.
var eventletVerdicts = serverVerdicts{
	server:  "eventlet",
	version: "0.33.1",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "eventlet/wsgi.py:685-690 (HttpProtocol.get_environ) splits the request-target at '?' and unquotes the rest into PATH_INFO without removing an absolute-form scheme and authority"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "eventlet/wsgi.py:724-731 (HttpProtocol.get_environ) maps every name with replace('-', '_').upper() and comma-joins names that collide, so X_Conform_Auth is appended to HTTP_X_CONFORM_AUTH"},

		// start-response
		"pep3333/start-response/exc-info-after-headers-raises": {spec.Skip, "not applicable: eventlet/wsgi.py:587-598 (handle_one_response) holds the 6-byte first block back (MINIMUM_CHUNK_SIZE = 4096, wsgi.py:24), so no headers are out when the app calls start_response with exc_info; wsgi.py:540-542 rightly does not raise and the 500 is sent"},
		"pep3333/start-response/exc-info-reraises-original":    {spec.Skip, "skipped: pep3333/start-response/exc-info-after-headers-raises does not apply (eventlet/wsgi.py:587-598 buffers the first block, so headers are not yet sent when start_response gets exc_info)"},
		"pep3333/start-response/header-crlf-refused":           {spec.Fail, "eventlet/wsgi.py:536-564 (handle_one_response.start_response) only re-capitalizes header names, and write (wsgi.py:493) formats each header as '%s: %s' CRLF, so the CR LF reaches the wire"},
		"pep3333/start-response/header-errors-raised-early":    {spec.Warn, "eventlet/wsgi.py:536-564 (handle_one_response.start_response) never checks header values; write (wsgi.py:493) sends 'bad\\x01value' as is"},
		"pep3333/start-response/hop-by-hop-refused":            {spec.Warn, "eventlet/wsgi.py:536-564 (handle_one_response.start_response) accepts any header name, hop-by-hop ones included; with the app's Content-Length, write (wsgi.py:512) does not chunk, so 'Transfer-Encoding: chunked' goes out over a plain body"},
		"pep3333/start-response/second-call-without-exc-info":  {spec.Fail, "eventlet/wsgi.py:536-564 (handle_one_response.start_response) never checks whether headers_set is already set: without exc_info it replaces status and headers (wsgi.py:563), so '299 Second' is sent"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "eventlet/wsgi.py:483-533 (handle_one_response.write) sends every block whole; the app's Content-Length is never counted"},
		"pep3333/response/short-content-length-closes": {spec.Warn, "eventlet/wsgi.py:483-533 (handle_one_response.write) never compares the bytes sent with the app's Content-Length, and wsgi.py:500-508 keeps the HTTP/1.1 connection open for the next request"},
		"pep3333/response/streaming-unbuffered":        {spec.Fail, "eventlet/wsgi.py:587-598 (handle_one_response) collects yielded blocks in towrite until they reach minimum_chunk_size (MINIMUM_CHUNK_SIZE = 4096, wsgi.py:24), so the three 16-byte blocks are sent together after the last one"},
		"rfc9110/15.3.5/204-no-content":                {spec.Fail, "eventlet/wsgi.py:587-604 (handle_one_response) writes the app's blocks whatever the status, and wsgi.py:573-575 even adds Content-Length: 10 to the 204"},
		"rfc9110/15.4.5/304-no-content":                {spec.Fail, "eventlet/wsgi.py:587-604 (handle_one_response) writes the app's blocks whatever the status, and wsgi.py:573-575 even adds Content-Length: 10 to the 304"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "eventlet/wsgi.py:587-604 (handle_one_response) writes the app's body for every method: nothing in eventlet/wsgi.py checks for HEAD"},

		// fields
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "http/client.py:234-236 (parse_headers) hands the head to email's compat32 parser, which keeps NUL in values (email/_policybase.py:309-311), and eventlet/wsgi.py:723 (get_environ) only strips whitespace at the ends"},
		"rfc9112/2.2/bare-cr-in-field":        {spec.Fail, "email/feedparser.py:56,110 (BufferedSubFile.push) splits lines at a bare CR, so 'X-Cr: a\\rb' gives 'a' and the line 'b' ends the header section at feedparser.py:228-236; eventlet/wsgi.py:723-731 passes HTTP_X_CR='a' on"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "http/server.py:267-372 (BaseHTTPRequestHandler.parse_request) never looks at Host, and eventlet/wsgi.py:728-731 (get_environ) comma-joins the two lines into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "http/server.py:267-372 (BaseHTTPRequestHandler.parse_request) never validates Host, and eventlet/wsgi.py:723-733 (get_environ) copies the value into HTTP_HOST"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "http/server.py:267-372 (BaseHTTPRequestHandler.parse_request) does not require Host in an HTTP/1.1 request, and eventlet/wsgi.py:408-465 (handle_one_request) runs the app regardless"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "email/feedparser.py:37 (headerRE) allows no SP before ':', so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at 'Transfer-Encoding : chunked', dropping it and every later field, and eventlet serves the request"},
		"rfc9112/5.2/obs-fold":                {spec.Fail, "email/_policybase.py:309-311 (Compat32.header_source_parse) appends the continuation line with its CR LF, and eventlet/wsgi.py:723 (get_environ) only strips the ends: HTTP_X_FOLD='a\\r\\n b'"},
		"rfc9112/5/invalid-field-name":        {spec.Warn, "email/feedparser.py:37 (headerRE) does not match a name holding \\x01, so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at that line and eventlet serves the request without it"},

		// framing
		"rfc9112/7.1/chunked-body":                     {spec.Fail, "eventlet/wsgi.py:158-210 (Input._chunked_read) can decode chunked, but get_environ sets CONTENT_LENGTH only from the header (wsgi.py:702-704) and never sets wsgi.input_terminated, so the app has no sign that there is a body"},
		"rfc9112/6.1/te-case-insensitive":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/6.1/te-in-http10":                     {spec.Fail, "eventlet/wsgi.py:741 (HttpProtocol.get_environ) decodes chunked whatever the request version, and wsgi.py:500-508 (write) honours HTTP/1.0 keep-alive, so the next request is served"},
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "eventlet/wsgi.py:741 (HttpProtocol.get_environ) only compares the whole Transfer-Encoding value with 'chunked'; any other value is neither decoded nor refused, and the request is served"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "eventlet/wsgi.py:441-451 (HttpProtocol.handle_one_request) refuses only a Content-Length that int() rejects or that is negative; int('+5') is 5"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "eventlet/wsgi.py:441 (handle_one_request) and wsgi.py:702 (get_environ) take the first Content-Length line (email/message.py:495-498 Message.get) and never look for a second: the body is framed as 5 bytes"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "eventlet/wsgi.py:441-451 (HttpProtocol.handle_one_request) refuses only a Content-Length that int() rejects or that is negative; int('1_0') is 10"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "eventlet/wsgi.py:741 (HttpProtocol.get_environ) only compares the whole Transfer-Encoding value with 'chunked': 'chunked, identity' is neither decoded nor refused, and the request is served with 200"},
		"rfc9112/7.1.1/chunk-extensions-ignored":       {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws":     {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored is skipped, as rfc9112/7.1/chunked-body fails (eventlet gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1.2/trailer-section":                {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-data-crlf":                  {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-size-0x-prefix":             {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-size-non-hex":               {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-size-overflow":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-size-sign":                  {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"rfc9112/7.1/chunk-size-underscore":            {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (eventlet/wsgi.py:702-704 gives a chunked request neither CONTENT_LENGTH nor wsgi.input_terminated)"},
		"pep3333/environ/server-protocol":              {spec.Fail, "eventlet/wsgi.py:705 (get_environ) hard-codes SERVER_PROTOCOL to 'HTTP/1.0' whatever the request said"},
		"pep3333/input/readlines":                      {spec.Fail, "eventlet/wsgi.py:234 (Input.readlines) passes the remaining length to the raw file's readlines as a size hint, which does not stop it reading past the body"},
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "eventlet/wsgi.py:702-704 passes CONTENT_LENGTH='3' to the app although the body was decoded as chunked, and the connection stays open (the pipelined request is served)"},
	},
}
