package conform_test

import "github.com/conform-wsgi/conform/spec"

// werkzeugVerdicts: where werkzeug 2.2.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// werkzeug.serving's WSGIRequestHandler is a standard-library http.server.BaseHTTPRequestHandler
// (headers parsed by http.client.parse_headers and email's feedparser): files named http/ and
// email/ are under /usr/lib/python3.11/.
var werkzeugVerdicts = serverVerdicts{
	server:  "werkzeug",
	version: "2.2.2",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/header-value-ows-trimmed":       {spec.Warn, "email/_policybase.py:309-311 (Compat32.header_source_parse, reached from http/server.py:342-343) only lstrip(' \\t')s a field value, and werkzeug/serving.py:203-210 (make_environ) copies it with its trailing ' \\t ' into HTTP_X_PADDED"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "werkzeug/serving.py:203-210 (WSGIRequestHandler.make_environ) maps every name with upper().replace('-', '_') and comma-joins a key already set, so X_Conform_Auth is appended to HTTP_X_CONFORM_AUTH"},

		// input
		"pep3333/input/empty-body-read":       {spec.Warn, "werkzeug/serving.py:180 (WSGIRequestHandler.make_environ) hands the app the raw socket file self.rfile as wsgi.input, with no length limit: read() waits for the client to close"},
		"pep3333/input/eof-at-content-length": {spec.Warn, "werkzeug/serving.py:180 (WSGIRequestHandler.make_environ) makes wsgi.input the raw socket file self.rfile, never bounded by Content-Length, so read(1) past the body blocks on the socket"},
		"pep3333/input/iteration":             {spec.Skip, "skipped: pep3333/input/eof-at-content-length warns (werkzeug/serving.py:180 passes the unbounded socket file self.rfile as wsgi.input)"},
		"pep3333/input/read-no-argument":      {spec.Skip, "skipped: pep3333/input/eof-at-content-length warns (werkzeug/serving.py:180 passes the unbounded socket file self.rfile as wsgi.input)"},
		"pep3333/input/readlines":             {spec.Skip, "skipped: pep3333/input/eof-at-content-length warns (werkzeug/serving.py:180 passes the unbounded socket file self.rfile as wsgi.input)"},

		// start-response
		"pep3333/start-response/header-crlf-refused":        {spec.Fail, "werkzeug/serving.py:307-319 (run_wsgi.start_response) stores the headers unchecked, and serving.py:264-265 (write) passes each to http/server.py:516-522 (send_header), which writes '%s: %s\\r\\n' verbatim: the CR LF reaches the wire"},
		"pep3333/start-response/header-errors-raised-early": {spec.Warn, "werkzeug/serving.py:307-319 (run_wsgi.start_response) never checks header values, and serving.py:264-265 (write) sends 'bad\\x01value' through http/server.py:516-522 (send_header) as is"},
		"pep3333/start-response/headers-held-until-body":    {spec.Fail, "werkzeug/serving.py:324-325 (run_wsgi.execute) calls write() for every block, and write (serving.py:254-291) sends the status line and headers on the first call even when the block is b''"},
		"pep3333/start-response/hop-by-hop-refused":         {spec.Warn, "werkzeug/serving.py:307-319 (run_wsgi.start_response) accepts any header, and serving.py:264-265 (write) sends the app's Transfer-Encoding: chunked next to its Content-Length over a body it does not chunk (serving.py:274-284 sees the Content-Length)"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "werkzeug/serving.py:295-303 (run_wsgi.write) writes every block whole; nothing compares the bytes sent with the app's Content-Length"},
		"rfc9110/15.3.5/204-no-content":                {spec.Fail, "werkzeug/serving.py:295-303 (run_wsgi.write) writes the app's bytes whatever the status; serving.py:274-284 only leaves a 204 unchunked"},
		"rfc9110/15.4.5/304-no-content":                {spec.Fail, "werkzeug/serving.py:295-303 (run_wsgi.write) writes the app's bytes whatever the status; serving.py:274-284 only leaves a 304 unchunked"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "werkzeug/serving.py:295-303 (run_wsgi.write) writes the app's body whatever the method; serving.py:277 only leaves a HEAD response unchunked"},
		"rfc9112/6.1/no-chunked-to-http10":             {spec.Fail, "werkzeug/serving.py:281 (run_wsgi.write) decides on chunking by self.protocol_version, the server's 'HTTP/1.1' (set for threaded servers at serving.py:679-682), not the request's version, so an HTTP/1.0 client gets Transfer-Encoding: chunked"},

		// fields
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "http/client.py:234-236 (parse_headers) hands the head to email's compat32 parser, which keeps NUL in values (email/_policybase.py:309-311), and werkzeug/serving.py:205 (make_environ) only removes CR LF"},
		"rfc9112/2.2/bare-cr-in-field":        {spec.Fail, "email/feedparser.py:56,110 (BufferedSubFile.push) splits lines at a bare CR (StringIO(newline='').readlines()), so 'X-Cr: a\\rb' gives 'a' and the line 'b' ends the header section at feedparser.py:228-236; werkzeug/serving.py:203-210 copies 'a'"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "http/server.py:340-371 (BaseHTTPRequestHandler.parse_request) never looks at Host, and werkzeug/serving.py:208-209 (make_environ) comma-joins the two lines into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "http/server.py:340-371 (BaseHTTPRequestHandler.parse_request) never validates Host, and werkzeug/serving.py:203-210 (make_environ) copies the value into HTTP_HOST"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "neither http/server.py:267-371 (BaseHTTPRequestHandler.parse_request) nor werkzeug/serving.py:159-237 (WSGIRequestHandler.make_environ) requires Host in an HTTP/1.1 request; the app runs regardless"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "email/feedparser.py:37 (headerRE) allows no SP before ':', so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at 'Transfer-Encoding : chunked', dropping it and every later field, and werkzeug serves the request"},
		"rfc9112/5/invalid-field-name":        {spec.Warn, "email/feedparser.py:37 (headerRE) does not match a name holding \\x01, so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at that line (http/client.py:234-236 parse_headers) and werkzeug serves the request without it"},

		// framing
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "werkzeug/serving.py:212-214 (make_environ) decodes the chunked body (DechunkedInput, wsgi.input_terminated) but serving.py:203-210 still copies Content-Length: 3 into CONTENT_LENGTH, so an app that honours it reads 'hel'; the connection itself is closed (serving.py:286-290)"},
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "werkzeug/serving.py:212 (make_environ) compares the whole Transfer-Encoding value with 'chunked'; any other value, 'x-conform, chunked' included, leaves the raw socket file as wsgi.input and the request is served"},
		"rfc9112/6.3/content-length-conflict":          {spec.Fail, "werkzeug never frames the request body: serving.py:203-210 (make_environ) copies '5, 6' into CONTENT_LENGTH over the raw socket file (serving.py:180) and the request is served"},
		"rfc9112/6.3/content-length-identical-list":    {spec.Fail, "werkzeug/serving.py:203-210 (make_environ) copies '5, 5' verbatim into CONTENT_LENGTH instead of the single value 5, so the app cannot frame the body"},
		"rfc9112/6.3/content-length-negative":          {spec.Fail, "werkzeug never frames the request body: serving.py:203-210 (make_environ) copies '-1' into CONTENT_LENGTH over the raw socket file (serving.py:180) and the request is served"},
		"rfc9112/6.3/content-length-non-digit":         {spec.Fail, "werkzeug never frames the request body: serving.py:203-210 (make_environ) copies '5a' into CONTENT_LENGTH over the raw socket file (serving.py:180) and the request is served"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "werkzeug never frames the request body: serving.py:203-210 (make_environ) copies '+5' into CONTENT_LENGTH over the raw socket file (serving.py:180) and the request is served"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "werkzeug/serving.py:203-210 (make_environ) stores each Content-Length line in turn into CONTENT_LENGTH (no comma-join for it), so the last one, 6, wins; nothing answers 400"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "werkzeug never frames the request body: serving.py:203-210 (make_environ) copies '1_0' into CONTENT_LENGTH over the raw socket file (serving.py:180) and the request is served"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "werkzeug/serving.py:212 (make_environ) compares the whole Transfer-Encoding value with 'chunked'; 'chunked, identity' is neither refused nor decoded, and the request is served with 200"},
		"rfc9112/7.1.1/chunk-extensions-ignored":       {spec.Fail, "werkzeug/serving.py:99-102 (DechunkedInput.read_chunk_len) parses the whole line with int(line.strip(), 16), so '5;name=value' raises OSError('Invalid chunk header') in the app's read"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws":     {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored fails (werkzeug/serving.py:99-102 DechunkedInput.read_chunk_len rejects any chunk extension)"},
		"rfc9112/7.1.2/trailer-section":                {spec.Fail, "werkzeug/serving.py:138-143 (DechunkedInput.readinto) expects a bare line end after the last chunk; the trailer line 'X-Trailer: t' raises OSError('Missing chunk terminating newline') in the app's read"},
		"rfc9112/7.1/chunk-size-0x-prefix":             {spec.Warn, "werkzeug/serving.py:100 (DechunkedInput.read_chunk_len) parses the chunk-size with int(line.strip(), 16), which reads '0x5' as 5"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Warn, "werkzeug/serving.py:100 (DechunkedInput.read_chunk_len) strip()s the chunk-size line before int(..., 16), so ' 5' is read as 5"},
		"rfc9112/7.1/chunk-size-sign":                  {spec.Warn, "werkzeug/serving.py:100 (DechunkedInput.read_chunk_len) parses the chunk-size with int(line.strip(), 16), which reads '+5' as 5 (serving.py:103 only refuses a negative result)"},
		"rfc9112/7.1/chunk-size-underscore":            {spec.Warn, "werkzeug/serving.py:100 (DechunkedInput.read_chunk_len) parses the chunk-size with int(line.strip(), 16), which reads '1_0' as 0x10"},

		// connection
		"rfc9112/9.3/persistent-by-default": {spec.Warn, "werkzeug/serving.py:286-290 (run_wsgi.write) sends 'Connection: close' on every response ('Always close the connection'), which sets close_connection (http/server.py:524-526), so handle (http/server.py:428-434) serves one request per connection"},
	},
}
