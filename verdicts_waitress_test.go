package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// waitressVerdicts: where waitress 2.1.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var waitressVerdicts = serverVerdicts{
	server:  "waitress",
	version: "2.1.2",
	verdicts: map[string]expect{
		// start-response
		"pep3333/start-response/header-errors-raised-early": {spec.Warn, "waitress/task.py:410 (WSGITask.execute.start_response) refuses only CR and LF in a header value; other control bytes such as \\x01 are accepted and sent"},

		// response
		"rfc9110/9.3.2/head-no-content": {spec.Fail, "waitress/task.py:176 (Task.has_body) looks only at the status (1xx/204/304), never the method, so Task.write (task.py:310) sends the app's body in reply to HEAD"},

		// fields
		"rfc9112/3.2/duplicate-host":     {spec.Fail, "waitress/parser.py:244 (HTTPRequestParser.parse_header) joins repeated field lines with ', ', Host included: HTTP_HOST='127.0.0.1:port, evil.example'"},
		"rfc9112/3.2/invalid-host":       {spec.Fail, "waitress/parser.py:246 (HTTPRequestParser.parse_header) stores any field value; Host is never checked against uri-host[:port]"},
		"rfc9112/3.2/missing-host":       {spec.Fail, "waitress/parser.py:200 (HTTPRequestParser.parse_header) never requires a Host header, and nothing else in waitress does"},
		"rfc9112/3/invalid-request-line": {spec.Warn, "waitress/parser.py:442 (crack_first_line) returns empty method, target and version for a line first_line_re does not match, and parse_header goes on: the app runs with REQUEST_METHOD='' and PATH_INFO='' and its 200 is sent"},

		// framing
		"rfc9112/6.1/te-and-content-length":        {spec.Fail, "waitress/parser.py:303 (HTTPRequestParser.parse_header) lets chunked win over Content-Length but sets connection_close only for 'Connection: close' (parser.py:315), so the connection stays open"},
		"rfc9112/6.1/te-in-http10":                 {spec.Fail, "waitress/parser.py:271 (HTTPRequestParser.parse_header) reads Transfer-Encoding only for HTTP/1.1: an HTTP/1.0 body is framed by Content-Length (parser.py:319) and keep-alive is honoured (parser.py:268, task.py:231)"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws": {spec.Fail, "waitress/receiver.py:155 (ChunkedReceiver.received) cuts the chunk line at the first ';' and requires the rest to be hex, so '5 ' (BWS before ';') is 400 'Invalid chunk size'; rfc7230.py:61 CHUNK_EXT allows no BWS either (RFC 7230 grammar)"},
	},
}
