package spec

import (
	"fmt"
	"strings"

	"github.com/conform-wsgi/conform/probes"
)

// Recorded cases of the checks of the remaining open sentences of RFC 9112 and RFC 9110
// (open_sentences_rfc.go), with the failures found on real servers
// (testdata/verdicts/<server>.txt pins each to its source).

func init() { moreJudgeCases = append(moreJudgeCases, openRFCCases) }

func openRFCCases() []judgeCase {
	t := recTarget
	closing := func(resp string) string { return strings.Replace(resp, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1) }
	headOnly := func(resp string) string { return resp[:strings.Index(resp, "\r\n\r\n")+4] }
	seen := func(req []byte, n int, received string, closed bool, head ...bool) func() *Observation {
		return func() *Observation { return obs(replayed("request", rfcLinger(req, n, head...), received, closed)) }
	}
	lead := okEcho("GET", "/lead", "")
	post := okEcho("POST", probes.Prefix+"echo", "", env("CONTENT_LENGTH", "5", "CONTENT_TYPE", "text/plain"), input("auto", "hello"))
	const elFirst = "rfc9112/2.2/empty-line-before-request/first"
	const elPiped = "rfc9112/2.2/empty-line-before-request/pipelined"
	first := rfcEmptyLineRequest(t, "first")
	pipedReq := rfcEmptyLineRequest(t, "pipelined")

	const co = "rfc9112/9.6/close-option-sent"
	closeReq := t.get("/closing", "Connection: close")
	closingEcho := okEcho("GET", "/closing", "", env("HTTP_CONNECTION", "close"))

	const de = "rfc9110/5.6.7/date-exact"
	dateReq := t.get("/date-exact")
	dateEcho := okEcho("GET", "/date-exact", "")

	const hs = "rfc9110/9.1/head-supported"
	headReq := append(t.request("HEAD "+probes.Prefix+"echo HTTP/1.1"), t.get("/after")...)
	headEcho := headOnly(okEcho("HEAD", probes.Prefix+"echo", ""))
	after := okEcho("GET", "/after", "")

	const nt = "rfc9110/6.5.1/no-server-trailers"
	const nb = "rfc9110/5.6.3/no-bws-in-chunk-lines"
	const ow = "rfc9110/5.6.3/field-ows-single-sp"
	const rw = "rfc9110/5.6.3/server-rws-single-sp"
	own := rfcChunkedScript(t).Steps[0].Data
	ownResp := httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("block-0\n", "block-1\n"))
	closeDelimited := httpResp("HTTP/1.0 200 OK", []string{"Content-Type: text/plain"}, "block-0\nblock-1\n")
	own1 := func(received string, closed bool) func() *Observation { return seen(own, 1, received, closed) }

	const c3 = "rfc9110/8.6/304-content-length"
	req304 := append(t.get(probes.Prefix+"status?code=304&body=unexpected"), t.get("/after")...)
	resp304 := func(fields ...string) string {
		return httpResp("304 Not Modified", append([]string{"Content-Type: text/plain"}, fields...), "")
	}
	seen304 := func(first string) func() *Observation { return seen(req304, 2, first+after, false) }

	const dg = "rfc9112/2.3/no-downgrade"
	curlReq, plainReq := t.get("/curl", "User-Agent: curl/8.5.0"), t.get("/plain")
	dgObs := func(curl, plain string) func() *Observation {
		return func() *Observation {
			return obs(replayed("curl", rfcLinger(curlReq, 1), curl, false), replayed("plain", rfcLinger(plainReq, 1), plain, false))
		}
	}
	curlEcho := okEcho("GET", "/curl", "", env("HTTP_USER_AGENT", "curl/8.5.0"))
	plainEcho := okEcho("GET", "/plain", "")
	as10 := func(resp string) string { return strings.Replace(resp, "HTTP/1.1 200 OK", "HTTP/1.0 200 OK", 1) }

	const cp = "rfc9112/7.2/compression-parameter"
	cpReq := teVariantPost(variantChunk(helloGzip), "Transfer-Encoding: gzip;level=1, chunked")(t)
	cpEcho := func(opts ...echoOpt) string {
		return okEcho("POST", probes.Prefix+"echo", "", append([]echoOpt{env("HTTP_TRANSFER_ENCODING", "gzip;level=1, chunked")}, opts...)...)
	}
	nextGet := okEcho("GET", framingNextPath, "")

	const rl = "rfc9112/3/request-line-8000"
	longReq := t.get(rfcLongTarget())
	longEcho := okEcho("GET", rfcLongPath, rfcLongTarget()[len(rfcLongPath)+1:])

	const lm = "rfc9112/3/long-method-501"
	lmReq := t.request(rfcLongMethod + " /long-method HTTP/1.1")

	const le = "rfc9110/5.6.1.1/no-empty-list-elements"
	leReq := t.get(probes.Prefix+"no-content-length?chunks=2", "Connection: close")
	leResp := func(fields ...string) func() *Observation {
		return seen(leReq, 1, httpResp("200 OK", append([]string{"Content-Type: text/plain"}, fields...), chunked("block-0\n", "block-1\n")), true)
	}
	const dl = "rfc9112/6.3/delimited-when-possible"

	const nd = "rfc9110/5.3/no-duplicate-own-fields"
	dReq := t.get(probes.Prefix + "hop-by-hop?name=Date&value=" + rfcAppDateQuery)
	sReq := t.get(probes.Prefix + "hop-by-hop?name=Server&value=" + rfcAppServer)
	hopBody := `{"start_response": "returned"}`
	hop := func(lines ...string) string {
		return "HTTP/1.1 200 OK\r\n" + strings.Join(lines, "\r\n") + fmt.Sprintf("\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(hopBody)) + hopBody
	}
	ndObs := func(date, server string) func() *Observation {
		return func() *Observation {
			return obs(replayed("date", rfcLinger(dReq, 1), date, false), replayed("server", rfcLinger(sReq, 1), server, false))
		}
	}
	appDate := "Date: Thu, 01 Jan 2026 00:00:00 GMT"

	const of = "rfc9112/5.2/no-obs-fold-sent"
	const lw = "rfc9112/2.2/no-leading-whitespace-field"
	foldValue := "a\r\n b"
	foldReq := scenario("header-value?value=" + pctAll(foldValue))(t)
	foldEcho := func(opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"header-value", "value="+pctAll(foldValue), opts...)
	}
	leadReq := scenario("hop-by-hop?name=" + pctAll(" X-Lead") + "&value=v")(t)
	leadEcho := func(opts ...echoOpt) []byte {
		return echoBody("GET", probes.Prefix+"hop-by-hop", "name="+pctAll(" X-Lead")+"&value=v", opts...)
	}
	sentWith := func(req, body []byte, line string) func() *Observation {
		return answered(req, httpResp("200 OK", []string{"Content-Type: application/json", line, "Connection: close"}, string(body)), true)
	}
	raised := func(req, body []byte) func() *Observation {
		return answered(req, jsonResp("500 Internal Server Error", body, "Connection: close"), true)
	}

	const hf = "rfc9110/9.3.2/head-same-fields"
	hfGet := t.get(probes.Prefix+"hop-by-hop?name=X-Conform-App&value=1", "Connection: close")
	hfHead := t.request("HEAD "+probes.Prefix+"hop-by-hop?name=X-Conform-App&value=1 HTTP/1.1", "Connection: close")
	hfBody := `{"start_response": "returned"}`
	hfResp := func(body string, fields ...string) string {
		return httpResp("200 OK", append([]string{"Content-Type: application/json", fmt.Sprintf("Content-Length: %d", len(hfBody)), "Connection: close"}, fields...), body)
	}
	hfObs := func(get, head string) func() *Observation {
		return func() *Observation {
			return obs(replayed("GET", rfcLinger(hfGet, 1), get, true), replayed("HEAD", rfcLinger(hfHead, 1, true), head, true))
		}
	}

	const rc = "rfc9112/6.1/response-coding-chunked-last"
	rcReq := t.get(probes.Prefix+"no-content-length?chunks=2", "TE: gzip, deflate", "Connection: TE")
	rcObs := func(received string, closed bool) func() *Observation { return seen(rcReq, 1, received, closed) }

	return []judgeCase{
		passes(rc, "chunked", rcObs(ownResp, false), "chunked last"),
		passes(rc, "close-delimited, no coding", rcObs(closeDelimited, true), "no transfer coding"),
		passes(rc, "gzip then chunked", rcObs(strings.Replace(ownResp, "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked", 1), false), "chunked last"),
		passes(rc, "gzip, closed", rcObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: gzip"}, helloGzip), true), "closed after the body"),
		fails(rc, "gzip last, kept open", rcObs(httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked, gzip"}, chunked("block-0\n")), false), "not chunked"),

		passes(hf, "the same fields", hfObs(hfResp(hfBody, "X-Conform-App: 1"), hfResp("", "X-Conform-App: 1")), "every field"),
		fails(hf, "the app's field dropped for HEAD", hfObs(hfResp(hfBody, "X-Conform-App: 1"), hfResp("")), "lacks X-Conform-App"),
		gives(Inconclusive, hf, "HEAD not answered (tornado)", hfObs(hfResp(hfBody, "X-Conform-App: 1"), ""), "HEAD was not answered"),

		passes(of, "start_response raised (waitress)", raised(foldReq, foldEcho(result("start_response", "raised", "exception", "ValueError: carriage return/line feed character present in header value"))), "ValueError"),
		passes(of, "repaired to one line", sentWith(foldReq, foldEcho(result("start_response", "returned")), "X-Conform-Value: a b"), "all within the grammar"),
		fails(of, "sent folded", sentWith(foldReq, foldEcho(result("start_response", "returned")), "X-Conform-Value: a\r\n b"), "no colon"),
		passes(lw, "start_response raised", raised(leadReq, leadEcho(result("start_response", "raised", "exception", "ValueError: invalid header name"))), "ValueError"),
		passes(lw, "dropped", sentWith(leadReq, leadEcho(result("start_response", "returned")), "X-Other: 1"), "all within the grammar"),
		fails(lw, "sent indented", sentWith(leadReq, leadEcho(result("start_response", "returned")), " X-Lead: v"), "not a token"),

		passes(nd, "the app's lines kept, none added", ndObs(hop("Server: waitress", appDate), hop(dateLine, "Server: conform-app")), "one Date"),
		fails(nd, "a second Date", ndObs(hop("Server: gunicorn", "Date: Mon, 07 Dec 2026 05:00:00 GMT", appDate), hop(dateLine, "Server: conform-app")), "2 Date lines"),
		fails(nd, "a second Server", ndObs(hop("Server: waitress", appDate), hop("Server: gunicorn", dateLine, "Server: conform-app")), "2 Server lines"),
		gives(Inconclusive, nd, "the app's Date refused", ndObs(textResp("500 Internal Server Error", "oops"), hop(dateLine, "Server: conform-app")), "500"),

		passes(le, "plain lists", leResp("Transfer-Encoding: chunked", "Connection: close"), "Connection: close"),
		fails(le, "a trailing comma", leResp("Transfer-Encoding: chunked", "Connection: close,"), "empty element"),
		fails(le, "two commas", leResp("Transfer-Encoding: chunked", "Connection: close,, keep-alive"), "close,, keep-alive"),
		passes(dl, "chunked", own1(ownResp, false), "chunked-delimited"),
		passes(dl, "counted (tornado)", own1(withLength("200 OK", []string{"Content-Type: text/plain"}, "block-0\nblock-1\n"), false), "content-length"),
		fails(dl, "close-delimited (wsgiref, uWSGI)", own1(closeDelimited, true), "close-delimited"),

		passes(lm, "501", answered(lmReq, textResp("501 Not Implemented", "Not Implemented"), false), "501"),
		passes(lm, "passed to the app", answered(lmReq, okEcho(rfcLongMethod, "/long-method", ""), false), "REQUEST_METHOD"),
		fails(lm, "400 (gunicorn's method pattern)", answered(lmReq, textResp("400 Bad Request", "Invalid Method", "Connection: close"), true), "400 Bad Request", "501"),
		fails(lm, "closed without a response", answered(lmReq, "", true), "closed the connection"),

		passes(rl, "served whole", answered(longReq, longEcho, false), "intact"),
		fails(rl, "400 at gunicorn's 4094-octet limit", answered(longReq, textResp("400 Bad Request", "Invalid Request Line 'Request Line is too large (8000 > 4094)'", "Connection: close"), true), "400 Bad Request"),
		fails(rl, "closed without a response (uWSGI buffer)", answered(longReq, "", true), "closed the connection"),
		fails(rl, "query string cut short", answered(longReq, okEcho("GET", rfcLongPath, "q=aaaa"), false), "QUERY_STRING of 6 octets"),

		passes(cp, "501 and closed (waitress)", piped(2, cpReq, textResp("501 Not Implemented", "Not Implemented", "Connection: close"), true), "refused"),
		passes(cp, "500 and closed (gunicorn)", piped(2, cpReq, textResp("500 Internal Server Error", "Internal Server Error", "Connection: close"), true), "refused"),
		passes(cp, "400 after reading the body", piped(2, cpReq, badRequest()+nextGet, false), "refused"),
		fails(cp, "served without a body (gevent, tornado)", piped(2, cpReq, cpEcho(drop("wsgi.input_terminated"))+badRequest(), true), `the app read ""`),
		fails(cp, "gzip ignored, chunked decoded", piped(2, cpReq, cpEcho(input("auto", helloGzip))+nextGet, false), "should have made the request an error"),
		fails(cp, "gzip decoded, parameter ignored", piped(2, cpReq, cpEcho(input("auto", "hello"))+nextGet, false), `read "hello"`),
		fails(cp, "501, body left on the connection", piped(2, cpReq, textResp("501 Not Implemented", "Not Implemented")+badRequest(), true), "left on the connection"),

		passes(dg, "HTTP/1.1 to both", dgObs(curlEcho, plainEcho), "HTTP/1.1"),
		fails(dg, "HTTP/1.0 to curl only", dgObs(as10(curlEcho), plainEcho), "curl"),
		fails(dg, "HTTP/1.0 to the request without User-Agent", dgObs(curlEcho, as10(plainEcho)), "no client attribute"),
		gives(NotApplicable, dg, "HTTP/1.0 to everyone (wsgiref)", dgObs(as10(curlEcho), as10(plainEcho)), "never speaks HTTP/1.1"),

		passes(c3, "no Content-Length", seen304(resp304()), "no Content-Length"),
		passes(c3, "the length a 200 would carry", seen304(resp304("Content-Length: 10")), "permitted"),
		fails(c3, "Content-Length: 0 invented", seen304(resp304("Content-Length: 0")), "Content-Length: 0"),
		gives(Inconclusive, c3, "the 304 rewritten", seen304(textResp("500 Internal Server Error", "oops")), "500"),

		passes(nt, "an empty trailer section", own1(ownResp, false), "empty trailer section"),
		fails(nt, "a trailer field of the server's", own1(strings.Replace(ownResp, "0\r\n\r\n", "0\r\nX-Served-By: w1\r\n\r\n", 1), false), "X-Served-By: w1"),
		gives(NotApplicable, nt, "close-delimited (HTTP/1.0 server)", own1(closeDelimited, true), "did not chunk"),
		passes(nb, "bare hex sizes", own1(ownResp, false), "8"),
		fails(nb, "a space after the size", own1(strings.Replace(ownResp, "8\r\nblock-0", "8 \r\nblock-0", 1), false), "8 "),
		fails(nb, "an extension with BWS", own1(strings.Replace(ownResp, "8\r\nblock-0", "8 ; a=b\r\nblock-0", 1), false), "8 ; a=b"),
		gives(NotApplicable, nb, "close-delimited (HTTP/1.0 server)", own1(closeDelimited, true), "did not chunk"),
		passes(ow, "'Name: value' everywhere", own1(ownResp, false), "Name: value"),
		fails(ow, "no SP after the colon", own1(strings.Replace(ownResp, "Server: waitress", "Server:waitress", 1), false), "Server:waitress"),
		fails(ow, "two SPs after the colon", own1(strings.Replace(ownResp, "Transfer-Encoding: chunked", "Transfer-Encoding:  chunked", 1), false), "Transfer-Encoding:  chunked"),
		fails(ow, "trailing whitespace", own1(strings.Replace(ownResp, "Server: waitress", "Server: waitress ", 1), false), "one SP after the colon"),
		passes(rw, "one product", own1(ownResp, false), "waitress"),
		passes(rw, "products separated by one SP", own1(strings.Replace(ownResp, "Server: waitress", "Server: WSGIServer/0.2 CPython/3.11.2", 1), false), "CPython"),
		fails(rw, "two SPs between products", own1(strings.Replace(ownResp, "Server: waitress", "Server: WSGIServer/0.2  CPython/3.11.2", 1), false), "more than one SP"),
		gives(NotApplicable, rw, "no Server field", own1(strings.Replace(ownResp, "Server: waitress\r\n", "", 1), false), "no Server"),

		passes(elFirst, "the empty line ignored", seen(first, 1, lead, false), "ignored"),
		fails(elFirst, "the empty line read as a bad request-line", seen(first, 1, badRequest(), true), "400 Bad Request", "request-line"),
		fails(elFirst, "nothing answered", seen(first, 1, "", false), "never answered"),
		passes(elPiped, "the empty line after the body ignored", seen(pipedReq, 2, post+lead, false), "ignored"),
		fails(elPiped, "the empty line after the body refused", seen(pipedReq, 2, post+badRequest(), true), "400 Bad Request"),
		gives(NotApplicable, elPiped, "closed after the POST, as announced", seen(pipedReq, 2, closing(post), true), "as it said it would"),
		gives(Inconclusive, elPiped, "closed after the POST without a word (uWSGI)", seen(pipedReq, 2, post, true), "cannot be told"),
		fails(elPiped, "left waiting after the empty line", seen(pipedReq, 2, post, false), "never answered"),
		gives(Inconclusive, elPiped, "the POST refused", seen(pipedReq, 2, badRequest(), true), "400"),

		passes(co, "Connection: close in the response", seen(closeReq, 1, closing(closingEcho), true), "Connection: close"),
		passes(co, "an HTTP/1.0 response without keep-alive", seen(closeReq, 1, strings.Replace(closingEcho, "HTTP/1.1 200 OK", "HTTP/1.0 200 OK", 1), true), "HTTP/1.0"),
		fails(co, "closed without saying so", seen(closeReq, 1, closingEcho, true), "does not say 'Connection: close'"),

		passes(de, "an IMF-fixdate", seen(dateReq, 1, dateEcho, false), "Thu, 01 Jan 2026"),
		fails(de, "two spaces after the comma", seen(dateReq, 1, strings.Replace(dateEcho, "Thu, 01", "Thu,  01", 1), false), "not spelled as IMF-fixdate"),
		fails(de, "a one-digit day", seen(dateReq, 1, strings.Replace(dateEcho, "Thu, 01", "Thu, 1", 1), false), "Thu, 1 Jan"),
		fails(de, "upper-case names", seen(dateReq, 1, strings.Replace(dateEcho, "Thu, 01 Jan", "THU, 01 JAN", 1), false), "THU"),
		gives(NotApplicable, de, "no Date", seen(dateReq, 1, strings.Replace(dateEcho, dateLine+"\r\n", "", 1), false), "no Date"),

		passes(hs, "the app's header fields, no content", seen(headReq, 2, headEcho+after, false, true), "reached the app"),
		fails(hs, "refused with 405", seen(headReq, 2, textResp("405 Method Not Allowed", "Method Not Allowed"), false, true), "405"),
		fails(hs, "not answered at all (tornado)", seen(headReq, 2, "", true, true), "not answered"),
		passes(hs, "content after the head is head-no-content's", seen(headReq, 2, okEcho("HEAD", probes.Prefix+"echo", "")+after, false, true), "reached the app"),
	}
}
