package spec

import (
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Recorded cases of the checks of rfc_open_wire.go, with the answers real servers gave
// (testdata/verdicts/<server>.txt pins each failure to its source).

func init() { moreJudgeCases = append(moreJudgeCases, openWireCases) }

func openWireCases() []judgeCase {
	t := recTarget
	after := okEcho("GET", owAfterPath, "")
	ws := func(v string) string { return "rfc9112/3/whitespace-separators/" + v }
	wsReq := func(line string) []byte { return owWhitespaceRequest(t, line) }
	wsEcho := func(method, path, proto string) string {
		return okEcho(method, path, "", env("SERVER_PROTOCOL", proto))
	}
	htab, vt, ff := owWhitespaceVariants[0].line, owWhitespaceVariants[2].line, owWhitespaceVariants[3].line
	dsp, trail := owWhitespaceVariants[1].line, owWhitespaceVariants[4].line

	const lt = "rfc9112/3/long-target-414"
	ltReq := t.get(owLongTarget)

	const ah = "rfc9112/3.2.2/absolute-form-host"
	ahReq := t.request("GET http://"+owAbsHost+"/abs-host HTTP/1.1", "Host: "+owOtherHost)
	ahEcho := func(opts ...echoOpt) string { return okEcho("GET", "/abs-host", "", opts...) }

	const wh = "rfc9110/5.3/whole-header-section"
	whScript := wire.Script{Steps: []wire.Step{{Data: []byte("GET " + probes.Prefix + "echo HTTP/1.1\r\n")}, {Data: []byte("X-Late: 2\r\n\r\n"), Delay: owHeadPause}}, Responses: 1, Linger: 150 * time.Millisecond}
	whEcho := func(opts ...echoOpt) string { return okEcho("GET", probes.Prefix+"echo", "", opts...) }
	whObs := func(resp string, at time.Duration) func() *Observation {
		return func() *Observation {
			return withValues(obs(replayTimed("request", whScript, false, part{resp, at})), "late_at", owHeadPause.Seconds())
		}
	}
	both := env("HTTP_X_EARLY", "1", "HTTP_X_LATE", "2")

	const cte = "rfc9112/6.1/connect-2xx-no-te"
	const ccl = "rfc9110/8.6/connect-2xx-no-content-length"
	cReq := owConnectRequest(t)
	cEcho := okEcho("CONNECT", "", "", env("HTTP_HOST", owConnectTarget))
	cTunnel := httpResp("200 OK", []string{"Content-Type: application/json", "Connection: close"}, "{}")
	cChunked := httpResp("200 OK", []string{"Content-Type: application/json", "Transfer-Encoding: chunked"}, chunked("{}"))

	const kl = "rfc9110/8.6/known-length-http10"
	klReq := t.request("GET " + probes.Prefix + "status?code=200&body=hello HTTP/1.0")

	const gt = "rfc9112/9.5/graceful-timeout"
	idleScript := wire.Script{Steps: []wire.Step{{Data: t.get("/idle")}}, Responses: 1, Linger: owIdleBound}
	idle := textResp("200 OK", "idle")
	// idleObs: the response arrives at once; the connection ends as end says, at endAt.
	idleObs := func(resp string, end wire.End, endAt time.Duration) func() *Observation {
		return func() *Observation {
			c := replayTimed("request", idleScript, end != wire.EndOpen, part{resp, time.Millisecond})
			c.End, c.EndAt = end, endAt
			if end == wire.EndReset {
				c.ReadErr = "connection reset by peer"
			}
			return obs(c)
		}
	}

	const cm = "rfc9112/9.5/closure-monitored"
	hcScript := wire.Script{Steps: []wire.Step{{Data: t.get("/half-close")}, {AwaitResponse: 3 * time.Second}}, HalfClose: true, Responses: 1, Linger: owFINBound}
	hcResp := textResp("200 OK", "half")
	hcObs := func(resp string, end wire.End, endAt time.Duration) func() *Observation {
		return func() *Observation {
			c := replayTimed("request", hcScript, end != wire.EndOpen, part{resp, time.Millisecond})
			c.End, c.EndAt = end, endAt
			return obs(c)
		}
	}

	return []judgeCase{
		passes(ws("htab"), "parsed on word boundaries (http.server's split())", piped(2, wsReq(htab), wsEcho("GET", "/ws", "HTTP/1.1")+after, false), "word boundaries", "HTTP/1.1"),
		passes(ws("htab"), "refused with 400 (waitress)", piped(2, wsReq(htab), badRequest(), true), "refuses", "400"),
		passes(ws("htab"), "refused, then the next request served", piped(2, wsReq(htab), textResp("400 Bad Request", "bad")+after, false), "refuses"),
		fails(ws("htab"), "the whole line taken for the method", piped(2, wsReq(htab), wsEcho("GET\t/ws\tHTTP/1.1", "/", "HTTP/1.0")+after, false), `REQUEST_METHOD='GET\x09/ws\x09HTTP/1.1'`),
		fails(ws("htab"), "an HTTP/0.9 answer", piped(2, wsReq(htab), "{\"bad\": 1}", true), "not an HTTP/1.x response"),
		passes(ws("double-sp"), "parsed on word boundaries", piped(2, wsReq(dsp), wsEcho("GET", "/ws", "HTTP/1.1")+after, false), "word boundaries"),
		fails(ws("double-sp"), "SPs kept around the target", piped(2, wsReq(dsp), wsEcho("GET", " /ws ", "HTTP/1.1")+after, false), `PATH_INFO=' /ws '`),
		passes(ws("vt"), "eventlet's HTTP/1.0 version, no whitespace", piped(2, wsReq(vt), wsEcho("GET", "/ws", "HTTP/1.0")+after, false), "HTTP/1.0"),
		fails(ws("vt"), "VT kept in the path", piped(2, wsReq(vt), wsEcho("GET", "/ws\x0b", "HTTP/1.1")+after, false), `PATH_INFO='/ws\x0b'`),
		fails(ws("vt"), "served, then the next request lost", piped(2, wsReq(vt), wsEcho("GET", "/ws", "HTTP/1.1")+badRequest(), true), "lost its framing"),
		passes(ws("ff"), "refused, connection closed", piped(2, wsReq(ff), "", true), "refuses", "closed"),
		fails(ws("ff"), "FF kept in the method", piped(2, wsReq(ff), wsEcho("GET\x0c", "/ws", "HTTP/1.1")+after, false), `REQUEST_METHOD='GET\x0c'`),
		gives(Inconclusive, ws("ff"), "no answer", piped(2, wsReq(ff), "", false), "no response"),
		passes(ws("trailing-htab"), "trailing whitespace ignored", piped(2, wsReq(trail), wsEcho("GET", "/ws", "HTTP/1.1")+after, false), "word boundaries"),
		fails(ws("trailing-htab"), "HTAB kept in the version", piped(2, wsReq(trail), wsEcho("GET", "/ws", "HTTP/1.1\t")+after, false), `SERVER_PROTOCOL='HTTP/1.1\x09'`),

		passes(lt, "414", answered(ltReq, textResp("414 URI Too Long", "too long", "Connection: close"), true), "414"),
		passes(lt, "served whole (waitress)", answered(ltReq, okEcho("GET", owLongTarget, ""), false), "whole"),
		fails(lt, "400 line too long (gunicorn)", answered(ltReq, textResp("400 Bad Request", "Invalid Request Line 'Request Line is too large (65553 > 4094)'", "Connection: close"), true), "400 Bad Request", "414"),
		fails(lt, "431", answered(ltReq, textResp("431 Request Header Fields Too Large", "too large", "Connection: close"), true), "431"),
		fails(lt, "closed without a response (uWSGI)", answered(ltReq, "", true), "closed the connection"),
		fails(lt, "path cut short", answered(ltReq, okEcho("GET", owLongTarget[:4096], ""), false), "PATH_INFO of 4096 octets"),

		passes(ah, "HTTP_HOST from the target", answered(ahReq, ahEcho(env("HTTP_HOST", owAbsHost)), false), `HTTP_HOST="abs.example"`),
		passes(ah, "Host dropped, SERVER_NAME from the target", answered(ahReq, ahEcho(drop("HTTP_HOST"), env("SERVER_NAME", owAbsHost)), false), `SERVER_NAME="abs.example"`),
		passes(ah, "absolute-form refused", answered(ahReq, badRequest(), true), "refused"),
		fails(ah, "the received Host kept", answered(ahReq, ahEcho(env("HTTP_HOST", owOtherHost)), false), `HTTP_HOST="other.example"`),
		fails(ah, "Host dropped, SERVER_NAME the listener's", answered(ahReq, ahEcho(drop("HTTP_HOST")), false), "nowhere"),

		passes(wh, "answered after the rest, both fields", whObs(whEcho(both), owHeadPause+5*time.Millisecond), "X-Early and X-Late"),
		fails(wh, "the app ran on the first part", whObs(whEcho(env("HTTP_X_EARLY", "1")), 300*time.Millisecond), "before the rest"),
		fails(wh, "the app ran without the late field", whObs(whEcho(env("HTTP_X_EARLY", "1")), owHeadPause+5*time.Millisecond), "HTTP_X_LATE absent"),
		gives(Inconclusive, wh, "a 408 before the rest", whObs(textResp("408 Request Timeout", "slow", "Connection: close"), 300*time.Millisecond), "408"),

		passes(ccl, "refused with 405", answered(cReq, textResp("405 Method Not Allowed", "no"), false), "405"),
		passes(ccl, "200 without framing fields, closed", answered(cReq, cTunnel, true), "no Content-Length"),
		fails(ccl, "the app's Content-Length sent", answered(cReq, cEcho, false), "Content-Length"),
		gives(NotApplicable, ccl, "closed without a response", answered(cReq, "", true), "no response"),
		passes(cte, "the app's Content-Length sent, no coding", answered(cReq, cEcho, false), "no Transfer-Encoding"),
		passes(cte, "refused with 400", answered(cReq, badRequest(), true), "400"),
		fails(cte, "200 chunked", answered(cReq, cChunked, false), "Transfer-Encoding"),

		passes(kl, "Content-Length", answered(klReq, textResp("HTTP/1.0 200 OK", "hello"), true), "Content-Length: 5"),
		fails(kl, "close-delimited (wsgiref)", answered(klReq, httpResp("HTTP/1.0 200 OK", []string{"Content-Type: text/plain"}, "hello"), true), "close-delimited"),
		gives(NotApplicable, kl, "chunked to HTTP/1.0", answered(klReq, httpResp("HTTP/1.1 200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked"}, chunked("hello")), false), "Transfer-Encoding"),

		passes(gt, "FIN after 2 s (gunicorn keepalive)", idleObs(idle, wire.EndClosed, 2*time.Second), "graceful close"),
		fails(gt, "reset after 2 s", idleObs(idle, wire.EndReset, 2*time.Second), "reset"),
		gives(NotApplicable, gt, "still open after the bound", idleObs(idle, wire.EndOpen, owIdleBound), "did not time out"),
		gives(NotApplicable, gt, "closed at once (uWSGI)", idleObs(idle, wire.EndClosed, 5*time.Millisecond), "too soon"),
		gives(NotApplicable, gt, "Connection: close", idleObs(strings.Replace(idle, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1), wire.EndClosed, 5*time.Millisecond), "Connection: close"),

		passes(cm, "closed after the client's FIN", hcObs(hcResp, wire.EndClosed, 20*time.Millisecond), "closed its side"),
		fails(cm, "still open", hcObs(hcResp, wire.EndOpen, owFINBound), "still held it open"),
		gives(NotApplicable, cm, "announced close", hcObs(strings.Replace(hcResp, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1), wire.EndClosed, 5*time.Millisecond), "closes it whatever"),
	}
}
