package conform_test

import "github.com/conform-wsgi/conform/spec"

// geventVerdicts: where gevent 22.10.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// gevent parses request headers with the standard library (gevent/pywsgi.py:368-374 headers_factory calls
// http.client.parse_headers): files named email/ and http/ are under /usr/lib/python3.11/.
var geventVerdicts = serverVerdicts{
	server:  "gevent",
	version: "22.10.2",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target": {spec.Fail, "gevent/pywsgi.py:1123-1126 (WSGIHandler.get_environ) splits the request-target at '?' and unquotes the rest into PATH_INFO without removing an absolute-form scheme and authority"},

		// start-response
		"pep3333/start-response/header-errors-raised-early":   {spec.Warn, "gevent/pywsgi.py:843-846 (WSGIHandler.start_response) refuses only CR and LF in header names and values; other control bytes such as \\x01 are accepted and sent"},
		"pep3333/start-response/hop-by-hop-refused":           {spec.Warn, "gevent/pywsgi.py:838-858 (WSGIHandler.start_response) accepts any header name, hop-by-hop ones included; with the app's Content-Length, finalize_headers (pywsgi.py:717-732) does not chunk, so 'Transfer-Encoding: chunked' goes out over a plain body"},
		"pep3333/start-response/second-call-without-exc-info": {spec.Fail, "gevent/pywsgi.py:802-905 (WSGIHandler.start_response) never checks whether it was already called: without exc_info it just replaces the stored status (pywsgi.py:874) and headers, so '299 Second' is sent"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "gevent/pywsgi.py:929-932 (WSGIHandler.process_result) writes every block and _write (pywsgi.py:744-762) sends it whole; the app's Content-Length (provided_content_length) is never counted"},
		"pep3333/response/short-content-length-closes": {spec.Warn, "gevent/pywsgi.py:929-938 (WSGIHandler.process_result) never compares the bytes sent with the app's Content-Length, and handle_one_request (pywsgi.py:696-702) keeps the connection for the next request"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "gevent/pywsgi.py:766-779 (WSGIHandler.write) refuses a body only for 204 and 304 (pywsgi.py:771); nothing drops the app's body for HEAD"},

		// fields
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "http/client.py:234-236 (parse_headers) hands the head to email's compat32 parser, which keeps NUL in values (email/_policybase.py:309-311), and gevent/pywsgi.py:1070-1090 (WSGIHandler._headers) only strip()s them"},
		"rfc9112/2.2/bare-cr-in-field":        {spec.Fail, "email/feedparser.py:56,110 (BufferedSubFile.push) splits lines at a bare CR, so 'X-Cr: a\\rb' gives 'a' and the line 'b' ends the header section at feedparser.py:228-236; gevent/pywsgi.py:1070-1090 (_headers) passes HTTP_X_CR='a' on"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "gevent never validates Host: gevent/pywsgi.py:503-575 (WSGIHandler.read_request) ignores it and pywsgi.py:1142-1148 (get_environ) comma-joins the two lines into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "gevent never validates Host: gevent/pywsgi.py:503-575 (WSGIHandler.read_request) ignores it and pywsgi.py:1142-1148 (get_environ) copies the value into HTTP_HOST"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "gevent never requires Host: gevent/pywsgi.py:503-575 (WSGIHandler.read_request) accepts an HTTP/1.1 request without one"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "email/feedparser.py:37 (headerRE) allows no SP before ':', so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at 'Transfer-Encoding : chunked', dropping it and every later field, and gevent serves the request"},
		"rfc9112/5.2/obs-fold":                {spec.Fail, "email/_policybase.py:309-311 (Compat32.header_source_parse) appends the continuation line with its CR LF, and gevent/pywsgi.py:1080 (WSGIHandler._headers) only strip()s the ends: HTTP_X_FOLD='a\\r\\n b'"},
		"rfc9112/5/invalid-field-name":        {spec.Warn, "email/feedparser.py:37 (headerRE) does not match a name holding \\x01, so feedparser.py:228-236 (FeedParser._parsegen) ends the header section at that line and gevent serves the request without it"},

		// framing
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "gevent/pywsgi.py:546-549 (WSGIHandler.read_request) drops Content-Length when Transfer-Encoding is chunked, but close_connection (pywsgi.py:563-565) follows only the Connection header, so the pipelined request is served"},
		"rfc9112/6.1/te-in-http10":                     {spec.Fail, "gevent/pywsgi.py:1153 (WSGIHandler.get_environ) decodes chunked whatever the request version, and pywsgi.py:566-568 (read_request) honours HTTP/1.0 keep-alive, so the next request is served"},
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "gevent/pywsgi.py:546 (read_request) and pywsgi.py:1153 (get_environ) only compare the whole Transfer-Encoding value with 'chunked'; any other value is neither decoded nor refused, and the request is served"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "gevent/pywsgi.py:554 (WSGIHandler.read_request) parses Content-Length with int(), which reads '+5' as 5; only a negative value is refused (pywsgi.py:555)"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "gevent/pywsgi.py:552 (WSGIHandler.read_request) takes the first Content-Length line (email/message.py:495-498 Message.get) and never looks for a second: the body is framed as 5 bytes"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "gevent/pywsgi.py:554 (WSGIHandler.read_request) parses Content-Length with int(), which reads '1_0' as 10"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "gevent/pywsgi.py:546 (read_request) and pywsgi.py:1153 (get_environ) only compare the whole Transfer-Encoding value with 'chunked': 'chunked, identity' is neither decoded nor refused, and the request is served with 200"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws":     {spec.Fail, "gevent/pywsgi.py:227-238 (Input.__read_chunk_length) reads the chunk size up to CR or ';' and raises 'Non-hex data' at the SP before ';' that the chunk-ext grammar allows (BWS)"},
		"rfc9112/7.1.2/trailer-section":                {spec.Fail, "gevent/pywsgi.py:310-312 (Input._chunked_read) reads a single line after the zero chunk, so the second trailer line 'X-Other: u' is read as the next request line: 400"},

		// concurrency
		"pep3333/environ/multithread-truthful": {spec.Warn, "gevent/pywsgi.py:1478 (WSGIServer.base_env) sets wsgi.multithread False ('XXX: Aren't we really, though?'), yet each connection runs in its own greenlet, which the monkey-patched threading sees as a thread"},
	},
}
