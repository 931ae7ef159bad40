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
	// WrongURLScheme sets wsgi.url_scheme to "https" on a plain connection (PEP 3333: the
	// scheme of the URL at which the application is invoked).
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
	// NoInputTerminated leaves wsgi.input_terminated out (chunked bodies then are not read by
	// an app that follows PEP 3333 strictly).
	NoInputTerminated bool
	// NoFileWrapper leaves wsgi.file_wrapper out.
	NoFileWrapper bool
	// NoEOFSimulation makes the first read past the end of the body return one byte instead
	// of b"" (PEP 3333: the server should simulate an end-of-file at Content-Length).
	NoEOFSimulation bool
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
