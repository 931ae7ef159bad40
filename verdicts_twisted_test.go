package conform_test

import "github.com/conform-wsgi/conform/spec"

// twistedVerdicts: where twisted 22.4.0 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// The installed package is Debian's 22.4.0-4+deb12u1; every file named here is under twisted/web/
// (http.py parses HTTP/1.1, server.py maps the target, wsgi.py is the WSGI gateway).
var twistedVerdicts = serverVerdicts{
	server:  "twisted",
	version: "22.4.0",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "twisted/web/http.py:958-965 (Request.requestReceived) keeps the whole absolute URI up to '?' as self.path, server.py:214 (Request.process) splits path[1:] into postpath (eating the 'h' of 'http:'), and wsgi.py:278-279 (_WSGIResponse.__init__) joins it into PATH_INFO '/ttp://host/abs/path'"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "twisted/web/http.py:2425-2446 (HTTPChannel.headerReceived) keeps 'X_Conform_Auth' as a name of its own, and wsgi.py:309-315 (_WSGIResponse.__init__) maps every name with upper().replace('-', '_'), so the later underscore line overwrites HTTP_X_CONFORM_AUTH"},

		// start-response
		"pep3333/start-response/close-called-on-error":        {spec.Fail, "twisted/web/wsgi.py:498-507 (_WSGIResponse.run) calls the iterable's close() only after the loop, inside the try: when iteration raises, the except at wsgi.py:508-520 logs and drops the connection without calling close()"},
		"pep3333/start-response/header-errors-raised-early":   {spec.Warn, "twisted/web/wsgi.py:387-414 (_WSGIResponse.startResponse) checks header types only, never control characters, and http.py:2675-2687 (HTTPChannel.writeHeaders) only turns line breaks into SP (http_headers.py:41-50), so '\\x01' goes out"},
		"pep3333/start-response/hop-by-hop-refused":           {spec.Warn, "twisted/web/wsgi.py:350-418 (_WSGIResponse.startResponse) never looks for hop-by-hop names and wsgi.py:476-481 (_sendResponseHeaders) copies Transfer-Encoding into the response; http.py:1213-1220 (Request.write) chunks only without a Content-Length, so the body goes out raw under 'Transfer-Encoding: chunked'"},
		"pep3333/start-response/second-call-without-exc-info": {spec.Fail, "twisted/web/wsgi.py:357-358 (_WSGIResponse.startResponse) raises only for exc_info after the response started; otherwise wsgi.py:416-417 overwrite the stored status and headers"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "twisted/web/http.py:1256-1261 (Request.write) counts sentLength but sends every block whole; nothing compares it with the app's Content-Length"},
		"pep3333/response/short-content-length-closes": {spec.Warn, "twisted/web/http.py:1156-1183 (Request.finish) ends the response without comparing sentLength with the app's Content-Length, so the persistent connection stays open"},

		// fields
		"rfc9110/5.5/nul-in-field-value": {spec.Fail, "twisted/web/http.py:2425-2446 (HTTPChannel.headerReceived) only strips SP and HTAB from a value and stores its NUL; wsgi.py:313 (_WSGIResponse.__init__) replaces only '\\n'"},
		"rfc9112/3.2/duplicate-host":     {spec.Fail, "twisted never validates Host: http.py:2441-2446 (HTTPChannel.headerReceived) appends the second Host value, nothing in lineReceived (http.py:2289-2355) or allHeadersReceived (http.py:2526-2539) checks it, and wsgi.py:313 comma-joins both into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":       {spec.Fail, "twisted never validates Host: http.py:1502-1517 (Request.getRequestHostname) only picks a name for SERVER_NAME with the lax regex of http.py:756, and wsgi.py:309-315 (_WSGIResponse.__init__) copies 'bad host/path' into HTTP_HOST"},
		"rfc9112/3.2/missing-host":       {spec.Fail, "twisted never requires Host: neither HTTPChannel.lineReceived (http.py:2289-2355) nor allHeadersReceived (http.py:2526-2539) looks for it, and http.py:1512-1517 (Request.getRequestHostname) falls back to the socket address"},
		"rfc9112/5/invalid-field-name":   {spec.Warn, "twisted/web/http.py:2431-2433 (HTTPChannel.headerReceived) refuses only an empty name or one ending in whitespace, so 'X-Bad\\x01Name' is stored and served"},

		// framing
		"rfc9112/7.1/chunked-body":                 {spec.Fail, "twisted/web/http.py:2390-2397 (HTTPChannel._maybeChooseTransferDecoder) decodes chunked into request.content, but wsgi.py:298 (_WSGIResponse.__init__) takes CONTENT_LENGTH from the Content-Length header only ('' here) and wsgi.py:317-341 set no wsgi.input_terminated"},
		"rfc9112/6.1/te-case-insensitive":          {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/6.1/unknown-transfer-coding":      {spec.Warn, "twisted/web/http.py:2390-2401 (HTTPChannel._maybeChooseTransferDecoder) accepts only 'chunked' or 'identity'; any other value goes to fail() (http.py:2374-2377), which answers 400 (http.py:2868 _respondToBadRequestAndDisconnect), not 501"},
		"rfc9112/7.1.1/chunk-extensions-ignored":   {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws": {spec.Skip, "skipped: rfc9112/7.1.1/chunk-extensions-ignored is skipped, as rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298)"},
		"rfc9112/7.1.2/trailer-section":            {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-data-crlf":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-size-0x-prefix":         {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-size-leading-space":     {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-size-non-hex":           {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-size-overflow":          {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-size-sign":              {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"rfc9112/7.1/chunk-size-underscore":        {spec.Skip, "skipped: rfc9112/7.1/chunked-body fails (twisted/web/wsgi.py:298 leaves CONTENT_LENGTH empty for a chunked body)"},
		"pep3333/environ/content-headers-not-http": {spec.Warn, "twisted/web/wsgi.py:309-315 (_WSGIResponse.__init__) copies every header, Content-Type/Length included, into HTTP_* after wsgi.py:297-298 set CONTENT_TYPE/CONTENT_LENGTH"},
	},
}
