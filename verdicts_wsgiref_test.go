package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// wsgirefVerdicts: where wsgiref 3.11.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// wsgiref is part of the standard library: every file named here is under /usr/lib/python3.11/
// (wsgiref/, http/server.py, http/client.py, email/, socketserver.py).
var wsgirefVerdicts = serverVerdicts{
	server:  "wsgiref",
	version: "3.11.2",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "wsgiref/simple_server.py:80-85 (WSGIRequestHandler.get_environ) unquotes self.path up to '?' into PATH_INFO without removing an absolute-form scheme and authority"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "wsgiref/simple_server.py:102-109 (WSGIRequestHandler.get_environ) maps every name with replace('-','_').upper() and comma-joins names that collide, so X_Conform_Auth is appended to HTTP_X_CONFORM_AUTH"},

		// input
		"pep3333/input/empty-body-read":       {spec.Warn, "wsgiref/simple_server.py:129-130 (WSGIRequestHandler.handle) gives ServerHandler the raw socket file self.rfile, and handlers.py:456-457 (SimpleHandler.get_stdin) hands it to the app as wsgi.input: read() waits for the client to close"},
		"pep3333/input/eof-at-content-length": {spec.Warn, "wsgiref/simple_server.py:129-130 (WSGIRequestHandler.handle) and handlers.py:456-457 (SimpleHandler.get_stdin) make wsgi.input the raw socket file with no Content-Length limit, so read(1) past the body blocks on the socket"},
		"pep3333/input/iteration":             {spec.Skip, "skipped: pep3333/input/eof-at-content-length warns (wsgiref/simple_server.py:130 passes the unbounded socket file self.rfile as wsgi.input)"},
		"pep3333/input/read-no-argument":      {spec.Skip, "skipped: pep3333/input/eof-at-content-length warns (wsgiref/simple_server.py:130 passes the unbounded socket file self.rfile as wsgi.input)"},
		"pep3333/input/readlines":             {spec.Skip, "skipped: pep3333/input/eof-at-content-length warns (wsgiref/simple_server.py:130 passes the unbounded socket file self.rfile as wsgi.input)"},

		// start-response
		"pep3333/start-response/header-crlf-refused":        {spec.Fail, "wsgiref/handlers.py:244-249 (BaseHandler.start_response) checks header values only for type str, and headers.py:139 (Headers.__str__) writes each as '%s: %s' verbatim, so the CR LF reaches the wire"},
		"pep3333/start-response/header-errors-raised-early": {spec.Warn, "wsgiref/handlers.py:244-249 (BaseHandler.start_response) checks header values only for type str, never for control characters; headers.py:139 (Headers.__str__) sends 'bad\\x01value' as is"},
		"pep3333/start-response/headers-held-until-body":    {spec.Fail, "wsgiref/handlers.py:183-184 (BaseHandler.finish_response) calls write() for every block and handlers.py:284-287 (BaseHandler.write) sends the headers on the first call even when the block is b''"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "wsgiref/handlers.py:291-293 (BaseHandler.write) sends every block whole ('XXX check Content-Length and truncate if too many bytes written?')"},
		"pep3333/response/expect-continue-interim":     {spec.Warn, "http/server.py:364-370 (BaseHTTPRequestHandler.parse_request) sends 100 Continue only when protocol_version >= 'HTTP/1.1', and http/server.py:630 leaves it at 'HTTP/1.0' (wsgiref's handler does not change it)"},
		"rfc9110/15.3.5/204-no-content":                {spec.Fail, "wsgiref/handlers.py:183-184 (BaseHandler.finish_response) writes the app's blocks whatever the status, and handlers.py:211-212 (BaseHandler.set_content_length) even adds Content-Length: 10 to the 204"},
		"rfc9110/15.4.5/304-no-content":                {spec.Fail, "wsgiref/handlers.py:183-184 (BaseHandler.finish_response) writes the app's blocks whatever the status, and handlers.py:211-212 (BaseHandler.set_content_length) even adds Content-Length: 10 to the 304"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "wsgiref/handlers.py:183-184 (BaseHandler.finish_response) writes the app's body for every method: nothing in wsgiref checks for HEAD (handlers.py:320-322 only keeps the app's Content-Length for it)"},

		// fields
		"rfc9112/5/invalid-field-name":        {spec.Warn, "email/feedparser.py:37 (headerRE) does not match a name holding \\x01, so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at that line (http/client.py:234-236 parse_headers) and the request is served without it"},
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "http/client.py:234-236 (parse_headers) hands the head to email's compat32 parser, which keeps NUL in values (email/_policybase.py:309-311 Compat32.header_source_parse); wsgiref/simple_server.py:103 only strip()s them"},
		"rfc9112/2.2/bare-cr-in-field":        {spec.Fail, "email/feedparser.py:56,110 (BufferedSubFile.push) splits lines at a bare CR (StringIO(newline='').readlines()), so 'X-Cr: a\\rb' gives 'a' and the line 'b' ends the header section at feedparser.py:228-236"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "http/server.py:340-371 (BaseHTTPRequestHandler.parse_request) never looks at Host, and wsgiref/simple_server.py:106-107 (get_environ) comma-joins the two lines into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "http/server.py:340-371 (BaseHTTPRequestHandler.parse_request) never validates Host, and wsgiref/simple_server.py:102-109 (get_environ) copies the value into HTTP_HOST"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "http/server.py:340-371 (BaseHTTPRequestHandler.parse_request) does not require Host in an HTTP/1.1 request; wsgiref/simple_server.py:126-134 (handle) runs the app regardless"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "email/feedparser.py:37 (headerRE) allows no SP before ':', so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at 'Transfer-Encoding : chunked', dropping it and every later field, and the request is served"},
		"rfc9112/5.2/obs-fold":                {spec.Fail, "email/_policybase.py:309-311 (Compat32.header_source_parse) appends continuation lines with their CR LF, and wsgiref/simple_server.py:103 only strip()s the ends: HTTP_X_FOLD='a\\r\\n b'"},

		// framing
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "wsgiref ignores Transfer-Encoding: simple_server.py:98-100 (get_environ) passes Content-Length: 3 as CONTENT_LENGTH over the raw socket file (simple_server.py:130), so the app reads '5\\r\\n'"},
		"rfc9112/7.1/chunked-body":                     {spec.Fail, "nothing in wsgiref or http/server.py decodes chunked: simple_server.py:130 gives the app the raw socket file and CONTENT_LENGTH stays '' (simple_server.py:60), so the app reads nothing"},
		"rfc9112/6.1/te-case-insensitive":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "wsgiref ignores Transfer-Encoding: neither http/server.py:340-371 (parse_request) nor wsgiref/simple_server.py:75-110 (get_environ) looks at it, so the request is served"},
		"rfc9112/6.3/content-length-conflict":          {spec.Fail, "http/server.py:340-371 (parse_request) never validates Content-Length; wsgiref/simple_server.py:98-100 (get_environ) copies '5, 6' into CONTENT_LENGTH and the request is served"},
		"rfc9112/6.3/content-length-identical-list":    {spec.Fail, "wsgiref/simple_server.py:98-100 (get_environ) copies '5, 5' verbatim into CONTENT_LENGTH instead of the single value 5, so the app cannot frame the body"},
		"rfc9112/6.3/content-length-negative":          {spec.Fail, "http/server.py:340-371 (parse_request) never validates Content-Length; wsgiref/simple_server.py:98-100 (get_environ) copies '-1' into CONTENT_LENGTH and the request is served"},
		"rfc9112/6.3/content-length-non-digit":         {spec.Fail, "http/server.py:340-371 (parse_request) never validates Content-Length; wsgiref/simple_server.py:98-100 (get_environ) copies '5a' into CONTENT_LENGTH and the request is served"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "http/server.py:340-371 (parse_request) never validates Content-Length; wsgiref/simple_server.py:98-100 (get_environ) copies '+5' into CONTENT_LENGTH and the request is served"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "wsgiref/simple_server.py:98-100 (get_environ) takes the first Content-Length (email/message.py:495-498 Message.get) and simple_server.py:104-105 skips the second; nothing answers 400"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "http/server.py:340-371 (parse_request) never validates Content-Length; wsgiref/simple_server.py:98-100 (get_environ) copies '1_0' into CONTENT_LENGTH and the request is served"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "wsgiref ignores Transfer-Encoding: neither http/server.py:340-371 (parse_request) nor wsgiref/simple_server.py:75-110 (get_environ) looks at it, so 'chunked, identity' is served with 200"},
		"rfc9112/7.1.1/chunk-extensions-ignored":       {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws":     {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored is skipped, as rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked)"},
		"rfc9112/7.1.2/trailer-section":                {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-data-crlf":                  {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-size-0x-prefix":             {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-size-non-hex":               {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-size-overflow":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-size-sign":                  {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},
		"rfc9112/7.1/chunk-size-underscore":            {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (wsgiref never decodes chunked; simple_server.py:130 gives the app the raw socket file)"},

		// connection
		"rfc9112/9.3/persistent-by-default": {spec.Warn, "wsgiref/simple_server.py:115-134 (WSGIRequestHandler.handle) serves one request and returns, and socketserver.py:342-349 (process_request) then shuts the connection; responses are HTTP/1.0 (handlers.py:104)"},

		// concurrency
		"conform/concurrency/blocking-capacity":           {spec.Info, "wsgiref/simple_server.py:42 WSGIServer is an HTTPServer, a plain socketserver.TCPServer (http/server.py:130) whose process_request (socketserver.py:342-349) serves each connection to the end on the one thread"},
		"conform/concurrency/fresh-request-while-blocked": {spec.Info, "wsgiref/simple_server.py:42 one-thread socketserver.TCPServer (socketserver.py:342-349): the fresh request is accepted only after the blocking one has been served"},
		"conform/concurrency/slow-body-isolated":          {spec.Info, "wsgiref/simple_server.py:42 WSGIServer is a plain socketserver.TCPServer (http/server.py:130): socketserver.py:342-349 (process_request) serves one connection at a time, so the app's read of the stalled body holds up the next client"},
		"conform/concurrency/slow-headers-isolated":       {spec.Info, "wsgiref/simple_server.py:42 WSGIServer is a plain socketserver.TCPServer (http/server.py:130): socketserver.py:342-349 (process_request) serves one connection at a time, so parse_request's wait for the stalled header section holds up the next client"},
	},
}
