package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// uwsgiVerdicts: where uwsgi 2.0.21-debian departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var uwsgiVerdicts = serverVerdicts{
	server:  "uwsgi",
	version: "2.0.21-debian",
	verdicts: map[string]expect{
		// environ
		"pep3333/environ/absolute-form-target":           {spec.Fail, "uwsgi 2.0.21 proto/http.c:207 (http_parse) takes PATH_INFO from the whole request-target up to '?', scheme and authority included"},
		"pep3333/environ/header-value-ows-trimmed":       {spec.Warn, "uwsgi 2.0.21 proto/http.c:21 (http_header_to_cgi) skips only SP before the value (not HTAB) and keeps all trailing whitespace (line 26)"},
		"pep3333/environ/underscore-header-no-collision": {spec.Warn, "uwsgi 2.0.21 proto/http.c:14 (http_header_to_cgi) turns '-' into '_' and keeps '_', so X_Conform_Auth and X-Conform-Auth get one name and are merged at http.c:384 (http_parse)"},

		// input
		"pep3333/input/readline-size": {spec.Warn, "uwsgi 2.0.21 core/reader.c:220 (uwsgi_request_body_readline) takes the size hint but never uses it: the whole line is returned"},

		// start-response
		"pep3333/start-response/exc-info-reraises-original":      {spec.Warn, "uwsgi 2.0.21 plugins/python/wsgi_headers.c:17 (py_uwsgi_spit) raises IOError('headers already sent') before it looks at exc_info"},
		"pep3333/start-response/header-crlf-refused":             {spec.Fail, "uwsgi 2.0.21 plugins/python/wsgi_headers.c:172 (py_uwsgi_spit) passes header values on unchecked and proto/base.c:143 (uwsgi_proto_base_add_header) writes them verbatim, CR LF included"},
		"pep3333/start-response/header-errors-raised-early":      {spec.Warn, "uwsgi 2.0.21 plugins/python/wsgi_headers.c:172 (py_uwsgi_spit) checks only that a header value is a latin-1 str; control bytes are written verbatim (proto/base.c:143)"},
		"pep3333/start-response/headers-held-until-body":         {spec.Fail, "uwsgi 2.0.21 core/writer.c:413 (uwsgi_response_write_body_do) sends the headers for a zero-length block, which plugins/python/wsgi_subhandler.c:67 (uwsgi_python_send_body) passes for b''"},
		"pep3333/start-response/hop-by-hop-refused":              {spec.Warn, "uwsgi 2.0.21 plugins/python/wsgi_headers.c:172 (py_uwsgi_spit) adds any header name, hop-by-hop ones included, so the app's Transfer-Encoding goes out over an unchunked body"},
		"pep3333/start-response/missing-start-response-is-error": {spec.Warn, "uwsgi 2.0.21 core/writer.c:204 (uwsgi_response_write_headers_do0) returns OK when no status was ever prepared, and the body is written with no status line (writer.c:424)"},
		"pep3333/start-response/second-call-without-exc-info":    {spec.Fail, "uwsgi 2.0.21 plugins/python/wsgi_headers.c:17 (py_uwsgi_spit) refuses a call only once headers are sent; core/writer.c:88 (uwsgi_response_prepare_headers) resets the stored status and headers"},

		// response
		"pep3333/response/content-length-not-exceeded": {spec.Warn, "uwsgi 2.0.21 core/writer.c:424 (uwsgi_response_write_body_do) writes every block whole; the app's Content-Length is never counted"},
		"pep3333/response/date-header":                 {spec.Fail, "uwsgi 2.0.21 proto/base.c:352 (uwsgi_proto_base_fix_headers) only ends the header block; nothing on --http-socket adds Date"},
		"pep3333/response/expect-continue-interim":     {spec.Warn, "uwsgi 2.0.21 proto/http.c:440 (uwsgi_proto_http_parser) has no Expect handling; '100 Continue' exists only in the separate http router plugin (plugins/http/http.c:510)"},
		"rfc9110/15.3.5/204-no-content":                {spec.Fail, "uwsgi 2.0.21 core/writer.c:369 (uwsgi_response_write_body_do) sends the app's body whatever the status; nothing drops it for 204"},
		"rfc9110/15.4.5/304-no-content":                {spec.Fail, "uwsgi 2.0.21 core/writer.c:369 (uwsgi_response_write_body_do) sends the app's body whatever the status; nothing drops it for 304"},
		"rfc9110/9.3.2/head-no-content":                {spec.Fail, "uwsgi 2.0.21 core/writer.c:369 (uwsgi_response_write_body_do) sends the app's body whatever the method; nothing drops it for HEAD"},

		// fields
		"rfc9112/5/invalid-field-name":        {spec.Warn, "uwsgi 2.0.21 proto/http.c:11 (http_header_to_cgi) takes every byte before ':' as the name, with no token check: HTTP_X_BAD\\x01NAME reaches the app"},
		"rfc9110/5.5/nul-in-field-value":      {spec.Fail, "uwsgi 2.0.21 proto/http.c:26 (http_header_to_cgi) copies the value bytes verbatim, NUL included"},
		"rfc9112/3.2/duplicate-host":          {spec.Fail, "uwsgi 2.0.21 proto/http.c:382 (http_parse) merges repeated field lines with ', ', Host included; Host is never validated"},
		"rfc9112/3.2/invalid-host":            {spec.Fail, "uwsgi 2.0.21 proto/http.c:375 (http_parse) passes any Host value on, and core/protocol.c:219 (uwsgi_proto_check_9) stores it unchecked"},
		"rfc9112/3.2/missing-host":            {spec.Fail, "uwsgi 2.0.21 proto/http.c:173 (http_parse) never requires a Host header"},
		"rfc9112/3/invalid-request-line":      {spec.Warn, "uwsgi 2.0.21 proto/http.c:248 (http_parse) takes everything after the second space as SERVER_PROTOCOL ('b HTTP/1.1') and proto/base.c:162 (uwsgi_proto_base_prepare_headers) echoes it as the status line's version"},
		"rfc9112/5.1/whitespace-before-colon": {spec.Fail, "uwsgi 2.0.21 proto/http.c:16 (http_header_to_cgi) ends the name at ':', so 'Transfer-Encoding : chunked' is accepted as HTTP_TRANSFER_ENCODING with a trailing space"},
		"rfc9112/5.2/obs-fold":                {spec.Fail, "uwsgi 2.0.21 proto/http.c:366 (http_parse) continues a field on a line starting with SP/HTAB and keeps the CR LF in the value"},

		// framing
		"rfc9110/8.6/content-length-overflow":          {spec.Fail, "uwsgi 2.0.21 core/protocol.c:11 (get_content_length) accumulates digits in a size_t with no overflow check: 18446744073709551621 (2^64+5) wraps to 5"},
		"rfc9112/6.1/te-and-content-length":            {spec.Fail, "uwsgi 2.0.21 core/protocol.c:454 (uwsgi_proto_check_14) frames the body by CONTENT_LENGTH only: nothing in core/, proto/ or plugins/python reads Transfer-Encoding"},
		"rfc9112/6.1/te-case-insensitive":              {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/6.1/unknown-transfer-coding":          {spec.Warn, "uwsgi 2.0.21 core/protocol.c:454 (uwsgi_proto_check_14) frames the body by CONTENT_LENGTH only: nothing in core/, proto/ or plugins/python reads Transfer-Encoding: an unknown coding is accepted unseen"},
		"rfc9112/6.3/content-length-conflict":          {spec.Fail, "uwsgi 2.0.21 core/protocol.c:10 (get_content_length) stops at the first non-digit without an error ('+5' and '-1' are 0, '5a' and '5, 6' are 5, '1_0' is 1) and the request is served"},
		"rfc9112/6.3/content-length-identical-list":    {spec.Fail, "uwsgi 2.0.21 core/protocol.c:10 (get_content_length) frames '5, 5' as 5 (stops at the first non-digit), but proto/http.c:34 passes CONTENT_LENGTH='5, 5' to the app verbatim instead of the single value"},
		"rfc9112/6.3/content-length-negative":          {spec.Fail, "uwsgi 2.0.21 core/protocol.c:10 (get_content_length) stops at the first non-digit without an error ('+5' and '-1' are 0, '5a' and '5, 6' are 5, '1_0' is 1) and the request is served"},
		"rfc9112/6.3/content-length-non-digit":         {spec.Fail, "uwsgi 2.0.21 core/protocol.c:10 (get_content_length) stops at the first non-digit without an error ('+5' and '-1' are 0, '5a' and '5, 6' are 5, '1_0' is 1) and the request is served"},
		"rfc9112/6.3/content-length-plus":              {spec.Fail, "uwsgi 2.0.21 core/protocol.c:10 (get_content_length) stops at the first non-digit without an error ('+5' and '-1' are 0, '5a' and '5, 6' are 5, '1_0' is 1) and the request is served"},
		"rfc9112/6.3/content-length-repeated-conflict": {spec.Fail, "uwsgi 2.0.21 proto/http.c:384 (http_parse) merges the two lines into '5, 6', and core/protocol.c:10 (get_content_length) reads it as 5 without an error"},
		"rfc9112/6.3/content-length-underscore":        {spec.Fail, "uwsgi 2.0.21 core/protocol.c:10 (get_content_length) stops at the first non-digit without an error ('+5' and '-1' are 0, '5a' and '5, 6' are 5, '1_0' is 1) and the request is served"},
		"rfc9112/6.3/te-chunked-not-final":             {spec.Fail, "uwsgi 2.0.21 core/protocol.c:454 (uwsgi_proto_check_14) frames the body by CONTENT_LENGTH only: nothing in core/, proto/ or plugins/python reads Transfer-Encoding: 'chunked, identity' is accepted unseen"},
		"rfc9112/7.1.1/chunk-extension-quoted-bws":     {spec.Skip, "prerequisite rfc9112/7.1.1/chunk-extensions-ignored is skipped, because uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454)"},
		"rfc9112/7.1.1/chunk-extensions-ignored":       {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1.2/trailer-section":                {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-data-crlf":                  {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-size-0x-prefix":             {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-size-leading-space":         {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-size-non-hex":               {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-size-overflow":              {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-size-sign":                  {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunk-size-underscore":            {spec.Skip, "prerequisite rfc9112/7.1/chunked-body fails: uwsgi 2.0.21 never decodes chunked on --http-socket (core/protocol.c:454 frames by CONTENT_LENGTH only)"},
		"rfc9112/7.1/chunked-body":                     {spec.Fail, "uwsgi 2.0.21 core/protocol.c:454 (uwsgi_proto_check_14) frames the body by CONTENT_LENGTH only: nothing in core/, proto/ or plugins/python reads Transfer-Encoding, so post_cl stays 0 and wsgi.input is empty"},

		// connection
		"rfc9112/9.3/persistent-by-default": {spec.Warn, "uwsgi 2.0.21 proto/http.c:762 (uwsgi_proto_http_setup) sets proto_close to uwsgi_proto_base_close, which closes after every response; keep-alive is only in --http11-socket (http.c:772)"},
		"rfc9112/9.3/close-announced":       {spec.Fail, "uwsgi 2.0.21 proto/http.c:762 (uwsgi_proto_http_setup) closes after every response (proto/base.c:114) but proto/base.c:352 (uwsgi_proto_base_fix_headers) never adds 'Connection: close'"},
	},
}
