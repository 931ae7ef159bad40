package spec

import (
	"fmt"
	"strings"
)

// Recorded cases of the checks of the HTTP features a server may add (http_features.go),
// with the failures found on real servers (testdata/verdicts/<server>.txt pins each to its
// source).

func init() { moreJudgeCases = append(moreJudgeCases, httpFeatureCases) }

func httpFeatureCases() []judgeCase {
	t := recTarget
	// seq replays one received answer per request, each on its connection.
	seq := func(reqs [][]byte, received ...string) func() *Observation {
		return func() *Observation {
			var conns []*Conn
			for i, req := range reqs {
				conns = append(conns, replayed(fmt.Sprint(i), rfcLinger(req, 1), received[i], false))
			}
			return obs(conns...)
		}
	}
	noDate := func(resp string) string { return strings.Replace(resp, dateLine+"\r\n", "", 1) }
	cl := fmt.Sprintf("Content-Length: %d", len(httpBody))

	const cv = "pep3333/http-features/cache-validation"
	condReqs := httpConditionRequests(t)
	full := httpResp("200 OK", []string{"Content-Type: text/plain", "ETag: " + httpETag, "Last-Modified: " + httpLastModified, cl}, httpBody)
	notModified := httpResp("304 Not Modified", []string{"ETag: " + httpETag, "Last-Modified: " + httpLastModified}, "")
	notModifiedWithContent := httpResp("304 Not Modified", []string{"ETag: " + httpETag, cl}, httpBody)

	const br = "pep3333/http-features/byte-range"
	rangeReqs := [][]byte{t.get(httpValidated(), "Range: bytes=2-5"), t.get(httpValidated(), "Range: bytes=-3")}
	partial := func(cr, body string) string {
		return withLength("206 Partial Content", []string{"Content-Type: text/plain", "Content-Range: " + cr}, body)
	}

	const ar = "pep3333/http-features/app-range-kept"
	appReq := [][]byte{t.get(httpApp206(), "Range: "+httpAppRange)}

	const fk = "rfc9110/15.4.5/304-fields-kept"
	keptReqs := [][]byte{t.get(httpFields(200, httpBody, httpCacheLines()...)), t.get(http304(), "If-None-Match: "+httpETag)}
	ok200 := httpResp("200 OK", append(httpCacheLines(), "Content-Type: text/plain", cl), httpBody)
	kept304 := httpResp("304 Not Modified", httpCacheLines(), "")
	stripped304 := httpResp("304 Not Modified", []string{"ETag: " + httpETag}, "")

	const na = "rfc9110/15.4.5/304-no-added-metadata"
	naReq := [][]byte{t.get(http304(), "If-None-Match: "+httpETag)}

	return []judgeCase{
		passes(cv, "every conditional GET gets the app's 200", seq(condReqs, full, full, full, full, full), "leaves cache validation to the application"),
		gives(Observed, cv, "304 where the validators match", seq(condReqs, full, full, full, notModified, notModified), "handles cache validation itself", "If-None-Match naming the entity tag"),
		// A server that compares If-Modified-Since although If-None-Match is present.
		fails(cv, "If-Modified-Since honoured beside a non-matching If-None-Match", seq(condReqs, full, full, notModified, notModified, notModified), "answered 304", "with If-Modified-Since equal to Last-Modified"),
		fails(cv, "304 to a different entity tag", seq(condReqs, notModified, full, full, notModified, full), "naming another entity tag was answered 304"),
		fails(cv, "the validating 304 carries the app's content", seq(condReqs, full, full, full, notModifiedWithContent, full), "carried content", "10 bytes"),
		gives(Inconclusive, cv, "an error page", seq(condReqs, full, textResp("500 Internal Server Error", "oops"), full, full, full), "500"),

		passes(br, "the full 200 both times", seq(rangeReqs, full, full), "leaves byte ranges to the application"),
		gives(Observed, br, "exact 206s", seq(rangeReqs, partial("bytes 2-5/10", "2345"), partial("bytes 7-9/10", "789")), "transmits byte ranges", "bytes=2-5, bytes=-3"),
		fails(br, "last-pos read as exclusive", seq(rangeReqs, partial("bytes 2-4/10", "234"), partial("bytes 7-9/10", "789")), "bytes 2-4/10", "bytes 2-5/10"),
		fails(br, "suffix range from the start", seq(rangeReqs, full, partial("bytes 7-9/10", "012")), "carried", "789"),
		fails(br, "416 for a satisfiable range", seq(rangeReqs, full, textResp("416 Range Not Satisfiable", "")), "416", "satisfiable"),

		passes(ar, "the app's 206 as given", seq(appReq, partial(httpAppContentRange, httpAppPart)), "as the app gave it"),
		fails(ar, "ranged again", seq(appReq, partial("bytes 2-3/4", "45")), "bytes 2-3/4", "already ranged"),
		fails(ar, "turned into a 200", seq(appReq, withLength("200 OK", []string{"Content-Type: text/plain"}, httpAppPart)), "200 OK"),
		gives(Inconclusive, ar, "an error page", seq(appReq, textResp("500 Internal Server Error", "oops")), "500"),

		passes(fk, "all kept, Date added", seq(keptReqs, ok200, kept304), "as the app set them", "Date: "),
		passes(fk, "no Date on either", seq(keptReqs, noDate(ok200), noDate(kept304)), "no Date to the 200 either"),
		fails(fk, "entity headers stripped", seq(keptReqs, ok200, stripped304), "Vary (the app set Accept-Encoding) is missing", "Content-Location"),
		fails(fk, "Date only on the 200", seq(keptReqs, ok200, noDate(kept304)), "without one"),
		fails(fk, "Cache-Control rewritten", seq(keptReqs, ok200, httpResp("304 Not Modified", append(httpCacheLines()[:2], "Cache-Control: no-cache", httpCacheLines()[3], httpCacheLines()[4]), "")), "no-cache"),
		gives(Inconclusive, fk, "the 304 became a 500", seq(keptReqs, ok200, textResp("500 Internal Server Error", "oops")), "500"),

		passes(na, "nothing added", seq(naReq, kept304), "no representation metadata"),
		fails(na, "a default Content-Type", seq(naReq, httpResp("304 Not Modified", append(httpCacheLines(), "Content-Type: text/html; charset=UTF-8"), "")), "text/html"),
		fails(na, "Content-Length: 0", seq(naReq, httpResp("304 Not Modified", append(httpCacheLines(), "Content-Length: 0"), "")), "Content-Length: 0"),
		gives(Inconclusive, na, "the 304 became a 500", seq(naReq, textResp("500 Internal Server Error", "oops")), "500"),
	}
}
