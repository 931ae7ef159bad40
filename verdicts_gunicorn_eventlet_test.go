package conform_test

import "github.com/conform-wsgi/conform/spec"

// gunicornEventletVerdicts: where gunicorn-eventlet 20.1.0 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// The installed package is Debian's 20.1.0-6+deb12u1, which backports the CVE-2024-1135
// request-smuggling fixes (strict Transfer-Encoding and Content-Length handling) to 20.1.0.
// The request parser and Response are gunicorn-sync's (gunicorn/http/); the eventlet worker
// (gunicorn/workers/geventlet.py) runs each connection in workers/base_async.py (AsyncWorker), whose
// keep-alive loop serves further requests on the same connection.
var gunicornEventletVerdicts = serverVerdicts{
	server:  "gunicorn-eventlet",
	version: "20.1.0",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/header-value-ows-trimmed":       {spec.Warn, "gunicorn/http/message.py:99 (Message.parse_headers) only lstrip(' \\t')s a field value, so its trailing OWS stays in it and wsgi.py:138-141 (create) copies it into HTTP_X_PADDED"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "gunicorn/http/wsgi.py:138-141 (create) maps a name with replace('-', '_') and comma-joins a key already set, so X_Conform_Auth (a valid token, message.py:96) is appended to HTTP_X_CONFORM_AUTH"},

		// start-response
		"pep3333/start-response/exc-info-replaces-headers":       {spec.Warn, "gunicorn/http/wsgi.py:226-245 (Response.start_response) with exc_info replaces the status, but process_headers appends the new headers (wsgi.py:279) to the first call's list, reset only in __init__ (wsgi.py:204): both sets are sent"},
		"pep3333/start-response/headers-held-until-body":         {spec.Fail, "gunicorn/workers/base_async.py:115-116 (AsyncWorker.handle_request) passes every block to Response.write, whose first line (gunicorn/http/wsgi.py:329) calls send_headers() even for b''"},
		"pep3333/start-response/hop-by-hop-refused":              {spec.Warn, "gunicorn/http/wsgi.py:268-278 (Response.process_headers) silently drops hop-by-hop headers instead of raising, so start_response returns normally"},
		"pep3333/start-response/missing-start-response-is-error": {spec.Warn, "gunicorn/http/wsgi.py:328-329 (Response.write) sends the headers without checking that start_response was called, and wsgi.py:307-309 (default_headers) formats the unset status: 'HTTP/1.1 None'"},

		// response
		"rfc9110/15.3.5/204-no-content": {spec.Fail, "gunicorn/http/wsgi.py:328-349 (Response.write) sends the app's bytes whatever the status; only is_chunked (wsgi.py:292-295) knows that a 204 has no body"},
		"rfc9110/15.4.5/304-no-content": {spec.Fail, "gunicorn/http/wsgi.py:328-349 (Response.write) sends the app's bytes whatever the status; only is_chunked (wsgi.py:292-295) knows that a 304 has no body"},
		"rfc9110/9.3.2/head-no-content": {spec.Fail, "gunicorn/http/wsgi.py:328-349 (Response.write) sends the app's body whatever the method; only is_chunked (wsgi.py:289-291) knows that a HEAD response has none"},

		// fields
		"rfc9110/5.5/nul-in-field-value": {spec.Fail, "gunicorn/http/message.py:99-109 (Message.parse_headers) keeps a field value as received, with no check for NUL"},
		"rfc9112/2.2/bare-cr-in-field":   {spec.Fail, "gunicorn/http/message.py:70 (Message.parse_headers) splits lines at CR LF only, and message.py:99-109 keeps the bare CR inside the value"},
		"rfc9112/3.2/duplicate-host":     {spec.Fail, "gunicorn never validates Host: gunicorn/http/wsgi.py:127-128 (create) only remembers it (for unix sockets, wsgi.py:166-167) and wsgi.py:138-141 comma-joins both lines into HTTP_HOST"},
		"rfc9112/3.2/invalid-host":       {spec.Fail, "gunicorn never validates Host: gunicorn/http/wsgi.py:127-128 (create) only remembers it (for unix sockets, wsgi.py:166-167) and wsgi.py:138-141 copies it into HTTP_HOST"},
		"rfc9112/3.2/missing-host":       {spec.Fail, "gunicorn never requires Host: neither gunicorn/http/message.py:234-277 (Request.parse) nor wsgi.py:111-192 (create) checks that an HTTP/1.1 request has one"},

		// framing
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "gunicorn/http/message.py:158-162 (Message.set_body_reader) raises UnsupportedTransferCoding (code 501, http/errors.py:67-70), but workers/base.py:208-215 (Worker.handle_error, called from base_async.py:66-67) does not list it, so it is answered 500 (base.py:249-254)"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "gunicorn/http/message.py:182-183 (Message.set_body_reader) parses Content-Length with int(), which reads '+5' as 5"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "gunicorn/http/message.py:182-183 (Message.set_body_reader) parses Content-Length with int(), which reads '1_0' as 10"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "gunicorn/http/message.py:158-162 (Message.set_body_reader) raises UnsupportedTransferCoding (code 501, http/errors.py:67-70), but workers/base.py:208-215 (Worker.handle_error, called from base_async.py:66-67) does not list it, so it is answered 500 (base.py:249-254), not 400"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Warn, "gunicorn/http/body.py:88 (ChunkedReader.parse_chunk_size) strip()s the chunk-size before checking its digits, so ' 5' is read as 5"},
		"pep3333/response/short-content-length-closes": {spec.Warn, "gunicorn/http/wsgi.py:392-396 (Response.write) never compares the bytes sent with Content-Length and wsgi.py:217-218 keeps the connection alive, so it closes only when the keep-alive timeout (2s) reaps it"},
	},
}
