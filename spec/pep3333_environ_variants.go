package spec

import (
	"strings"
	"unicode/utf8"

	"github.com/conform-wsgi/conform/probes"
)

// PEP 3333 "Unicode Issues" and "environ Variables", spelling by spelling: the request bytes
// a server must hand the application one code point per byte ("bytes in a str"), percent-
// decoded exactly once. Each variant sends one spelling that some parser mishandles (UTF-8
// decoding, double decoding, C strings cut at NUL, escapes left in place) and reads back the
// one environ key that carries it. spec/VARIANTS.md says which server each one is for.

var pepUnicode = Ref{"PEP 3333", "Unicode Issues"}

const (
	quoteAllDecoding = "All encoding/decoding must be handled by the application; all strings passed to or from the server must be of type str or bytes, never unicode."
	quotePathInfo    = "The remainder of the request URL's \"path\", designating the virtual \"location\" of the request's target within the application."
)

// Why a refusal conforms, for the variants whose request a server may refuse.
const (
	refuseRawTarget = "a request-target is ASCII only (RFC 9112 §3.2, RFC 3986 §2), so 400 is the RFC's answer to raw bytes above 0x7F in it (RFC 9112 §3)"
	refuseHardening = "refusing it is a documented hardening (Apache answers 404 unless AllowEncodedSlashes is on): the app never sees the path in a wrong form"
)

// envBytesVariant is one spelling of request bytes and the environ value it must give.
type envBytesVariant struct {
	family, slug, title string
	ref                 Ref
	quote               string
	key                 string // the environ key that carries the bytes
	sent                string // the request as a message shows it
	target              string // request-target, raw bytes
	field               string // an extra field line, raw bytes, or ""
	want                string // the bytes the key must hold, one code point each
	// refusal, when set, says why refusing the request conforms (it is invalid, or refusing
	// it is a recognised hardening); empty means the request is valid and must be served.
	refusal string
	// wrong maps values servers are known to give to what each says about the server.
	wrong map[string]string
}

// expected says what the key must hold, for messages.
func (v envBytesVariant) expected() string {
	if v.family == "path-info-decoding" {
		return latin1Repr(v.want) + ", the path percent-decoded exactly once"
	}
	return latin1Repr(v.want) + ", each byte one code point (\"bytes in a str\")"
}

func (v envBytesVariant) id() string {
	return "pep3333/environ/" + v.family + "/" + v.slug
}

var envBytesVariants = []envBytesVariant{
	// PATH_INFO: bytes in a str.
	{family: "path-info-bytes", slug: "pct-ff", title: "an escaped byte that is not UTF-8 (%FF) reaches PATH_INFO as U+00FF",
		ref: pepUnicode, quote: quoteAllDecoding, key: "PATH_INFO",
		sent: "GET /pb/a%FFb", target: "/pb/a%FFb", want: "/pb/a\xffb",
		wrong: map[string]string{
			"/pb/a%FFb": "the escape was not decoded at all",
			"/pb/a?b":   "the byte was decoded as UTF-8 and replaced, then encoded back with '?' for what latin-1 cannot hold",
		}},
	{family: "path-info-bytes", slug: "raw-utf8", title: "raw UTF-8 bytes in the request-target reach PATH_INFO one code point per byte (or the request is refused)",
		ref: pepUnicode, quote: quoteAllDecoding, key: "PATH_INFO",
		sent: "GET /pb/caf<C3 A9> (raw UTF-8 bytes of 'é')", target: "/pb/caf\xc3\xa9", want: "/pb/caf\xc3\xa9", refusal: refuseRawTarget,
		wrong: map[string]string{
			"/pb/caf%C3%A9": "the server percent-encoded the raw bytes instead of handing them over",
		}},

	// PATH_INFO: decoded exactly once.
	{family: "path-info-decoding", slug: "pct-2f", title: "an encoded slash (%2F) is decoded in PATH_INFO like any other escape (or the request refused)",
		ref: pepEnviron, quote: quotePathInfo, key: "PATH_INFO",
		sent: "GET /pb/a%2Fb", target: "/pb/a%2Fb", want: "/pb/a/b", refusal: refuseHardening,
		wrong: map[string]string{
			"/pb/a%2Fb": "the escape was left in place: CGI's PATH_INFO is decoded, and PEP 3333's URL reconstruction (quote(PATH_INFO)) would turn it into '%252F', another URL",
			"/pb/a%2fb": "the escape was left in place (and lower-cased): CGI's PATH_INFO is decoded",
		}},
	{family: "path-info-decoding", slug: "pct-25", title: "an escaped percent sign (%2541) is decoded once: PATH_INFO holds '%41', not 'A'",
		ref: pepEnviron, quote: quotePathInfo, key: "PATH_INFO",
		sent: "GET /pb/a%2541", target: "/pb/a%2541", want: "/pb/a%41",
		wrong: map[string]string{
			"/pb/aA":     "the path was percent-decoded twice: a path a front proxy allowed as '/a%41' reaches the app as '/aA', another resource",
			"/pb/a%2541": "the escape was not decoded at all",
		}},
	{family: "path-info-decoding", slug: "pct-00", title: "an encoded NUL (%00) reaches PATH_INFO whole, not cut at the NUL (or the request is refused)",
		ref: pepEnviron, quote: quotePathInfo, key: "PATH_INFO",
		sent: "GET /pb/a%00b", target: "/pb/a%00b", want: "/pb/a\x00b",
		refusal: "refusing an encoded NUL is a common hardening (a C string ends at NUL): the app never sees the path in a wrong form",
		wrong: map[string]string{
			"/pb/a":     "the path was cut at the NUL, as a C string copy does: '/secret.txt%00.png' reaches the app as '/secret.txt', past any check made on the whole path",
			"/pb/a%00b": "the escape was not decoded at all",
		}},

	// QUERY_STRING: raw bytes kept as bytes.
	{family: "query-string-bytes", slug: "raw-ff", title: "a raw 0xFF byte in the query reaches QUERY_STRING as U+00FF (or the request is refused)",
		ref: pepUnicode, quote: quoteAllDecoding, key: "QUERY_STRING",
		sent: "GET /qb?a=<FF> (a raw byte)", target: "/qb?a=\xff", want: "a=\xff", refusal: refuseRawTarget,
		wrong: map[string]string{
			"a=?":   "the byte was decoded as UTF-8 and replaced, then encoded back with '?' for what latin-1 cannot hold",
			"a=%FF": "the server percent-encoded the raw byte instead of handing it over",
		}},
	{family: "query-string-bytes", slug: "raw-utf8", title: "raw UTF-8 bytes in the query reach QUERY_STRING one code point per byte (or the request is refused)",
		ref: pepUnicode, quote: quoteAllDecoding, key: "QUERY_STRING",
		sent: "GET /qb?q=caf<C3 A9> (raw UTF-8 bytes of 'é')", target: "/qb?q=caf\xc3\xa9", want: "q=caf\xc3\xa9", refusal: refuseRawTarget,
		wrong: map[string]string{
			"q=caf%C3%A9": "the server percent-encoded the raw bytes instead of handing them over",
		}},

	// HTTP_ variables: obs-text in a field value (valid: field-vchar = VCHAR / obs-text).
	{family: "header-bytes", slug: "raw-ff", title: "a 0xFF byte in a header value reaches HTTP_X_BYTES as U+00FF",
		ref: pepUnicode, quote: quoteAllDecoding, key: "HTTP_X_BYTES",
		sent: "X-Bytes: a<FF>b (obs-text)", target: "/hb", field: "X-Bytes: a\xffb", want: "a\xffb",
		wrong: map[string]string{
			"a?b": "the byte was decoded as UTF-8 and replaced, then encoded back with '?' for what latin-1 cannot hold",
			"ab":  "the byte was dropped",
		}},
}

func init() {
	for _, v := range envBytesVariants {
		v := v
		register(&Check{
			ID:    v.id(),
			Title: v.title,
			Ref:   v.ref, Level: Must, Area: "environ",
			Quote: v.quote,
			Observe: exchange(func(t *Target) []byte {
				if v.field != "" {
					return t.get(v.target, v.field)
				}
				return t.get(v.target)
			}),
			Judge: judgeEnvBytes(v),
		})
	}
}

// judgeEnvBytes compares the environ value with the bytes it must hold and, when they
// differ, names the decoding the server did instead.
func judgeEnvBytes(v envBytesVariant) func(o *Observation) Verdict {
	want := v.expected()
	return func(o *Observation) Verdict {
		if rj := classify(o); !rj.accepted {
			switch {
			case rj.garbage:
				return violates("%s: the server %s", v.sent, rj)
			case !(rj.status >= 400 || rj.closed):
				return inconclusive("%s: the server %s", v.sent, rj)
			case v.refusal != "":
				return conforms("%s was refused: the server %s; %s", v.sent, rj, v.refusal)
			}
			return violates("%s is a valid request, but the server %s: an application can never be reached with it, where it must get %s %s", v.sent, rj, v.key, want)
		}
		return onEcho(func(e *probes.Echo) Verdict {
			ev, ok := e.Env(v.key)
			if !ok {
				return violates("%s reached the app without %s; expected %s", v.sent, v.key, want).with(v.key)
			}
			got, isStr := str(e, v.key)
			var why string
			switch {
			case ev.Type != "str":
				why = "not a native str"
			case !isStr:
				why = "code points above U+00FF: the server decoded the bytes as UTF-8 (an invalid byte becomes U+FFFD, or a lone surrogate under 'surrogateescape') instead of carrying each byte as one code point"
			case got == v.want:
				return conforms("%s gave %s", v.sent, describe(e, v.key))
			case v.wrong[got] != "":
				why = v.wrong[got]
			case got == utf8AsLatin1(v.want):
				why = "the bytes were decoded as UTF-8 (each multi-byte character became one code point), so the app sees other bytes than the client sent"
			case got == latin1AsUTF8(v.want):
				why = "the bytes were encoded twice: the server took them as latin-1 text and encoded that as UTF-8, so each byte above 0x7F became two"
			case strings.Contains(got, "\xef\xbf\xbd"):
				why = "the UTF-8 bytes of U+FFFD: the server decoded the bytes as UTF-8, replacing what is not UTF-8, and handed over the UTF-8 encoding of the result"
			default:
				why = "not the bytes of the request"
			}
			return violates("%s gave %s: %s; expected %s", v.sent, describe(e, v.key), why, want).with(v.key)
		})(o)
	}
}

// latin1Repr is the Python repr of the str holding the bytes b one code point each.
func latin1Repr(b string) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		sb.WriteRune(rune(b[i]))
	}
	return pyRepr(probes.EnvValue{Type: "str", Value: sb.String()})
}

// latin1AsUTF8 is the UTF-8 encoding of the latin-1 text of the bytes b: what a server that
// encodes the str it read as UTF-8 hands over.
func latin1AsUTF8(b string) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		sb.WriteRune(rune(b[i]))
	}
	if sb.String() == b {
		return "" // ASCII: encoding changes nothing
	}
	return sb.String()
}

// utf8AsLatin1 is what a server that decodes the bytes as UTF-8 hands the app, as the bytes
// the probe reports for it (the latin-1 encoding of that text); "" when the text has code
// points above U+00FF or the bytes are not UTF-8.
func utf8AsLatin1(b string) string {
	if !utf8.ValidString(b) {
		return ""
	}
	out := make([]byte, 0, len(b))
	for _, r := range b {
		if r > 0xff {
			return ""
		}
		out = append(out, byte(r))
	}
	if string(out) == b {
		return "" // ASCII: decoding changes nothing
	}
	return string(out)
}
