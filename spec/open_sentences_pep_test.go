package spec

import (
	"fmt"

	"github.com/conform-wsgi/conform/probes"
)

// Recorded cases of the PEP 3333 open-sentence checks (open_sentences_pep.go) and of the
// judges that now read the probe's whole record: exc_info before output, and the line
// boundaries of iteration and readlines().

func init() { moreJudgeCases = append(moreJudgeCases, openSentencePEPCases) }

func openSentencePEPCases() []judgeCase {
	t := recTarget

	// ---- evidence the judges used to ignore ----
	readReq := func(m string) []byte {
		return t.post(probes.Prefix+"echo?read="+m, inputBody, "Content-Type: text/plain")
	}
	readEcho := func(m string, opts ...echoOpt) func() *Observation {
		opts = append([]echoOpt{env("CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", fmt.Sprint(len(inputBody)))}, opts...)
		return echoed(readReq(m), "POST", probes.Prefix+"echo", "read="+m, opts...)
	}
	lines := func(got int, l ...int) probes.InputCall {
		return probes.InputCall{Op: "readlines", Got: got, Lines: l}
	}
	n := len(inputBody)
	const iter, readlines = "pep3333/input/iteration", "pep3333/input/readlines"

	before := scenario("exc-info-before-headers")(t)
	beforeBody := func(outcome string) []byte {
		// Both outcomes pad to one length, as the probe does.
		return padded(echoBody("GET", probes.Prefix+"exc-info-before-headers", "", result("exc_info_call", outcome)), len("returned")-len(outcome))
	}
	const replaces = "pep3333/start-response/exc-info-replaces-headers"

	// ---- server-defined environ keys ----
	const named = "pep3333/environ/server-variables-named"
	vars := func(opts ...echoOpt) func() *Observation {
		return echoed(reqGet("/server-variables"), "GET", "/server-variables", "", opts...)
	}
	inherited := probes.EnvValue{Type: "str", Native: true, Latin1: true, Inherited: true}

	// ---- wsgi.run_once ----
	const runOnce = "pep3333/environ/run-once-truthful"
	runs := func(once bool, pids ...int) func() *Observation {
		return func() *Observation {
			var conns []*Conn
			for i, pid := range pids {
				path := fmt.Sprintf("/run-once-%d", i+1)
				conns = append(conns, exch(reqGet(path, "Connection: close"), okEcho("GET", path, "", ranOn(pid, 1, sec(0), sec(0)), env("wsgi.run_once", envBool(once))), true))
			}
			return obs(conns...)
		}
	}

	// ---- wsgi.file_wrapper over a file-like object without fileno() ----
	const filelike, fwClose = "pep3333/response/file-wrapper-filelike", "pep3333/response/file-wrapper-close"
	flReq := reqGet(fmt.Sprintf("%sfile-wrapper-filelike?size=%d&token=fl-c1-1", probes.Prefix, fileLikeSize), "Connection: close")
	flData := string(openFileData(fileLikeSize))
	flResp := func(used, body string) string {
		return withLength("200 OK", []string{"Content-Type: application/octet-stream", "X-Conform-File-Wrapper: " + used, "Connection: close"}, body)
	}
	statusReq := reqGet(probes.Prefix + "close-status?token=fl-c1-1")
	fileLike := func(received string, closed bool) func() *Observation {
		return func() *Observation {
			return obs(exch(flReq, received, true), exch(statusReq, okEcho("GET", probes.Prefix+"close-status", "token=fl-c1-1", result("closed", closed)), false))
		}
	}
	appErr := textResp("500 Internal Server Error", "AttributeError: 'ProbeFile' object has no attribute 'fileno'", "Connection: close")

	// ---- start_response after a call that raised ----
	const retry = "pep3333/start-response/retry-after-error"
	retryReq := scenario("start-response-after-error")(t)
	retryBody := func(kv ...interface{}) []byte {
		return echoBody("GET", probes.Prefix+"start-response-after-error", "", result(kv...))
	}
	retried := func(status string, kv ...interface{}) func() *Observation {
		return answered(retryReq, jsonResp(status, retryBody(kv...), "Connection: close"), true)
	}

	return []judgeCase{
		passes(retry, "the retry raised (wsgiref)", retried("500 Internal Server Error", "first_call", "raised", "second_call", "raised", "exception", "AssertionError: Headers already set!"), "AssertionError: Headers already set!"),
		fails(retry, "the retry returned and its 200 was sent", retried("200 OK", "first_call", "raised", "second_call", "returned", "exception", ""), "returned normally (200 OK was sent)"),
		gives(NotApplicable, retry, "the int value was accepted", retried("200 OK", "first_call", "returned", "second_call", "", "exception", ""), "accepted ('X-Conform-Value', 1)"),
		gives(NotApplicable, retry, "the int value was sent, the body cut", answered(retryReq, "HTTP/1.1 200 OK\r\nX-Conform-Value: 1\r\nContent-Length: 40\r\n\r\n{\"result\": {\"first_call\": \"returned\"}}", true), "accepted ('X-Conform-Value', 1)"),

		passes(filelike, "read through read()", fileLike(flResp("used", flData), true), "20000 bytes"),
		gives(NotApplicable, filelike, "no wsgi.file_wrapper", fileLike(flResp("absent", flData), false), "no wsgi.file_wrapper"),
		fails(filelike, "a wrapper that needs fileno()", fileLike(appErr, false), "got 500", "no fileno()"),
		fails(filelike, "only the first block", fileLike(httpResp("200 OK", []string{"X-Conform-File-Wrapper: used", "Connection: close"}, flData[:8192]), false), "sent 8192 other bytes"),
		passes(fwClose, "close() reached the file", fileLike(flResp("used", flData), true), "f.close() was called"),
		fails(fwClose, "the wrapper's close() does not close the file", fileLike(flResp("used", flData), false), "was not called"),
		gives(NotApplicable, fwClose, "no wsgi.file_wrapper", fileLike(flResp("absent", flData), false)),

		passes(named, "prefixed keys (gunicorn, uWSGI)", vars(env("gunicorn.socket", envObj("socket", "<socket>"), "uwsgi.core", envObj("int", "0"))), "gunicorn.socket, uwsgi.core"),
		passes(named, "CGI-style extras, wsgi.* and the process environment", vars(env("REMOTE_PORT", "4242", "wsgi.input_terminated", envBool(true), "http_proxy", inherited))),
		fails(named, "an unprefixed key", vars(env("socket", envObj("socket", "<socket>"))), `"socket"`),
		fails(named, "mixed case", vars(env("Werkzeug.Request", envObj("Request", "<Request>"))), `"Werkzeug.Request"`),
		fails(named, "a dash", vars(env("x-server.fd", envObj("int", "3"))), `"x-server.fd"`),

		passes(runOnce, "one process served two, run_once false", runs(false, 10, 11, 10), "pid 10 served 2"),
		passes(runOnce, "a process per request, run_once true (CGI)", runs(true, 10, 11, 12), "CGI-style"),
		fails(runOnce, "run_once true in a reused process", runs(true, 10, 10, 10), "pid 10 served 3"),
		gives(Inconclusive, runOnce, "three processes, run_once false", runs(false, 10, 11, 12), "look alike"),

		passes(iter, "one step per line", readEcho("iter", input("iter", inputBody, call("iter", -1, 11), call("iter", -1, 7), call("iter", -1, 1), call("iter", -1, 25))), "4 lines"),
		fails(iter, "the right bytes in one block (an __iter__ over read(8192))", readEcho("iter", input("iter", inputBody, call("iter", -1, n))), "pieces of [44] bytes", "[11 7 1 25]"),
		fails(iter, "the blank line merged into the next", readEcho("iter", input("iter", inputBody, call("iter", -1, 11), call("iter", -1, 7), call("iter", -1, 26))), "[11 7 26]"),
		passes(readlines, "the lines sent", readEcho("readlines", input("readlines", inputBody, lines(n, 11, 7, 1, 25))), "4 lines"),
		fails(readlines, "the whole body as one line", readEcho("readlines", input("readlines", inputBody, lines(n, n))), "readlines() gave the right 44 bytes", "[44]"),
		fails(readlines, "split at a size hint, not at newlines", readEcho("readlines", input("readlines", inputBody, lines(n, 8, 8, 8, 8, 8, 4))), "[8 8 8 8 8 4]"),

		passes(replaces, "replaced, and the call returned", answered(before, jsonResp("500 Internal Server Error", beforeBody("returned"), "X-Conform-Call: second", "Connection: close"), true), "returned normally"),
		fails(replaces, "replaced, but the call raised (the 500 hides it)", answered(before, jsonResp("500 Internal Server Error", beforeBody("raised"), "X-Conform-Call: second", "Connection: close"), true), "raised although no headers had been sent"),
		gives(Inconclusive, replaces, "replaced, report unreadable", answered(before, jsonResp("500 Internal Server Error", []byte("Internal Server Error"), "X-Conform-Call: second", "Connection: close"), true), "did not arrive"),
	}
}
