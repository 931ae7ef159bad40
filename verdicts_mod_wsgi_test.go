package conform_test

import "github.com/conform-wsgi/conform/spec"

// modWSGIVerdicts: where mod_wsgi 4.9.4-1+b2 (Apache/2.4.71) departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// mod_wsgi is C inside Apache httpd: "mod_wsgi 4.9.4 src/..." names a file at tag 4.9.4 of
// GrahamDumpleton/mod_wsgi, "httpd 2.4.62 ..." a file at tag 2.4.62 of apache/httpd (the newest
// tag, nearest the installed Debian 2.4.71). The harness runs daemon mode: the daemon process
// sends the app's headers to the Apache child, which re-reads them (mod_wsgi.c wsgi_scan_headers)
// before Apache's HTTP filters write the response.
var modWSGIVerdicts = serverVerdicts{
	server:  "mod_wsgi",
	version: "4.9.4-1+b2 (Apache/2.4.71)",
	verdicts: map[string]expect{
		// start-response
		"pep3333/start-response/hop-by-hop-refused":           {spec.Warn, "mod_wsgi 4.9.4 src/server/wsgi_convert.c:80-157 (wsgi_convert_headers_to_bytes) checks header syntax only, never hop-by-hop names; mod_wsgi.c:11408-11409 (wsgi_scan_headers) puts the app's Transfer-Encoding in headers_out and httpd 2.4.62 modules/http/http_filters.c:783-786 (check_headers) then drops the Content-Length but does not chunk the body"},
		"pep3333/start-response/second-call-without-exc-info": {spec.Fail, "mod_wsgi 4.9.4 src/server/mod_wsgi.c:2101-2104 (Adapter_start_response) refuses a call without exc_info only once the headers were sent (self->headers is cleared at mod_wsgi.c:2341-2342); before that mod_wsgi.c:2152-2158 overwrite the stored status and headers"},

		// response
		"pep3333/response/short-content-length-closes": {spec.Warn, "mod_wsgi 4.9.4 src/server/mod_wsgi.c:3262-3270 (Adapter_run) only logs 'Content length mismatch' at DEBUG and returns OK, and httpd 2.4.62 modules/http/http_protocol.c:259 (ap_set_keepalive) keeps the connection alive because the response has a Content-Length"},

		// framing
		"rfc9112/7.1/chunked-body":                 {spec.Info, "mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 (wsgi_hook_handler) answers 411 Length Required to a chunked request unless WSGIChunkedRequest is On (off by default: mod_wsgi.c:875-878, wsgi_create_req_config); the harness config does not enable it"},
		"rfc9112/6.1/te-case-insensitive":          {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1.1/chunk-extensions-ignored":   {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws": {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored is skipped, as rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411)"},
		"rfc9112/7.1.2/trailer-section":            {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-data-crlf":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-size-0x-prefix":         {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-size-leading-space":     {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-size-non-hex":           {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-size-overflow":          {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-size-sign":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
		"rfc9112/7.1/chunk-size-underscore":        {spec.Skip, "skipped: rfc9112/7.1/chunked-body is info (mod_wsgi 4.9.4 src/server/mod_wsgi.c:7348-7352 answers 411 without WSGIChunkedRequest On)"},
	},
}
