// Package reference is the executable specification of conform: an HTTP/1.1 server that
// behaves as a perfectly conforming WSGI gateway (PEP 3333) hosting the probe application
// (probes/PROTOCOL.md) natively. It is the default target of the test suite and the oracle
// of the differential fuzzer.
//
// It has two layers that share one parser:
//
//   - Interpret / InterpretWith: a pure function from the bytes a client sent on one
//     connection to the requests a conforming server sees and where it stops (an error status,
//     or the need for more bytes). No network.
//   - Server: reads each connection incrementally with the same parser (parse.go is an
//     incremental state machine; Interpret feeds it all bytes at once, the server feeds it what
//     the socket delivers), builds the WSGI environ and runs the probe scenarios against an
//     emulated PEP 3333 gateway (gateway.go, app.go).
//
// Deviations are deliberate, named bugs for mutation-testing the check catalog; the zero
// value is conforming. The mutation table (mutation_test.go) asserts, for every deviation,
// exactly which checks it makes fail, and that every check is made to fail by some deviation.
//
// # Choices where the RFCs allow several
//
// Message syntax (RFC 9112):
//   - Bare LF is accepted as a line terminator for the request-line and field lines
//     (§2.2 MAY), but not in chunked framing: chunk-size lines and the CRLF after chunk-data
//     must be CRLF (the tolerance is for "the start-line and fields"; lenient chunk parsing is
//     a request smuggling vector). The trailer section is field lines: bare LF accepted.
//   - A bare CR anywhere in the request-line or a field line is rejected with 400 (§2.2:
//     invalid, or replaced by SP).
//   - Any number of empty lines before a request-line is ignored (§2.2 SHOULD ignore at least
//     one).
//   - The request-line is parsed strictly: single SPs, no lenient whitespace (§3).
//   - HTTP/1.x with x > 1 is served as HTTP/1.1 (SERVER_PROTOCOL keeps what was sent); any
//     other major version gets 505. A malformed HTTP-version gets 400.
//   - request-target: any byte outside %x21-7E gives 400. origin-form; absolute-form with
//     the http or https scheme, a non-empty host and no userinfo (§3.2.2 MUST accept; other
//     schemes get 400); authority-form only (and always) for CONNECT; asterisk-form only for
//     OPTIONS. A CONNECT request closes the connection after its response (no tunnel); a 2xx
//     answer to it carries neither Content-Length nor Transfer-Encoding (RFC 9110 §8.6).
//   - Whitespace between the start-line and the first field line: 400 (§2.2 allows reject or
//     ignore). The same for a whitespace-preceded first line of a trailer section.
//   - obs-fold is replaced (§5.2 allows reject or replace): the trimmed continuation lines are
//     joined to the value with one SP each.
//   - Field values: NUL, bare CR and every other CTL but HTAB give 400 (RFC 9110 §5.5 allows
//     rejecting or, for CR/LF/NUL, replacing with SP). obs-text (%x80-FF) is kept as is.
//   - Host: 400 for HTTP/1.1 without Host, for more than one Host line (any version), and for a
//     value that is not uri-host [":" port] (userinfo, path, whitespace, bad IP-literal). An
//     empty Host is valid. For absolute-form the target's authority replaces Host (§3.2.2).
//   - Transfer-Encoding on HTTP/1.0: 400 (§6.1: the framing MUST be treated as faulty).
//     Transfer-Encoding with Content-Length: 400 (§6.1 MAY reject). chunked listed twice: 400.
//     chunked not final (or no coding at all): 400 (§6.3 MUST). chunked with parameters: 400
//     (§7.1 SHOULD treat as error). chunked final but another coding before it: 501 (§6.1
//     SHOULD; the reference decodes only chunked).
//   - Content-Length: 1*DIGIT; a comma list or repeated lines of the same value are accepted
//     (RFC 9110 §8.6 MAY), differing values get 400, anything else (sign, inner space, hex,
//     empty member) 400, a valid value above MaxBody (or beyond int64) 413.
//   - Chunked: chunk-size is 1*HEXDIG, any number of leading zeros, overflow of 64 bits 400,
//     above MaxChunkSize or a body above MaxBody 413. chunk-ext is checked against its grammar
//     (BWS only before ";" and "=") and ignored; a chunk line longer than 4096 bytes gets 400.
//     Trailer fields are parsed like header fields, kept in Request.Trailers and never merged
//     into the header section (nor the environ).
//   - Limits: request-line longer than MaxRequestLine 414; header (or trailer) section larger
//     than MaxHeaderBytes or with more than MaxHeaders field lines 431. Unterminated lines are
//     judged as soon as they exceed the limit.
//   - Persistence (§9.3): HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
//     Expect: 100-continue is honoured for HTTP/1.1 only (RFC 9110 §10.1.1).
//
// Gateway (PEP 3333):
//   - The whole request is received before the application runs, except with "Expect:
//     100-continue" and a body: then the application's first read of wsgi.input sends "100
//     Continue" and reads the body. If the application never reads it, no 100 is sent and the
//     connection closes after the response.
//   - SCRIPT_NAME is "" and PATH_INFO is the whole path, percent-decoded, bytes as latin-1
//     (%2F decodes to "/" like any other escape, so "a%2Fb" and "a/b" look alike). PATH_INFO
//     of "*" for OPTIONS *, "" for CONNECT. QUERY_STRING is as sent (always present, maybe
//     empty). CONTENT_TYPE and CONTENT_LENGTH only when sent (CONTENT_LENGTH is the framing
//     value: "5, 5" becomes "5"); never as HTTP_CONTENT_*. Every other header becomes HTTP_*:
//     upper-cased, "-" to "_"; repeated lines are joined with "," (as CGI does; RFC 9110 §5.3);
//     names containing "_" are dropped, so a client cannot forge "X-Foo" as "X_Foo".
//   - SERVER_NAME/SERVER_PORT come from the listener (or the connection's local address when
//     the listener is on an unspecified address). wsgi.multithread True, wsgi.multiprocess
//     False, wsgi.run_once False, wsgi.input_terminated True, wsgi.file_wrapper present.
//   - Response: HTTP/1.1 status line always; Date and Server on every response. The
//     application's Content-Length is honoured (never more bytes than declared; fewer: the
//     connection closes after them). Without it: Content-Length: 0 when the application
//     produced nothing, chunked for HTTP/1.1, for HTTP/1.0 the length of a one-element
//     list and otherwise close-delimited. No body (and no
//     framing header unless the application gave Content-Length) for HEAD, 1xx, 204, 304; no
//     Content-Length for 1xx and 204. A 1xx final status closes the connection; a 101 is
//     refused in start_response (a 500), since the Upgrade header it needs is hop-by-hop,
//     which the application may not set. Every block is flushed to the socket as it is
//     produced. "Connection: close" is sent whenever the server will close;
//     "Connection: keep-alive" to a persistent HTTP/1.0 client.
//   - An exception before the headers are sent gives 500 (connection kept when the framing
//     allows); after, the connection is cut (no final chunk).
//   - Rejected requests get the status, "Connection: close", a short text/plain body naming
//     the rule, and a graceful close (write side shut, late input drained briefly) so the
//     answer is not lost to a TCP reset. A request not received within ReadTimeout gets 408.
//
// The probe application (app.go) is probes/probe.py ported call for call: the same parameter
// validation (400 with one line of text for a bad parameter, 404 for an unknown scenario), the
// same wsgi.input calls per read mode (never asking past CONTENT_LENGTH, reading at most 16
// MiB), the same fixed-length bodies for start-response-twice and exc-info-before-headers.
// Only "python" (the Go version), "pid" and "thread" (the connection number) differ in kind.
package reference
