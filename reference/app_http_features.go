package reference

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The probe scenario of the HTTP features a server may add (spec/http_features.go): the
// fields scenario, whose response the application composes field by field. The conforming
// reference neither validates nor ranges, and sends a 304's fields as the application gives
// them. The deviations of that family act where this scenario hands its response to the
// gateway, the one response their checks look at, so the gateway's own paths stay as they are.

func init() {
	otherScenarios["fields"] = (*probeRequest).fields
}

// fieldNameRE is probe.py's FIELD_NAME_RE: a token.
var fieldNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// fields is scenario_fields.
func (r *probeRequest) fields() (*appIter, error) {
	code, err := r.integer("code", 100, 999)
	if err != nil {
		return nil, err
	}
	empty := ""
	body, err := r.text("body", &empty)
	if err != nil {
		return nil, err
	}
	var fs []Field
	// Every h in order, decoded as parseQuery decodes (r.params keeps the first only).
	raw, _ := latin1Bytes(r.query)
	for _, part := range strings.Split(string(raw), "&") {
		k, v, _ := strings.Cut(part, "=")
		if part == "" || percentDecode(strings.ReplaceAll(k, "+", " ")) != "h" {
			continue
		}
		item := percentDecode(strings.ReplaceAll(v, "+", " "))
		name, value, colon := strings.Cut(item, ":")
		value = strings.Trim(value, " \t")
		if !colon || !fieldNameRE.MatchString(name) || strings.ContainsAny(value, "\r\n\x00") {
			return nil, &badRequest{"bad parameter h=" + pyASCII(item) + ": want Name:Value"}
		}
		fs = append(fs, Field{name, value})
	}
	code, fs, b := r.x.httpFeatureDeviations(code, fs, []byte(body))
	reason := http.StatusText(code)
	if reason == "" {
		reason = probeUnknownText
	}
	if _, err := r.start(strconv.Itoa(code)+" "+reason, headers(fs...), nil); err != nil {
		return nil, err
	}
	return listIter(b), nil
}

// httpCacheFieldNames are the fields RFC 9110 §15.4.5 makes a 304 carry.
var httpCacheFieldNames = []string{"ETag", "Vary", "Cache-Control", "Expires", "Content-Location"}

// httpFeatureDeviations turns the application's response into what a deviating server sends:
// its own cache validation or byte ranges, done wrongly, or a 304 stripped or padded.
func (x *exchange) httpFeatureDeviations(code int, fs []Field, body []byte) (int, []Field, []byte) {
	d := x.dev
	if _, etag := fieldGet(fs, "ETag"); d.ValidateAnyETag && code == 200 && etag {
		if _, ok := x.req.Get("If-None-Match"); ok {
			// Any If-None-Match taken for a match: a 304 where the condition is true.
			return 304, fs, nil
		}
	}
	if d.RangeEndExclusive && code == 200 || d.RangeAppPartial && code/100 == 2 {
		if spec, ok := x.req.Get("Range"); ok {
			if first, last, ok := byteRange(spec, len(body)); ok {
				if d.RangeEndExclusive && last > first {
					last-- // the last-pos read as exclusive
				}
				var kept []Field
				for _, f := range fs {
					if !strings.EqualFold(f.Name, "Content-Length") && !strings.EqualFold(f.Name, "Content-Range") {
						kept = append(kept, f)
					}
				}
				part := body[first : last+1]
				kept = append(kept, Field{"Content-Range", "bytes " + strconv.Itoa(first) + "-" + strconv.Itoa(last) + "/" + strconv.Itoa(len(body))}, contentLength(len(part)))
				return 206, kept, part
			}
		}
	}
	if code == 304 && d.Strip304CacheFields {
		var kept []Field
		for _, f := range fs {
			strip := false
			for _, n := range httpCacheFieldNames {
				strip = strip || strings.EqualFold(f.Name, n)
			}
			if !strip {
				kept = append(kept, f)
			}
		}
		fs = kept
	}
	if _, ok := fieldGet(fs, "Content-Type"); code == 304 && d.ContentTypeOn304 && !ok {
		fs = append(fs, Field{"Content-Type", "text/html; charset=UTF-8"})
	}
	return code, fs, body
}

// byteRange is the one range "bytes=first-last" or "bytes=-suffix" selects of n bytes.
func byteRange(spec string, n int) (first, last int, ok bool) {
	rest, found := strings.CutPrefix(spec, "bytes=")
	if !found || strings.Contains(rest, ",") || n == 0 {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(rest, "-")
	if a == "" {
		k, err := strconv.Atoi(b)
		if err != nil || k <= 0 {
			return 0, 0, false
		}
		return max(n-k, 0), n - 1, true
	}
	first, err := strconv.Atoi(a)
	if err != nil || first >= n {
		return 0, 0, false
	}
	last = n - 1
	if b != "" {
		if last, err = strconv.Atoi(b); err != nil || last < first {
			return 0, 0, false
		}
		last = min(last, n-1)
	}
	return first, last, true
}
