package spec

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// HTTP features a server may add on top of what the application answers (PEP 3333 "Other
// HTTP Features"): cache validation and byte ranges, which it may take on or leave to the
// application, and the header fields of a 304 (RFC 9110 §15.4.5), which it must neither strip
// nor pad. The probe's fields scenario composes the application's response field by field, so
// whatever else reaches the client is the server's doing.

// The application's representation: a fixed body with its validators.
const (
	httpBody         = "0123456789"
	httpETag         = `"conform-a"`
	httpOtherETag    = `"conform-b"`
	httpLastModified = "Sat, 01 Jan 2000 00:00:00 GMT"
	httpEarlier      = "Fri, 31 Dec 1999 00:00:00 GMT"
)

// httpFields is the target of the probe's fields scenario: the app answers code with exactly
// the given field lines ("Name: Value") and body.
func httpFields(code int, body string, fields ...string) string {
	q := url.Values{"code": {fmt.Sprint(code)}}
	if body != "" {
		q.Set("body", body)
	}
	for _, f := range fields {
		q.Add("h", f)
	}
	// Encode sorts by key; the h values keep their order.
	return probes.Prefix + "fields?" + q.Encode()
}

// httpValidated is the app's 200 with both validators, a length and the body.
func httpValidated() string {
	return httpFields(200, httpBody, "Content-Type: text/plain", "ETag: "+httpETag, "Last-Modified: "+httpLastModified, fmt.Sprintf("Content-Length: %d", len(httpBody)))
}

// httpCacheFields are the fields RFC 9110 §15.4.5 names, as the app sets them on its 200 and
// its 304 (Date is the server's).
var httpCacheFields = []struct{ name, value string }{
	{"ETag", httpETag},
	{"Vary", "Accept-Encoding"},
	{"Cache-Control", "max-age=60"},
	{"Expires", "Fri, 01 Jan 2038 00:00:00 GMT"},
	{"Content-Location", "/conform/a"},
}

func httpCacheLines() []string {
	var out []string
	for _, f := range httpCacheFields {
		out = append(out, f.name+": "+f.value)
	}
	return out
}

// http304 is the app's 304: the cache fields, no Content-Type, no Content-Length, no body.
func http304() string { return httpFields(304, "", httpCacheLines()...) }

// httpSequence observes each request on a connection of its own, one after the other, so a
// server's answer to one cannot be mistaken for another's and stray content shows as bytes
// after the one response.
func httpSequence(labels []string, build func(t *Target) [][]byte) func(ctx context.Context, t *Target) (*Observation, error) {
	return func(ctx context.Context, t *Target) (*Observation, error) {
		o := &Observation{Values: map[string]float64{}}
		for i, req := range build(t) {
			x, err := t.Do(ctx, rfcLinger(req, 1))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", labels[i], err)
			}
			o.Conns = append(o.Conns, &Conn{Label: labels[i], Exchange: x})
		}
		return o, nil
	}
}

// httpCondition is one conditional GET of the app's validated 200. full: RFC 9110 §13.1.2,
// §13.1.3 and §13.2.2 leave the server no choice but the selected representation (the 200).
type httpCondition struct {
	label  string
	fields []string
	full   bool
}

var httpConditions = []httpCondition{
	{"If-None-Match naming another entity tag", []string{"If-None-Match: " + httpOtherETag}, true},
	{"If-Modified-Since before Last-Modified", []string{"If-Modified-Since: " + httpEarlier}, true},
	// §13.1.3: If-Modified-Since is ignored beside If-None-Match, which does not match.
	{"If-None-Match naming another entity tag, with If-Modified-Since equal to Last-Modified", []string{"If-None-Match: " + httpOtherETag, "If-Modified-Since: " + httpLastModified}, true},
	{"If-None-Match naming the entity tag", []string{"If-None-Match: " + httpETag}, false},
	{"If-Modified-Since equal to Last-Modified", []string{"If-Modified-Since: " + httpLastModified}, false},
}

func httpConditionLabels() []string {
	var out []string
	for _, c := range httpConditions {
		out = append(out, c.label)
	}
	return out
}

func httpConditionRequests(t *Target) [][]byte {
	var out [][]byte
	for _, c := range httpConditions {
		out = append(out, t.get(httpValidated(), c.fields...))
	}
	return out
}

// httpContentAfter is what a server sent after a response that has no content (a 304), or
// "". Raw, not Garbage: bytes that came in the response's own read are never flagged.
func httpContentAfter(c *Conn, end int) string {
	if end < len(c.Raw) {
		return string(c.Raw[end:])
	}
	return ""
}

// judgeCacheValidation: passing the app's 200 through and answering 304 where the validator
// matches are both PEP 3333's to allow; a 304 where the selected representation is due, or
// one carrying content, is wrong whichever the server chose.
func judgeCacheValidation(o *Observation) Verdict {
	var wrong, validated []string
	for i, c := range httpConditions {
		r := o.Response(i, 0)
		if r == nil {
			return inconclusive("no response to the GET with %s (%s)", c.label, o.ending(i))
		}
		switch {
		case r.Status == 304:
			if extra := httpContentAfter(o.Conns[i], r.End); extra != "" {
				wrong = append(wrong, fmt.Sprintf("the 304 to the GET with %s carried content: %d bytes (%s) after its header section, which a client reads as the next response", c.label, len(extra), quoteBytes(clipStr(extra, 40))))
			}
			if c.full {
				wrong = append(wrong, fmt.Sprintf("the GET with %s was answered 304 Not Modified: that condition is true for the app's representation (ETag %s, Last-Modified %s), so the 200 with its content was due (RFC 9110 §13.1.2, §13.1.3)", c.label, httpETag, httpLastModified))
			} else {
				validated = append(validated, c.label)
			}
		case r.Status == 200:
			if string(r.Body) != httpBody {
				return inconclusive("the app's 200 to the GET with %s arrived with content %s, not %q (%s)", c.label, quoteBytes(clipStr(string(r.Body), 40)), httpBody, r.Framing)
			}
		default:
			return inconclusive("the GET with %s was answered %d %s, neither the app's 200 nor a 304", c.label, r.Status, r.Reason)
		}
	}
	switch {
	case len(wrong) > 0:
		return violates("%s", strings.Join(wrong, "; "))
	case len(validated) > 0:
		return observed("the server handles cache validation itself, as PEP 3333 permits: it answered 304 Not Modified to the GET with %s, and the app's 200 where the condition was true", strings.Join(validated, " and to the GET with "))
	}
	return conforms("the server leaves cache validation to the application: every conditional GET got the app's 200 and its content")
}

// httpRange is one byte-range request of the app's 10-byte 200 and the part it selects.
type httpRange struct {
	spec, part, contentRange string
}

var httpRanges = []httpRange{
	{"bytes=2-5", "2345", "bytes 2-5/10"},
	{"bytes=-3", "789", "bytes 7-9/10"},
}

// judgeByteRange: the full 200 and a 206 holding exactly the requested bytes are both
// permitted; a 206 with other bytes, another Content-Range, or a 416 for a range inside the
// representation is wrong either way.
func judgeByteRange(o *Observation) Verdict {
	var wrong, ranged []string
	for i, rg := range httpRanges {
		r := o.Response(i, 0)
		if r == nil {
			return inconclusive("no response to the GET with Range: %s (%s)", rg.spec, o.ending(i))
		}
		switch r.Status {
		case 200:
			if string(r.Body) != httpBody {
				return inconclusive("the app's 200 to the GET with Range: %s arrived with content %s, not %q", rg.spec, quoteBytes(clipStr(string(r.Body), 40)), httpBody)
			}
		case 206:
			crs := r.Values("Content-Range")
			cr := strings.Join(crs, ", ")
			switch {
			case len(crs) != 1 || !strings.EqualFold(strings.TrimSpace(cr), rg.contentRange):
				wrong = append(wrong, fmt.Sprintf("the 206 to Range: %s said Content-Range: %s, where the range of the app's %d bytes is %q", rg.spec, quoteBytes(cr), len(httpBody), rg.contentRange))
			case string(r.Body) != rg.part:
				wrong = append(wrong, fmt.Sprintf("the 206 to Range: %s carried %s, where those bytes of the app's content are %q", rg.spec, quoteBytes(clipStr(string(r.Body), 40)), rg.part))
			default:
				ranged = append(ranged, rg.spec)
			}
		case 416:
			wrong = append(wrong, fmt.Sprintf("Range: %s was answered 416 Range Not Satisfiable, but the app's representation has %d bytes, so the range is satisfiable: the app's 200 or a 206 of those bytes was due", rg.spec, len(httpBody)))
		default:
			return inconclusive("the GET with Range: %s was answered %d %s, neither the app's 200 nor a 206", rg.spec, r.Status, r.Reason)
		}
	}
	switch {
	case len(wrong) > 0:
		return violates("%s", strings.Join(wrong, "; "))
	case len(ranged) > 0:
		return observed("the server transmits byte ranges of the app's response itself, as PEP 3333 permits: each 206 (%s) held exactly the requested bytes and their Content-Range", strings.Join(ranged, ", "))
	}
	return conforms("the server leaves byte ranges to the application: each GET with Range got the app's full 200")
}

// The app's own 206: it supports byte ranges natively, so the server has nothing to range.
const (
	httpAppRange        = "bytes=2-5"
	httpAppPart         = "2345"
	httpAppContentRange = "bytes 2-5/10"
)

func httpApp206() string {
	return httpFields(206, httpAppPart, "Content-Type: text/plain", "Content-Range: "+httpAppContentRange, fmt.Sprintf("Content-Length: %d", len(httpAppPart)))
}

func judgeAppRange(o *Observation) Verdict {
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response (%s)", o.ending(0))
	}
	if r.Status >= 500 {
		return inconclusive("the app's 206 went out as %d %s", r.Status, r.Reason)
	}
	cr := strings.Join(r.Values("Content-Range"), ", ")
	switch {
	case r.Status != 206:
		return violates("the app answered Range: %s itself with 206 Partial Content, and the server sent %d %s instead: only a server that ranges a response the app did not range may change it", httpAppRange, r.Status, r.Reason)
	case cr != httpAppContentRange:
		return violates("the app's 206 said Content-Range: %s, and the server sent Content-Range: %s: it ranged a response the app had already ranged", httpAppContentRange, quoteBytes(cr))
	case string(r.Body) != httpAppPart:
		return violates("the app's 206 held %q, and the server sent %s: it ranged a response the app had already ranged", httpAppPart, quoteBytes(clipStr(string(r.Body), 40)))
	}
	return conforms("the app's own 206 (Content-Range: %s) went out as the app gave it", httpAppContentRange)
}

// judge304Kept: each of the app's §15.4.5 fields reaches the client as given, and the 304
// gets the Date the server puts on a 200.
func judge304Kept(o *Observation) Verdict {
	r := o.Response(1, 0)
	if r == nil {
		return inconclusive("no response to the app's 304 (%s)", o.ending(1))
	}
	if r.Status != 304 {
		return inconclusive("the app's 304 went out as %d %s", r.Status, r.Reason)
	}
	var wrong []string
	for _, f := range httpCacheFields {
		vs := r.Values(f.name)
		switch {
		case len(vs) == 0:
			wrong = append(wrong, fmt.Sprintf("%s (the app set %s) is missing", f.name, f.value))
		case strings.TrimSpace(strings.Join(vs, ", ")) != f.value:
			wrong = append(wrong, fmt.Sprintf("%s: %s reached the client where the app set %s", f.name, quoteBytes(strings.Join(vs, ", ")), f.value))
		}
	}
	r200 := o.Response(0, 0)
	date := "the server added no Date to the 200 either (pep3333/response/date-header judges that)"
	if r200 != nil {
		if _, ok := r200.Get("Date"); ok {
			if d, ok := r.Get("Date"); ok {
				date = "Date: " + d
			} else {
				wrong = append(wrong, "the server adds Date to a 200 but sent the 304 without one")
			}
		}
	} else {
		date = "the 200 to compare Date with was not received"
	}
	if len(wrong) > 0 {
		return violates("the 304 lacks what a 200 to the same request carries: %s; a cache updating its stored response from the 304 keeps stale metadata", strings.Join(wrong, "; "))
	}
	return conforms("ETag, Vary, Cache-Control, Expires and Content-Location reached the client as the app set them; %s", date)
}

// httpRepresentationFields are representation metadata (RFC 9110 §8) the app's 304 leaves
// out and the server has no business inventing; Content-Location is among §15.4.5's fields.
var httpRepresentationFields = []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Range"}

func judge304NoAdded(o *Observation) Verdict {
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response to the app's 304 (%s)", o.ending(0))
	}
	if r.Status != 304 {
		return inconclusive("the app's 304 went out as %d %s", r.Status, r.Reason)
	}
	var added []string
	for _, name := range httpRepresentationFields {
		for _, v := range r.Values(name) {
			added = append(added, name+": "+v)
		}
	}
	if len(added) > 0 {
		return violates("the app's 304 had no %s, and the server added %s: representation metadata of its own that a cache may copy onto its stored response", strings.Join(httpRepresentationFields[:2], " or "), quoteBytes(strings.Join(added, ", ")))
	}
	return conforms("the server added no representation metadata to the app's 304")
}

func init() {
	pepFeatures := Ref{"PEP 3333", "Other HTTP Features"}
	rangeQuote := "A server may transmit byte ranges of the application's response if requested by the client, and the application doesn't natively support byte ranges."

	register(&Check{
		ID:    "pep3333/http-features/cache-validation",
		Title: "cache validation, if the server does it, answers 304 only where the validator matches, without content",
		Ref:   pepFeatures, Level: Must, Area: "response",
		Quote:   "Applying these principles to a variety of HTTP features, it should be clear that a server may handle cache validation via the If-None-Match and If-Modified-Since request headers and the Last-Modified and ETag response headers.",
		Observe: httpSequence(httpConditionLabels(), httpConditionRequests),
		Judge:   judgeCacheValidation,
	})

	register(&Check{
		ID:    "pep3333/http-features/byte-range",
		Title: "byte ranges, if the server transmits them, hold exactly the requested bytes",
		Ref:   pepFeatures, Level: Must, Area: "response",
		Quote: rangeQuote,
		Observe: httpSequence([]string{"Range: " + httpRanges[0].spec, "Range: " + httpRanges[1].spec}, func(t *Target) [][]byte {
			var out [][]byte
			for _, rg := range httpRanges {
				out = append(out, t.get(httpValidated(), "Range: "+rg.spec))
			}
			return out
		}),
		Judge: judgeByteRange,
	})

	register(&Check{
		ID:    "pep3333/http-features/app-range-kept",
		Title: "an application's own 206 is not ranged again",
		Ref:   pepFeatures, Level: Must, Area: "response",
		Quote: rangeQuote,
		Observe: httpSequence([]string{"app 206"}, func(t *Target) [][]byte {
			return [][]byte{t.get(httpApp206(), "Range: "+httpAppRange)}
		}),
		Judge: judgeAppRange,
	})

	register(&Check{
		ID:    "rfc9110/15.4.5/304-fields-kept",
		Title: "a 304 keeps the app's ETag, Vary, Cache-Control, Expires and Content-Location, and gets Date as a 200 does",
		Ref:   Ref{"RFC 9110", "15.4.5"}, Level: Must, Area: "response",
		Quote: "The server generating a 304 response MUST generate any of the following header fields that would have been sent in a 200 (OK) response to the same request: Content-Location, Date, ETag, and Vary Cache-Control and Expires (see [CACHING])",
		Observe: httpSequence([]string{"200", "304"}, func(t *Target) [][]byte {
			lines := append(httpCacheLines(), "Content-Type: text/plain", fmt.Sprintf("Content-Length: %d", len(httpBody)))
			return [][]byte{
				t.get(httpFields(200, httpBody, lines...)),
				t.get(http304(), "If-None-Match: "+httpETag),
			}
		}),
		Judge: judge304Kept,
	})

	register(&Check{
		ID:    "rfc9110/15.4.5/304-no-added-metadata",
		Title: "the server adds no Content-Type or Content-Length of its own to an app's 304",
		Ref:   Ref{"RFC 9110", "15.4.5"}, Level: Should, Area: "response",
		Quote: "Since the goal of a 304 response is to minimize information transfer when the recipient already has one or more cached representations, a sender SHOULD NOT generate representation metadata other than the above listed fields unless said metadata exists for the purpose of guiding cache updates (e.g., Last-Modified might be useful if the response does not have an ETag field).",
		Observe: httpSequence([]string{"304"}, func(t *Target) [][]byte {
			return [][]byte{t.get(http304(), "If-None-Match: "+httpETag)}
		}),
		Judge: judge304NoAdded,
	})
}
