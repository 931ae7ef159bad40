package reference

import (
	"fmt"
	"reflect"
	"strings"
)

// Deviations are deliberate bugs. Each field makes the reference behave like a particular
// non-conforming server, so that the check catalog can be mutation-tested (every deviation
// should make at least one check fail) and the differential fuzzer can be validated. The zero
// value is a conforming server. Each deviation is consulted in exactly one place, named after
// what it breaks.
type Deviations struct {
	// ---- Request parsing (also honoured by InterpretWith) ----

	// AcceptObsFoldRaw keeps an obs-fold inside the field value, CRLF and leading whitespace
	// included, instead of replacing it with SP (RFC 9112 §5.2 MUST reject or replace).
	AcceptObsFoldRaw bool
	// AcceptWhitespaceBeforeColon strips whitespace between field name and colon instead of
	// answering 400 (RFC 9112 §5.1 MUST reject).
	AcceptWhitespaceBeforeColon bool
	// AcceptInvalidFieldNames accepts any non-empty byte string before the colon as a field
	// name (RFC 9110 §5.1: field-name = token).
	AcceptInvalidFieldNames bool
	// AcceptBareCR lets a bare CR through in field lines (RFC 9112 §2.2 MUST consider the
	// element invalid or replace it with SP).
	AcceptBareCR bool
	// AcceptNUL lets NUL through in field values (RFC 9110 §5.5 MUST reject or replace).
	AcceptNUL bool
	// PreferContentLength frames a request carrying both Transfer-Encoding and Content-Length
	// by Content-Length and keeps the connection open (RFC 9112 §6.1/§6.3: TE overrides CL,
	// and the server MUST close the connection).
	PreferContentLength bool
	// AcceptSignedContentLength accepts "+5", "-0" (RFC 9110 §8.6: Content-Length = 1*DIGIT);
	// a negative value frames an empty body.
	AcceptSignedContentLength bool
	// AcceptInvalidContentLengthList accepts "5, 6" using the first value (RFC 9112 §6.3:
	// differing values are an unrecoverable error).
	AcceptInvalidContentLengthList bool
	// AcceptChunkSizePrefix accepts leading/trailing whitespace, "+" and "0x" around
	// chunk-size (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
	AcceptChunkSizePrefix bool
	// ChunkSizeOverflowWraps lets chunk-size wrap around 2^64 instead of rejecting it (RFC 9112
	// §7.1: recipients MUST prevent integer overflow).
	ChunkSizeOverflowWraps bool
	// IgnoreChunkCRLF skips the two bytes after chunk-data whatever they are (RFC 9112 §7.1:
	// chunk = chunk-size [chunk-ext] CRLF chunk-data CRLF).
	IgnoreChunkCRLF bool
	// RejectChunkExtensions answers 400 to any chunk extension (RFC 9112 §7.1.1: a recipient
	// MUST ignore unrecognized chunk extensions).
	RejectChunkExtensions bool
	// MishandleTrailers ends the request right after the last-chunk line, so the trailer
	// section is read as the start of the next request (RFC 9112 §7.1.2).
	MishandleTrailers bool
	// AcceptTENotFinalChunked uses chunked framing when chunked is listed anywhere in
	// Transfer-Encoding (RFC 9112 §6.3: chunked not final -> MUST 400 and close).
	AcceptTENotFinalChunked bool
	// NoChunkedSupport ignores Transfer-Encoding altogether: the body is framed by
	// Content-Length or is empty, and chunked bytes are read as the next request (RFC 9112
	// §7.1: a recipient MUST be able to parse and decode the chunked transfer coding).
	NoChunkedSupport bool
	// AcceptMissingHost serves HTTP/1.1 requests without Host (RFC 9112 §3.2 MUST 400).
	AcceptMissingHost bool
	// AcceptDuplicateHost serves requests with several Host lines (RFC 9112 §3.2 MUST 400).
	AcceptDuplicateHost bool
	// KeepHeaderWhitespace does not trim OWS around field values (RFC 9112 §5: OWS is not
	// part of the field value). Framing fields are still interpreted trimmed.
	KeepHeaderWhitespace bool
	// RejectAbsoluteForm answers 400 to an absolute-form request-target (RFC 9112 §3.2.2: a
	// server MUST accept the absolute-form).
	RejectAbsoluteForm bool
	// IgnoreConnectionClose keeps the connection open after "Connection: close" (RFC 9112
	// §9.6).
	IgnoreConnectionClose bool
	// KeepAliveHTTP10 keeps HTTP/1.0 connections open without "Connection: keep-alive"
	// (RFC 9112 §9.3).
	KeepAliveHTTP10 bool
	// KeepTrailingWhitespace trims OWS before a field value but keeps it after (RFC 9112 §5:
	// "OWS occurring ... after the last non-whitespace octet of the field line value, is
	// excluded by parsers"). Framing fields are still interpreted trimmed.
	KeepTrailingWhitespace bool
	// AcceptWhitespacePrecededLine takes a whitespace-preceded line right after the
	// request-line as a field line of its own (RFC 9112 §2.2 MUST reject the message or ignore
	// the line).
	AcceptWhitespacePrecededLine bool
	// AcceptInvalidHost serves requests whose Host is not uri-host [":" port] (RFC 9112 §3.2
	// MUST 400).
	AcceptInvalidHost bool
	// LenientRequestLine splits the request-line on runs of whitespace: the first word is the
	// method, the last the version, and the words between, joined by "%20", the target, so
	// "GET /a b HTTP/1.1" is served as "/a%20b" (RFC 9112 §3: an invalid request-line SHOULD
	// get 400 or a 301 to the properly encoded target, not a silent repair).
	LenientRequestLine bool
	// ContentLengthWraps lets a Content-Length beyond 64 bits wrap around 2^64 (RFC 9110 §8.6:
	// recipients MUST prevent integer conversion overflows).
	ContentLengthWraps bool
	// ContentLengthDigitPrefix reads Content-Length up to its first non-digit, as atoi()
	// does: "5a" is 5 (RFC 9110 §8.6: Content-Length = 1*DIGIT; RFC 9112 §6.3: an invalid
	// value is an unrecoverable error).
	ContentLengthDigitPrefix bool
	// ContentLengthPythonInt reads Content-Length as Python's int() does: a sign, surrounding
	// whitespace and single underscores between digits are accepted ("1_0" is 10, "+5" is 5);
	// a negative value frames an empty body (RFC 9110 §8.6: Content-Length = 1*DIGIT).
	ContentLengthPythonInt bool
	// CaseSensitiveCodings compares transfer-coding names case-sensitively, so
	// "Transfer-Encoding: CHUNKED" is not chunked (RFC 9112 §7: "All transfer-coding names are
	// case-insensitive").
	CaseSensitiveCodings bool
	// ChunkSizeHexPrefix reads chunk-size up to its first non-hex digit and ignores the rest of
	// the chunk line, as strtoul() does: "5g" is 5 (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
	ChunkSizeHexPrefix bool
	// ChunkSizePythonInt reads the chunk line up to ";" as Python's int(x, 16) does:
	// surrounding whitespace, a sign, a "0x" prefix and single underscores between digits are
	// accepted ("1_0" is 16), as waitress once did (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
	ChunkSizePythonInt bool
	// RejectChunkExtensionBWS answers 400 to whitespace before the ";" of a chunk extension,
	// as waitress does (RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name ... );
	// RFC 9110 §5.6.3: a recipient MUST parse for BWS and remove it).
	RejectChunkExtensionBWS bool
	// RejectExpect answers 417 (Expectation Failed) to "Expect: 100-continue" (RFC 9110
	// §10.1.1: 417 is for expectations the server cannot meet; PEP 3333 "HTTP 1.1
	// Expect/Continue": servers must support it transparently).
	RejectExpect bool
	// CloseAfterEachResponse treats every request as if it carried "Connection: close": each
	// response says so and the connection closes (RFC 9112 §9.3: HTTP implementations SHOULD
	// support persistent connections).
	CloseAfterEachResponse bool

	// ---- WSGI environ (PEP 3333 "environ Variables") ----

	// KeepUnderscoreHeaders maps header names containing "_" to HTTP_ variables too, so that
	// "X_Foo" collides with "X-Foo".
	KeepUnderscoreHeaders bool
	// RepeatedHeaderKeepLast gives the last line's value of a repeated header instead of the
	// combined value (RFC 9110 §5.3).
	RepeatedHeaderKeepLast bool
	// HTTPContentHeaders also sets HTTP_CONTENT_TYPE and HTTP_CONTENT_LENGTH (CGI/PEP 3333:
	// those are CONTENT_TYPE and CONTENT_LENGTH).
	HTTPContentHeaders bool
	// PathInfoUTF8 decodes PATH_INFO's bytes as UTF-8 instead of latin-1 (PEP 3333 "Unicode
	// Issues").
	PathInfoUTF8 bool
	// PathInfoUndecoded leaves percent-escapes in PATH_INFO (CGI: PATH_INFO is decoded).
	PathInfoUndecoded bool
	// QueryStringDecoded percent-decodes QUERY_STRING (CGI: it is passed as sent).
	QueryStringDecoded bool
	// AbsoluteFormRaw sets PATH_INFO to the whole absolute-form target, scheme and authority
	// included.
	AbsoluteFormRaw bool
	// ServerProtocolFixed always sets SERVER_PROTOCOL to "HTTP/1.1" (PEP 3333: the protocol
	// the client used).
	ServerProtocolFixed bool
	// UnknownMethodAsGET sets REQUEST_METHOD to "GET" for a method the server does not know,
	// such as PROPFIND (PEP 3333: REQUEST_METHOD is the HTTP request method).
	UnknownMethodAsGET bool
	// HeaderValuesUTF8 decodes header values as UTF-8 into HTTP_ variables instead of latin-1
	// (PEP 3333 "Unicode Issues": servers must not supply strings containing code points
	// above U+00FF).
	HeaderValuesUTF8 bool
	// AddDefaultHeaders adds HTTP_ACCEPT="*/*" when the client sent no Accept header (PEP
	// 3333: the presence or absence of HTTP_ variables should correspond with the presence or
	// absence of the header).
	AddDefaultHeaders bool
	// ContentLengthListVerbatim hands the application CONTENT_LENGTH as received ("5, 5")
	// instead of the value the message was framed by (RFC 9112 §6.3: the message is processed
	// with that single value used as the Content-Length field value).
	ContentLengthListVerbatim bool
	// WrongURLScheme sets wsgi.url_scheme to "https" on a plain connection, "http" over TLS
	// (PEP 3333: the scheme of the URL at which the application is invoked).
	WrongURLScheme bool
	// ScriptNameSlash sets SCRIPT_NAME to "/" for the application at the root, so that
	// SCRIPT_NAME + PATH_INFO is "//path" (PEP 3333: SCRIPT_NAME "may be an empty string, if
	// the application corresponds to the root of the server"; the URL is rebuilt from both).
	ScriptNameSlash bool
	// BytesEnviron names one environ key whose value is given as Python bytes instead of a
	// native str (PEP 3333 "Unicode Issues": CGI values are native strings).
	BytesEnviron string
	// DropEnviron lists environ keys that are left out.
	DropEnviron []string
	// WSGIVersionList gives wsgi.version as the list [1, 0] (PEP 3333: the tuple (1, 0)).
	WSGIVersionList bool
	// FlagsAsInt gives wsgi.multithread/multiprocess/run_once as int 1/0 instead of bool.
	FlagsAsInt bool
	// EmptyServerPort sets SERVER_PORT to "" (PEP 3333: must never be empty).
	EmptyServerPort bool
	// DenyMultithread reports wsgi.multithread False while serving connections concurrently.
	DenyMultithread bool
	// DenyMultiprocess emulates two worker processes (connections alternate between two pids)
	// while reporting wsgi.multiprocess False (PEP 3333: it should evaluate true if an
	// equivalent application object may be simultaneously invoked by another process).
	DenyMultiprocess bool
	// NoInputTerminated leaves wsgi.input_terminated out: a decoded chunked body the app is
	// not told about (the probe still reads it, since its final coding is chunked).
	NoInputTerminated bool
	// NoFileWrapper leaves wsgi.file_wrapper out.
	NoFileWrapper bool
	// NoEOFSimulation makes the first read past the end of the body return one byte instead
	// of b"" (PEP 3333: the server should simulate an end-of-file at Content-Length).
	NoEOFSimulation bool
	// InputReadsConnection hands the application the connection as wsgi.input: past a
	// Content-Length body, read() and readline() go on into the bytes the client sent after
	// it (the next request), as wsgiref and werkzeug's development server do with their
	// socket file; the connection then closes after the response (PEP 3333: the server
	// should simulate an end-of-file at Content-Length).
	InputReadsConnection bool
	// InputNoReadline gives a wsgi.input without readline() (PEP 3333 requires it).
	InputNoReadline bool
	// InputNoReadlines gives a wsgi.input without readlines() (PEP 3333 requires it).
	InputNoReadlines bool
	// InputNotIterable gives a wsgi.input that cannot be iterated (PEP 3333 requires
	// __iter__).
	InputNotIterable bool
	// ReadIgnoresSize makes wsgi.input.read(n) return the whole rest of the body whatever n
	// is (PEP 3333: read(size) as a file's read; the application may rely on it).
	ReadIgnoresSize bool
	// ReadRequiresSize makes wsgi.input.read() without an argument raise TypeError (PEP 3333:
	// a server should allow read() to be called without an argument and return the remainder
	// of the input).
	ReadRequiresSize bool
	// InputTextMode hands wsgi.input the body with CRLF translated to LF, as a CGI gateway
	// reading a stdin left in text mode does (PEP 3333: wsgi.input yields the request body
	// bytes).
	InputTextMode bool
	// ErrorsStreamRejectsUnicode makes wsgi.errors.write()/writelines() raise TypeError on
	// str (PEP 3333: wsgi.errors is a text stream).
	ErrorsStreamRejectsUnicode bool

	// ---- start_response and the response (PEP 3333, RFC 9110/9112) ----

	// SecondStartResponseAllowed lets a second start_response without exc_info replace the
	// first instead of raising.
	SecondStartResponseAllowed bool
	// ExcInfoBeforeHeadersIgnored keeps the first status and headers when start_response is
	// called again with exc_info before anything was sent.
	ExcInfoBeforeHeadersIgnored bool
	// ExcInfoAfterHeadersReturns returns normally from start_response with exc_info after the
	// headers were sent, instead of re-raising the exception.
	ExcInfoAfterHeadersReturns bool
	// ExcInfoAfterHeadersRaisesOther raises an OSError of its own from start_response with
	// exc_info after the headers were sent, as uWSGI does, instead of re-raising the exception
	// passed in (PEP 3333: it "should re-raise using the exc_info tuple").
	ExcInfoAfterHeadersRaisesOther bool
	// RequireEarlyStartResponse answers 500 when the application returned its iterable without
	// having called start_response (PEP 3333: start_response may be called by the iterable's
	// first iteration; servers must not assume it was called before they begin iterating).
	RequireEarlyStartResponse bool
	// SendHeadersEarly sends the status and headers as soon as start_response is called
	// (PEP 3333: not before the first non-empty body bytestring).
	SendHeadersEarly bool
	// NoStartResponseOK answers 200 when the application returns a body without ever calling
	// start_response.
	NoStartResponseOK bool
	// WriteCallableBroken drops the data passed to the write() callable.
	WriteCallableBroken bool
	// BufferStreamedBody holds the whole body until the iterable is exhausted (PEP 3333
	// "Buffering and Streaming": each block must be sent before the next is requested).
	BufferStreamedBody bool
	// ContentLengthOverrun sends body bytes past the application's Content-Length.
	ContentLengthOverrun bool
	// ContentLengthShortKeepAlive keeps the connection open after sending fewer bytes than the
	// application's Content-Length.
	ContentLengthShortKeepAlive bool
	// AllowHeaderCRLF lets control characters (CR, LF, NUL...) of response header values
	// through to the wire (response splitting).
	AllowHeaderCRLF bool
	// AllowHopByHop lets the application set hop-by-hop headers (PEP 3333: it must not).
	AllowHopByHop bool
	// SkipClose never calls the iterable's close() (PEP 3333 MUST call it).
	SkipClose bool
	// BodyOnHEAD sends a body in responses to HEAD (RFC 9110 §9.3.2).
	BodyOnHEAD bool
	// BodyOn204 sends a body (and framing) in 204 responses (RFC 9110 §15.3.5).
	BodyOn204 bool
	// BodyOn304 sends a body (and framing) in 304 responses (RFC 9110 §15.4.5).
	BodyOn304 bool
	// UndelimitedBody sends a response without Content-Length neither chunked nor followed by
	// closing the connection, so its end cannot be found (PEP 3333 "Handling the Content-Length
	// Header": chunked encoding or closing the connection; RFC 9112 §6.3).
	UndelimitedBody bool
	// TranslateNewlines makes wsgi.file_wrapper read its file in text mode with universal
	// newlines: CR and CRLF reach the client as LF (PEP 3333: the server should treat yielded
	// bytestrings as binary and ensure that line endings are not altered).
	TranslateNewlines bool
	// SilentClose closes the connection after every response without saying "Connection:
	// close" in it (RFC 9112 §9.3: a server that does not support persistent connections MUST
	// send the close option in every response).
	SilentClose bool
	// PipelineOutOfOrder emulates a server that runs pipelined requests side by side and sends
	// each response as soon as it is ready: while further requests are already buffered, a
	// response is held, and the held ones go out quick ones first (an application that ran
	// longer than 190ms is "slow") (RFC 9112 §9.3.2: a server MUST send the responses in the
	// order the requests were received).
	PipelineOutOfOrder bool
	// NoDate leaves out the Date header (RFC 9110 §6.6.1).
	NoDate bool
	// ChunkedToHTTP10 uses chunked framing in responses to HTTP/1.0 requests (RFC 9112 §6.1:
	// MUST NOT).
	ChunkedToHTTP10 bool
	// NoExpectContinue never sends 100 Continue (RFC 9110 §10.1.1).
	NoExpectContinue bool
	// Serialise handles one request at a time across all connections (one mutex per server),
	// every request on one emulated thread, while still claiming wsgi.multithread True (PEP
	// 3333: it should evaluate true if the application may be simultaneously invoked by
	// another thread).
	Serialise bool
	// SingleConnection serves one connection at a time, to completion, as wsgiref does: a
	// client stalling mid-request holds up every other client.
	SingleConnection bool

	// ---- Framing variants: Content-Length and Transfer-Encoding spellings ----

	// FramingPythonStrip strips the Content-Length and Transfer-Encoding field values with
	// Python's str.strip() over their latin-1 text before anything checks them, as tornado's
	// HTTPHeaders does for every field: "\x0b5" is 5 and "\xa0chunked" is chunked (RFC 9110
	// §5.6.3: OWS is SP and HTAB only; §8.6: Content-Length = 1*DIGIT).
	FramingPythonStrip bool
	// ContentLengthEmptyAsZero takes an empty Content-Length value for no length at all, as
	// int(value or 0) does, leaving the body on the connection (RFC 9110 §8.6: Content-Length
	// = 1*DIGIT; RFC 9112 §6.3: an invalid value is an unrecoverable error).
	ContentLengthEmptyAsZero bool
	// TransferEncodingExactChunked honours Transfer-Encoding only when its whole value (all
	// lines joined) is "chunked", compared case-insensitively, as eventlet and tornado do; any
	// other value is ignored and the body framed by Content-Length or empty (RFC 9112 §6.3:
	// the final coding decides; RFC 9110 §5.6.1.2: empty list elements are ignored).
	TransferEncodingExactChunked bool
	// TransferCodingServerError answers 500 to a request with a Transfer-Encoding field line
	// whose value, lower-cased, is neither "chunked" nor "identity", before any other framing
	// check, as Debian's gunicorn 20.1 does: gunicorn/http/message.py:148-162 raises
	// UnsupportedTransferCoding (http/errors.py:67-70) for such a line, workers/base.py:208-215
	// does not list it among the errors answered with 400, and base.py:249-254 answers 500
	// (RFC 9112 §6.1: a server that receives a transfer coding it does not understand SHOULD
	// respond with 501; RFC 9110 §15.6.1: 500 is for an unexpected condition).
	TransferCodingServerError bool
	// NoBodyOnGET frames a GET, HEAD, OPTIONS or DELETE request with no body whatever its
	// Content-Length or Transfer-Encoding say, so a body is read as the next request (the
	// "CL.0" desync; RFC 9112 §6.3: the framing fields, not the method, decide the body).
	NoBodyOnGET bool

	// ---- Environ and response variants: bytes in a str, what is sent for the app ----

	// RawTargetBytesReencoded accepts bytes above 0x7F in the request-target and hands each
	// over as its two-byte UTF-8 encoding, as servers that read the request line as latin-1
	// text and then encode that str as UTF-8 do (urllib.parse.unquote_to_bytes() on a str:
	// gunicorn, werkzeug) (PEP 3333 "Unicode Issues": bytes in a str, one code point each).
	RawTargetBytesReencoded bool
	// AcceptAnyStatus takes any status the application passes that starts with digits, "20
	// OK" and "200" included, and sends it as it is, as gunicorn does (RFC 9112 §4:
	// status-code = 3DIGIT, and the SP after it is required).
	AcceptAnyStatus bool
	// AllowInvalidHeaderNames sends application header names that are not tokens (a space,
	// CR LF, a byte above 0x7F) as they are (RFC 9110 §5.1: field-name = token).
	AllowInvalidHeaderNames bool
	// StatusUTF8 encodes the status line as UTF-8 instead of latin-1, as tornado does (PEP
	// 3333 "Unicode Issues": all encoding is the application's; a str is bytes in a str).
	StatusUTF8 bool
	// StatusTrailingSpaceTrimmed strips trailing spaces from the application's status, so
	// "200 " goes out as "HTTP/1.1 200" (RFC 9112 §4: the SP after the status-code is sent
	// even when the reason-phrase is absent).
	StatusTrailingSpaceTrimmed bool
	// ExpectContinueHTTP10 honours "Expect: 100-continue" in HTTP/1.0 requests too, sending
	// 100 (Continue) (RFC 9110 §10.1.1: such an expectation MUST be ignored; §15.2: no 1xx to
	// an HTTP/1.0 client).
	ExpectContinueHTTP10 bool

	// ---- Open sentences: the trace's untested sentences (spec/open_sentences.go) ----

	// LeaveUnreadBody leaves a body the application never read on the connection, where it
	// is parsed as the next request, and keeps the connection open after an "Expect:
	// 100-continue" request whose body was never asked for (RFC 9112 §9.3: a server MUST read
	// the entire body or close the connection).
	LeaveUnreadBody bool
	// ShortBodyComplete runs the application when the client closes its side before the
	// Content-Length body is complete, handing it the bytes that came as the whole body, as
	// servers that give the application the raw socket stream do (RFC 9112 §6.3: the
	// recipient MUST consider the message incomplete and close the connection).
	ShortBodyComplete bool
	// ServeAfterOwnClose answers a field line without a colon with 400 and "Connection:
	// close", then skips to the end of that request's header section and goes on serving the
	// connection (RFC 9112 §9.6: a server that sends "close" MUST NOT process further
	// requests).
	ServeAfterOwnClose bool
	// MergeTrailers adds the trailer fields of a chunked request to its header fields, a
	// trailer replacing a header of the same name, before the environ is built (RFC 9112
	// §7.1.2, RFC 9110 §6.5.1: a recipient MUST NOT merge trailer fields).
	MergeTrailers bool
	// ContentLengthWithChunked chunks an HTTP/1.1 response even when the application gave a
	// Content-Length, and keeps that Content-Length beside Transfer-Encoding (RFC 9112 §6.2:
	// a sender MUST NOT send both).
	ContentLengthWithChunked bool
	// CountedContentLength gives responses without content (HEAD, 1xx, 204) whose
	// application set no Content-Length the length of what is sent: "Content-Length: 0"
	// (RFC 9110 §8.6: none in a 204; in a response to HEAD only the length GET would have).
	CountedContentLength bool
	// SwitchingProtocolsWithoutUpgrade sends an application's 101 status as it is, without
	// the Upgrade header PEP 3333 does not let the application set (RFC 9110 §15.2.2: the
	// server MUST generate Upgrade in a 101).
	SwitchingProtocolsWithoutUpgrade bool
	// SilentFieldLimits accepts any header section but hands the application only the first
	// 100 header fields, each value cut to 8190 bytes, without telling anyone (RFC 9110 §5.4:
	// a server MUST answer fields it will not process with a 4xx).
	SilentFieldLimits bool
	// FileWrapperFromStart makes wsgi.file_wrapper send its file from byte 0 whatever its
	// position, and, when the application gave no Content-Length, generate one from the
	// file's size (PEP 3333 "Optional Platform-Specific File Handling": from the current
	// position, until the end or Content-Length bytes).
	FileWrapperFromStart bool
	// FileWrapperSendsEagerly makes wsgi.file_wrapper(f) send the file's bytes at once, before
	// the application returned anything (PEP 3333: no data transmission until the server
	// receives the iterable as the application's return value).
	FileWrapperSendsEagerly bool
	// AppErrorDropsConnection closes the connection without a response when the application
	// raises before anything was sent (PEP 3333 "Error Handling": servers should trap the
	// exception).
	AppErrorDropsConnection bool
	// AppErrorCompletesResponse, when the application raises after the headers were sent,
	// appends an error line to the body and ends it as if complete (final chunk), keeping
	// the connection (PEP 3333 "Error Handling").
	AppErrorCompletesResponse bool
	// EmptyAuthVariables sets REMOTE_USER and AUTH_TYPE to "" for every request (PEP 3333:
	// missing variables should be left out of the environ).
	EmptyAuthVariables bool
	// EnvironSubclass hands the application a dict subclass as environ (PEP 3333: a builtin
	// Python dictionary, not a subclass).
	EnvironSubclass bool
	// NonLatin1HeadersUTF8 sends a response header value holding code points above U+00FF
	// encoded as UTF-8 instead of raising (PEP 3333 "Unicode Issues": a fatal error).
	NonLatin1HeadersUTF8 bool

	// ---- Request variants: request-line, HTTP-version and field-line spellings ----

	// EchoAnyHTTPVersion takes whatever follows the second SP of the request-line as the
	// version, serves the request as HTTP/1.1 and sends that version back in SERVER_PROTOCOL
	// and in the status line, as uWSGI does: "HTTP/1.10", "http/1.1" and "HTTP/2.0" are all
	// served (RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT; RFC 9110 §6.2: a
	// server MUST NOT send a version to which it is not conformant).
	EchoAnyHTTPVersion bool
	// BareCRInRequestLine keeps a bare CR inside the method and the request-target (RFC 9112
	// §2.2: the element is invalid or the CR replaced by SP).
	BareCRInRequestLine bool
	// LaxFieldNames takes every byte before the first ':' as the field name, as cheroot,
	// tornado and uWSGI do: a bare CR, a byte that is no tchar, or nothing at all (RFC 9110
	// §5.1: field-name = token; RFC 9112 §2.2: a bare CR makes the element invalid).
	LaxFieldNames bool
	// ValuePythonStrip strips field values with Python's str.strip() over their latin-1
	// text, as eventlet, gevent and wsgiref do: \x0b, \x1c, \x85 and \xa0 around a value go
	// (RFC 9110 §5.6.3: OWS is SP and HTAB only; §5.5: obs-text is opaque data). Content-Length
	// and Transfer-Encoding are left to FramingPythonStrip.
	ValuePythonStrip bool
	// CRLFLineEndsOnly ends the request-line and field lines (trailer fields too) at CRLF
	// only, so a bare LF is part of the line. RFC 9112 §2.2 permits it (a recipient MAY recognize a single LF): it
	// is the other choice, which the bare-lf checks of MAY level report, and it breaks no
	// requirement.
	CRLFLineEndsOnly bool
	// DropBareLFFieldLines takes a bare LF as the end of a field line but then ignores that
	// field, a Content-Length on it included, so the body is left on the connection (RFC 9112
	// §2.2: a bare LF recognised as a line terminator ends the line like CRLF).
	DropBareLFFieldLines bool

	// ---- Chunked variants: chunk-line spellings and streams that end early ----

	// ChunkLinesReadline reads the lines of the chunked coding as readline() does, as
	// eventlet, werkzeug and cheroot do: a chunk line ends at LF, a CR before it dropped; the
	// line after chunk-data is consumed whatever it holds; a chunk line is cut at its first
	// ';' and the extensions dropped unread (RFC 9112 §7.1: chunk lines and the end of
	// chunk-data are CRLF; §2.2's bare-LF exception is for the start-line and fields only).
	ChunkLinesReadline bool
	// ChunkLinesEndAtCR takes a bare CR for the end of a chunk line, for the CRLF after
	// chunk-data and for the empty line that ends the trailer section (RFC 9112 §2.2: a bare
	// CR makes the element invalid or is replaced by SP; it ends no line).
	ChunkLinesEndAtCR bool
	// TrailerLinesUnchecked takes everything up to the first empty line after the last chunk
	// (CRLF CRLF) for the trailer section, without parsing it, as twisted and waitress do, so
	// a line ended by a bare LF, or not a field line at all, is swallowed (RFC 9112 §7.1.2:
	// trailer-section = *( field-line CRLF )).
	TrailerLinesUnchecked bool
	// ChunkSizeNegativeStalls reads a chunk-size with a sign as int(x, 16) does and, for a
	// negative one, waits for chunk data that never comes, as tornado 6.2 does (it spins)
	// (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
	ChunkSizeNegativeStalls bool
	// ChunkSizeStrInt reads the chunk line, cut at ';', as int() does on its latin-1 text,
	// as werkzeug does: Unicode whitespace such as \xa0 and \x85 around it, a sign, "0x"
	// and underscores are accepted (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
	ChunkSizeStrInt bool
	// SkipEmptyChunkLines skips empty lines where a chunk-size line is expected, as waitress
	// does (RFC 9112 §7.1: chunk-size = 1*HEXDIG).
	SkipEmptyChunkLines bool
	// ChunkSizeLowerHexOnly knows only the digits 0-9 and a-f in a chunk-size, so "1A" is
	// refused (RFC 9112 §7.1: HEXDIG is case-insensitive; a recipient MUST be able to decode
	// the chunked coding).
	ChunkSizeLowerHexOnly bool
	// LastChunkLiteralZero takes only the line "0" for the last chunk: "000" or "0;ext=v" is
	// read as an empty data chunk, and the line after the body as the next chunk-size (RFC
	// 9112 §7.1: last-chunk = 1*("0") [ chunk-ext ] CRLF).
	LastChunkLiteralZero bool
	// ChunkedEOFComplete, when the client ends the stream inside a chunked body, runs the
	// application on the body received so far as if it were complete, as eventlet, gunicorn,
	// gevent and cheroot do after the last chunk (RFC 9112 §7.1: the coding is complete only
	// at the empty line that ends the trailer section).
	ChunkedEOFComplete bool
	// SpinAfterClientClose, when the client ends the stream inside a request body, keeps
	// the connection's goroutine busy (a core, until the server closes, at most 30 s) and
	// answers nothing on it, while other connections are served: a read loop that takes the
	// end of the stream for data still to come (RFC 9112 §8: a server that receives an
	// incomplete request MAY answer an error, then closes the connection). The checks see
	// the connection left open; the fuzzer's spin watch sees the core kept busy.
	SpinAfterClientClose bool

	// ---- Open sentences of PEP 3333 (spec/open_sentences_pep.go) ----

	// InputLinesUnsplit makes iteration and readlines() on wsgi.input give the body in
	// 8192-byte blocks rather than lines, as an __iter__ built on read(8192) does (PEP 3333:
	// the methods have the meaning of a file's; an app iterating for lines gets one "line").
	InputLinesUnsplit bool
	// ExcInfoBeforeHeadersRaises stores the replacement status and headers when
	// start_response is called with exc_info before anything was sent, and then re-raises
	// the exception anyway (PEP 3333: only once headers were sent must it raise).
	ExcInfoBeforeHeadersRaises bool
	// UnprefixedServerVariable adds the connection's socket to the environ as "socket", a
	// key with no server prefix (PEP 3333: server-defined variables should be lower-case and
	// prefixed with the server's name).
	UnprefixedServerVariable bool
	// RunOnceTrue sets wsgi.run_once true although the process serves request after request
	// (PEP 3333: it should be true only when the app is expected to run once per process).
	RunOnceTrue bool
	// FileWrapperNeedsFileno makes wsgi.file_wrapper fail on a file-like object without
	// fileno() (PEP 3333: it must still return an iterable that wraps read() and close()).
	FileWrapperNeedsFileno bool
	// FileWrapperCloseSkipsFile gives the wsgi.file_wrapper iterable no close() that reaches
	// the file-like object's close() (PEP 3333: it must invoke it).
	FileWrapperCloseSkipsFile bool
	// RetryAfterFailedStartResponse accepts start_response without exc_info after a call
	// that raised (PEP 3333: a fatal error, "This includes the case where the first call to
	// start_response raised an error").
	RetryAfterFailedStartResponse bool

	// ---- Open sentences of RFC 9112 and RFC 9110 (spec/open_sentences_rfc.go) ----

	// RejectEmptyLineBeforeRequest answers 400 to an empty line (CRLF) where a request-line
	// is expected (RFC 9112 §2.2: a server SHOULD ignore at least one).
	RejectEmptyLineBeforeRequest bool
	// OmitCloseOption closes after a request with "Connection: close" without saying
	// "Connection: close" in the response (RFC 9112 §9.6: the server SHOULD send it).
	OmitCloseOption bool
	// DateExtraSpace writes the Date with two spaces after the comma, which time.Parse
	// still reads (RFC 9110 §5.6.7: no whitespace beyond the grammar's SP).
	DateExtraSpace bool
	// RejectHEAD answers 501 to HEAD without running the application (RFC 9110 §9.1:
	// general-purpose servers MUST support GET and HEAD).
	RejectHEAD bool
	// ServerTrailer ends every chunked response with a trailer field of the server's own
	// (RFC 9110 §6.5.1: no trailer field unless its definition permits it).
	ServerTrailer bool
	// ChunkSizeBWS writes each chunk-size followed by a space (RFC 9110 §5.6.3: a sender
	// MUST NOT generate BWS).
	ChunkSizeBWS bool
	// ServerFieldNoSpace writes the Server field line without the SP after the colon (RFC
	// 9110 §5.6.3: OWS SHOULD be generated as a single SP).
	ServerFieldNoSpace bool
	// ServerRWSPadded separates the Server field's products with two SPs (RFC 9110 §5.6.3:
	// RWS SHOULD be generated as a single SP).
	ServerRWSPadded bool
	// ZeroContentLengthOn304 sends "Content-Length: 0" with a 304 whose application set no
	// length (RFC 9110 §8.6: only the length a 200 would have carried is allowed).
	ZeroContentLengthOn304 bool
	// DowngradeByUserAgent answers HTTP/1.0 to any client whose User-Agent names curl, a
	// client not known to mishandle HTTP/1.1 (RFC 9112 §2.3: no downgrade unless triggered by
	// attributes of a client known to be in error).
	DowngradeByUserAgent bool
	// RequestLineLimit4094 refuses request-lines longer than 4094 octets with 414, as
	// gunicorn's default limit_request_line does with 400 (RFC 9112 §3: support at least
	// 8000).
	RequestLineLimit4094 bool
	// LongMethod400 answers 400 to a method longer than 20 octets, as gunicorn's method
	// pattern does (RFC 9112 §3: a method longer than any implemented SHOULD get 501).
	LongMethod400 bool
	// EmptyListElement writes the close option as "Connection: close," (RFC 9110 §5.6.1.1: a
	// sender MUST NOT generate empty list elements).
	EmptyListElement bool
	// DuplicateOwnFields adds the server's Date and Server even when the application set
	// them, as paste and werkzeug do (RFC 9110 §5.3: no second line of a non-list field).
	DuplicateOwnFields bool
	// HeadDropsAppFields leaves the application's X- header fields out of responses to HEAD
	// (RFC 9110 §9.3.2: HEAD SHOULD get the header fields GET would).
	HeadDropsAppFields bool
	// ResponseCodingNotFinal labels a chunked response "Transfer-Encoding: chunked, gzip"
	// when the request's TE offers gzip, and keeps the connection open (RFC 9112 §6.1: chunked
	// last, or close).
	ResponseCodingNotFinal bool

	// ---- HTTP features a server may add (app_http_features.go) ----

	// ValidateAnyETag answers 304 to any GET with If-None-Match when the application's 200
	// has an ETag, matching or not (RFC 9110 §13.1.2: a 304 only where no tag matches is
	// false).
	ValidateAnyETag bool
	// RangeEndExclusive ranges the application's 200 itself but reads last-pos as exclusive,
	// one byte short (RFC 9110 §14.1.2: the last-pos is inclusive).
	RangeEndExclusive bool
	// RangeAppPartial ranges every 2xx, the application's own 206 included (PEP 3333: only
	// when "the application doesn't natively support byte ranges").
	RangeAppPartial bool
	// Strip304CacheFields drops ETag, Vary, Cache-Control, Expires and Content-Location from
	// an application's 304 (RFC 9110 §15.4.5: a 304 MUST carry them).
	Strip304CacheFields bool
	// ContentTypeOn304 adds "Content-Type: text/html; charset=UTF-8" to an application's 304
	// that has none (RFC 9110 §15.4.5: no representation metadata of the sender's own).
	ContentTypeOn304 bool

	// ---- The application object and its iterable (app_application_object.go) ----

	// CallableInstanceRefused answers 500 to the application-object scenario, as a server
	// that needs a function (it reads __code__ or __name__) answers every request when it
	// hosts an instance with __call__; only that scenario, so the rest of the catalog runs
	// (PEP 3333 "Specification Overview": no dependency on the kind of callable).
	CallableInstanceRefused bool
	// AppCalledWithKeywords calls the application as app(environ=..., start_response=...)
	// (PEP 3333 "Specification Details": positional, not keyword, arguments).
	AppCalledWithKeywords bool
	// IterableFilenoProbed looks up fileno on every iterable the application returns, to
	// sendfile any that has one (PEP 3333: no other attributes of the iterable than those of
	// iteration and close, unless it is the server's own file wrapper).
	IterableFilenoProbed bool
	// ExcInfoRetained keeps the exc_info start_response was given until the response ends
	// (PEP 3333 "The start_response() Callable": no reference beyond its execution).
	ExcInfoRetained bool
	// WriteHeldUntilReturn holds the bytes passed to write() until the application returns
	// (PEP 3333 "The write() Callable": sent, or buffered for transmission while the
	// application proceeds).
	WriteHeldUntilReturn bool
	// FileWrapperOfRequestSent sends the file of the last wsgi.file_wrapper the application
	// made instead of what it returned (PEP 3333 "Optional Platform-Specific File Handling":
	// only after checking that a wrapper object was returned).
	FileWrapperOfRequestSent bool

	// ---- Open sentences on the wire (app_open_wire.go, spec/rfc_open_wire.go) ----

	// RequestLineNaiveSplit splits the request-line at its first and last SP and checks
	// none of the three parts (a line with fewer than two SPs is all method, served at /):
	// other whitespace stays inside the method, target or version (RFC 9112 §3: whitespace
	// is refused or taken as a separator).
	RequestLineNaiveSplit bool
	// LongTarget400 answers 400 instead of 414 to a request-line over the limit, as
	// gunicorn's "line too long" does (RFC 9112 §3: a request-target longer than the server
	// wishes to parse MUST get 414).
	LongTarget400 bool
	// AbsoluteFormKeepsHost hands the app the received Host as HTTP_HOST beside an
	// absolute-form target (RFC 9112 §3.2.2: the target's host replaces it).
	AbsoluteFormKeepsHost bool
	// HeadEndsOnPause takes a header section that stalls for 500 ms after a complete field
	// line as ended and runs the application (RFC 9110 §5.3: not before the entire header
	// section is received).
	HeadEndsOnPause bool
	// ConnectContentLength sends the application's Content-Length in a 2xx answer to CONNECT
	// (RFC 9110 §8.6: a server MUST NOT).
	ConnectContentLength bool
	// ConnectChunked chunks a 2xx answer to CONNECT as any HTTP/1.1 body (RFC 9112 §6.1: no
	// Transfer-Encoding in a 2xx to CONNECT).
	ConnectChunked bool
	// SingleBlockUncounted sends a one-element body to an HTTP/1.0 request close-delimited
	// instead of counting it (RFC 9110 §8.6: Content-Length SHOULD be sent when the size is
	// known).
	SingleBlockUncounted bool
	// IdleTimeoutReset times out an idle keep-alive connection after 1.5 s with a reset
	// (RFC 9112 §9.5: a server that times out SHOULD close gracefully).
	IdleTimeoutReset bool
	// IgnoreClientClose keeps an idle connection whose client sent FIN open until the idle
	// timeout (RFC 9112 §9.5: monitor connections for a closure signal and respond).
	IgnoreClientClose bool
	// NoHTTPSVariable leaves HTTPS and the SSL_* variables out of the environ of a request
	// over TLS (PEP 3333: if SSL is in use, the server should provide the Apache SSL
	// environment variables, such as HTTPS=on and SSL_PROTOCOL).
	NoHTTPSVariable bool
	// TLSNoReuse reads no new request from a TLS connection it keeps open after a response,
	// pipelined ones aside (RFC 9112 §9.7: a TLS connection is otherwise treated like a
	// normal one, reuse included).
	TLSNoReuse bool
	// BareTLSClose drops a TLS connection's TCP connection with no close_notify alert (RFC
	// 9112 §9.8: servers MUST attempt to initiate an exchange of closure alerts).
	BareTLSClose bool
	// IncompleteCloseStall serves no new connection for 2 s after a client's bare TCP close
	// of a TLS connection (RFC 9112 §9.8: servers SHOULD be prepared to receive an
	// incomplete close).
	IncompleteCloseStall bool
	// BytesAfterCloseNotify writes bytes on a TLS connection's TCP connection after its
	// close_notify alert (RFC 9112 §9.8 lets a server close after the alert, nothing more).
	BytesAfterCloseNotify bool
	// UnknownExpectation400 answers 400 to an Expect member other than 100-continue: neither
	// the 417 RFC 9110 §10.1.1 allows nor serving the request.
	UnknownExpectation400 bool
	// CTLReplaced turns a control character other than HTAB, CR, LF and NUL in a field value
	// into '?': neither the refusal nor the retention RFC 9110 §5.5 allows.
	CTLReplaced bool
}

// Any reports whether any deviation is set.
func (d *Deviations) Any() bool {
	return !reflect.ValueOf(*d).IsZero()
}

// DeviationNames lists the names of all deviations, in declaration order.
func DeviationNames() []string {
	t := reflect.TypeOf(Deviations{})
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return names
}

// Set turns on the deviation called name. Boolean deviations take no value (or "true" /
// "false"); BytesEnviron takes an environ key; DropEnviron takes a comma-separated list of
// keys. It is meant for command-line flags such as "-deviate AcceptNUL".
func (d *Deviations) Set(name, value string) error {
	f := reflect.ValueOf(d).Elem().FieldByName(name)
	if !f.IsValid() {
		return fmt.Errorf("unknown deviation %q", name)
	}
	switch f.Kind() {
	case reflect.Bool:
		switch value {
		case "", "true", "1":
			f.SetBool(true)
		case "false", "0":
			f.SetBool(false)
		default:
			return fmt.Errorf("deviation %s: %q is not a boolean", name, value)
		}
	case reflect.String:
		if value == "" {
			return fmt.Errorf("deviation %s needs a value", name)
		}
		f.SetString(value)
	case reflect.Slice:
		if value == "" {
			return fmt.Errorf("deviation %s needs a value", name)
		}
		f.Set(reflect.ValueOf(strings.Split(value, ",")))
	}
	return nil
}
