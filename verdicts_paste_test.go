package conform_test

import "github.com/conform-wsgi/conform/spec"

// pasteVerdicts: where paste 3.5.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// paste's WSGIHandler is a BaseHTTPRequestHandler: the request line and header section are parsed by the
// standard library (http/server.py:267-372 parse_request, which uses http.client.parse_headers); files
// named email/ and http/ are under /usr/lib/python3.11/.
var pasteVerdicts = serverVerdicts{
	server:  "paste",
	version: "3.5.2",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "paste/httpserver.py:197-201 (WSGIHandlerMixin.wsgi_setup) urlsplits 'http://dummy' + the request-target, so an absolute-form target leaves '//host:port/abs/path' as the path, which normpath keeps: PATH_INFO='//127.0.0.1:port/abs/path'"},
		"pep3333/environ/header-value-ows-trimmed":       {spec.Warn, "email/_policybase.py:309-311 (Compat32.header_source_parse) strips only leading SP/HTAB and trailing CR LF, and paste/httpserver.py:269-273 (wsgi_setup) copies the value as is, so the trailing ' \\t ' stays in HTTP_X_PADDED"},
		"pep3333/environ/path-info-latin1":               {spec.Fail, "paste/httpserver.py:199 (WSGIHandlerMixin.wsgi_setup) decodes the path with urllib.parse.unquote, whose default encoding is UTF-8: '/caf%C3%A9' becomes '/caf\\xe9'"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "paste/httpserver.py:269-273 (WSGIHandlerMixin.wsgi_setup) maps every name with replace('-', '_').upper(), so 'X_Conform_Auth' is stored under HTTP_X_CONFORM_AUTH after 'X-Conform-Auth', overwriting it"},

		// start-response
		"pep3333/start-response/header-crlf-refused":        {spec.Fail, "paste/httpserver.py:170-186 (WSGIHandlerMixin.wsgi_start_response) stores the headers unchecked, and wsgi_write_chunk (httpserver.py:162) passes each to send_header, which writes '%s: %s' CRLF verbatim (http/server.py:516-523)"},
		"pep3333/start-response/header-errors-raised-early": {spec.Warn, "paste/httpserver.py:170-186 (WSGIHandlerMixin.wsgi_start_response) never checks header values; wsgi_write_chunk (httpserver.py:162) sends 'bad\\x01value' as is"},
		"pep3333/start-response/headers-held-until-body":    {spec.Fail, "paste/httpserver.py:307-308 (WSGIHandlerMixin.wsgi_execute) passes every block to wsgi_write_chunk, which sends the headers on its first call (httpserver.py:144-166) even for b''"},
		"pep3333/start-response/hop-by-hop-refused":         {spec.Warn, "paste/httpserver.py:170-186 (WSGIHandlerMixin.wsgi_start_response) accepts any header name, hop-by-hop ones included, and wsgi_write_chunk (httpserver.py:162) sends 'Transfer-Encoding: chunked' over a plain body"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "paste/httpserver.py:168 (WSGIHandlerMixin.wsgi_write_chunk) writes every block whole; the app's Content-Length is only used to decide whether to close (httpserver.py:155-157), never counted"},
		"rfc9110/15.3.5/204-no-content":                {spec.Fail, "paste/httpserver.py:307-308 (WSGIHandlerMixin.wsgi_execute) writes the app's blocks whatever the status: wsgi_write_chunk (httpserver.py:168) never looks at it"},
		"rfc9110/15.4.5/304-no-content":                {spec.Fail, "paste/httpserver.py:307-308 (WSGIHandlerMixin.wsgi_execute) writes the app's blocks whatever the status: wsgi_write_chunk (httpserver.py:168) never looks at it"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "paste/httpserver.py:441-455 (WSGIHandler.handle_one_request) sends every method to wsgi_execute, which writes the app's body (httpserver.py:307-308): nothing in paste checks for HEAD"},

		// fields
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "http/client.py:234-236 (parse_headers) hands the head to email's compat32 parser, which keeps NUL in values (email/_policybase.py:309-311), and paste/httpserver.py:269-273 (wsgi_setup) copies them into HTTP_*"},
		"rfc9112/2.2/bare-cr-in-field":        {spec.Fail, "email/feedparser.py:56,110 (BufferedSubFile.push) splits lines at a bare CR, so 'X-Cr: a\\rb' gives 'a' and the line 'b' ends the header section at feedparser.py:228-236; paste/httpserver.py:269-273 passes HTTP_X_CR='a' on"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "http/server.py:267-372 (BaseHTTPRequestHandler.parse_request) never looks at Host, and paste/httpserver.py:273 (wsgi_setup) comma-joins the two lines into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "http/server.py:267-372 (BaseHTTPRequestHandler.parse_request) never validates Host, and paste/httpserver.py:269-273 (wsgi_setup) copies the value into HTTP_HOST"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "http/server.py:267-372 (BaseHTTPRequestHandler.parse_request) does not require Host in an HTTP/1.1 request, and paste/httpserver.py:441-455 (WSGIHandler.handle_one_request) runs the app regardless"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "email/feedparser.py:37 (headerRE) allows no SP before ':', so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at 'Transfer-Encoding : chunked', dropping it and every later field, and paste serves the request"},
		"rfc9112/5.2/obs-fold":                {spec.Fail, "email/_policybase.py:309-311 (Compat32.header_source_parse) appends the continuation line with its CR LF, and paste/httpserver.py:269-273 (wsgi_setup) copies the value as is: HTTP_X_FOLD='a\\r\\n b'"},
		"rfc9112/5/invalid-field-name":        {spec.Warn, "email/feedparser.py:37 (headerRE) does not match a name holding \\x01, so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at that line and paste serves the request without it"},

		// framing
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "paste ignores Transfer-Encoding: paste/httpserver.py:209-221 (wsgi_setup) frames the body by Content-Length: 3 (LimitedLengthFile), so the app reads '5\\r\\n'"},
		"rfc9112/7.1/chunked-body":                     {spec.Fail, "nothing in paste or http/server.py decodes chunked: paste/httpserver.py:209-221 (wsgi_setup) wraps the raw socket file in LimitedLengthFile(rfile, 0) and CONTENT_LENGTH defaults to '0' (httpserver.py:238), so the app reads nothing"},
		"rfc9112/6.1/te-case-insensitive":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "paste ignores Transfer-Encoding: neither http/server.py:267-372 (parse_request) nor paste/httpserver.py:188-287 (wsgi_setup) looks at it, so the request is served"},
		"rfc9112/6.3/content-length-conflict":          {spec.Fail, "paste/httpserver.py:210-213 (wsgi_setup) frames an unparsable Content-Length as 0 instead of refusing it, and httpserver.py:238 passes '5, 6' on as CONTENT_LENGTH; the request is served"},
		"rfc9112/6.3/content-length-identical-list":    {spec.Fail, "paste/httpserver.py:238 (wsgi_setup) copies '5, 5' verbatim into CONTENT_LENGTH instead of the single value 5, and httpserver.py:210-213 frames the body as 0 bytes"},
		"rfc9112/6.3/content-length-negative":          {spec.Fail, "paste/httpserver.py:210-213 (wsgi_setup) parses Content-Length with int() and never checks the sign: '-1' is accepted, passed on as CONTENT_LENGTH (httpserver.py:238), and the request is served"},
		"rfc9112/6.3/content-length-non-digit":         {spec.Fail, "paste/httpserver.py:210-213 (wsgi_setup) frames an unparsable Content-Length as 0 instead of refusing it, and httpserver.py:238 passes '5a' on as CONTENT_LENGTH; the request is served"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "paste/httpserver.py:210-213 (wsgi_setup) parses Content-Length with int(), which reads '+5' as 5"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "paste/httpserver.py:211 and 238 (wsgi_setup) take the first Content-Length line (email/message.py:495-498 Message.get) and never look for a second: the body is framed as 5 bytes"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "paste/httpserver.py:210-213 (wsgi_setup) parses Content-Length with int(), which reads '1_0' as 10"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "paste ignores Transfer-Encoding: neither http/server.py:267-372 (parse_request) nor paste/httpserver.py:188-287 (wsgi_setup) looks at it, so 'chunked, identity' is served with 200"},
		"rfc9112/7.1.1/chunk-extensions-ignored":       {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws":     {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored is skipped, as rfc9112/7.1/chunked-body fails (paste never decodes chunked)"},
		"rfc9112/7.1.2/trailer-section":                {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-data-crlf":                  {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-size-0x-prefix":             {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-size-non-hex":               {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-size-overflow":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-size-sign":                  {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},
		"rfc9112/7.1/chunk-size-underscore":            {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (paste never decodes chunked; httpserver.py:209-221 frames every body by Content-Length)"},

		// connection
		"rfc9112/9.3/persistent-by-default": {spec.Warn, "paste/httpserver.py:1330-1332 (serve) sets the handler's protocol_version only when asked, so it stays 'HTTP/1.0' (http/server.py:630) and parse_request (http/server.py:309-310) keeps close_connection set: one request per connection"},
		"pep3333/input/readlines":           {spec.Fail, "paste/httpserver.py:504-508 (LimitedLengthFile.readlines) calls the raw socket file's readlines(hint) with no length limit, so it blocks reading past Content-Length"},
	},
}
